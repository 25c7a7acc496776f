"""What tasks do for data rights: the help a person gave or offered, erasure, a circle's erasure."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.lib.privacy_registry import circle_eraser_register, csv_rows, erasure_register, subject_part_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member
from carecircle.tasks.email_actions import MAX_AGE as ACTION_LINK_MAX_AGE
from carecircle.tasks.models import (
    ActionLinkUse,
    Assignment,
    CalendarFeed,
    Decline,
    NobodyLeft,
    ReminderSent,
    ReminderSetting,
    ReplyCode,
    StandIn,
    StandInAsk,
    StandingOffer,
    Task,
    Unavailability,
    VisitLog,
)

BATCH = 500


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "help/what-you-said-youd-do.csv",
        csv_rows(
            ["circle", "task", "title", "date", "withdrawn", "reason"],
            Assignment.objects.filter(user=user)
            .values_list(
                "task__circle_id", "task_id", "task__title", "occurrence_date", "withdrawn_at", "withdraw_reason"
            )
            .iterator(BATCH),
        ),
    )
    yield (
        "help/visits-you-logged.csv",
        csv_rows(
            ["circle", "task", "date", "arrived", "left", "outcome", "notes"],
            VisitLog.objects.filter(author=user)
            .values_list("circle_id", "task_id", "occurrence_date", "arrived_at", "left_at", "outcome", "notes")
            .iterator(BATCH),
        ),
    )
    yield (
        "help/when-you-cant-help.csv",
        csv_rows(
            ["circle", "from", "until", "note"],
            Unavailability.objects.filter(user=user).values_list("circle_id", "starts_at", "ends_at", "note"),
        ),
    )
    yield (
        "help/offers-and-stand-ins.csv",
        csv_rows(
            ["circle", "kind", "detail"],
            [
                *(
                    (offer.circle_id, "usually free", f"{offer.weekday} {offer.part_of_day}")
                    for offer in StandingOffer.objects.filter(user=user)
                ),
                *(
                    (stand_in.circle_id, "stand-in", f"rank {stand_in.rank}")
                    for stand_in in StandIn.objects.filter(user=user)
                ),
            ],
        ),
    )
    yield (
        "help/tasks-you-added.csv",
        csv_rows(
            ["circle", "task", "title", "created"],
            Task.objects.filter(created_by=user).values_list("circle_id", "id", "title", "created_at").iterator(BATCH),
        ),
    )


def erase(user: User) -> None:
    # Help already given stays in the circle's history (as "Former member"); promises for the future go,
    # so nobody counts on someone who has left.
    Assignment.objects.filter(user=user, occurrence_date__gte=timezone.localdate(), withdrawn_at__isnull=True).delete()
    for model in (CalendarFeed, ReminderSetting, StandIn, StandInAsk, StandingOffer, Unavailability):
        model._default_manager.filter(user=user).delete()


def kept(user: User) -> list[str]:
    if not (VisitLog.objects.filter(author=user).exists() or Assignment.objects.filter(user=user).exists()):
        return []
    return [
        "Help you've already given (visits you logged, tasks you did) stays in each circle's history as "
        "“Former member”. Help you'd said you'd give in future is cancelled, and the organisers can see it's needed."
    ]


def erase_circle(circle_id: int) -> int:
    removed = 0
    for queryset in (VisitLog.objects.filter(circle_id=circle_id), Task.objects.filter(circle_id=circle_id)):
        while ids := list(queryset.order_by("-pk").values_list("pk", flat=True)[:BATCH]):
            with transaction.atomic():
                if queryset.model is Task:
                    Task.objects.filter(continued_as_id__in=ids).update(continued_as=None)
                removed += queryset.model._default_manager.filter(pk__in=ids).delete()[0]
    return removed


subject_part_register("tasks", subject_access)
erasure_register("tasks", handler=erase, kept=kept)
circle_eraser_register("tasks", erase_circle)

# A reply code (`YES 4821`) is useless once its occurrence is well past; pruning also frees the number for
# reuse, so a busy circle never runs out of the 9,000 four-digit codes. Counted from the occurrence's day.
retention_rule_register(
    RetentionRule(
        name="reply codes", setting="RETENTION_REPLY_CODES_DAYS", model=ReplyCode, date_field="occurrence_date"
    )
)

# Both only grow, one row per reminder and per used email button. A reminder's key is only checked
# before its occurrence (at most a day ahead), so 90 days is ample. A used link's row must outlive
# the link (ACTION_LINK_MAX_AGE), or the button would work again.
retention_rule_register(
    RetentionRule(
        name="reminders sent", setting="RETENTION_DELIVERIES_DAYS", model=ReminderSent, date_field="created_at"
    )
)
retention_rule_register(
    RetentionRule(
        name="used email links",
        setting="RETENTION_DELIVERIES_DAYS",
        model=ActionLinkUse,
        date_field="used_at",
        floor_days=ACTION_LINK_MAX_AGE.days + 1,
    )
)

# Who said "I can't", who was asked to step in, and that the organisers were told nobody is left: each is
# only read while its occurrence is still ahead (tasks/pacing.py), so it goes RETENTION_DELIVERIES_DAYS
# after the occurrence's day, with the emails and texts that asked.
for name, model in (("declines", Decline), ("stand-in asks", StandInAsk), ("nobody-left notices", NobodyLeft)):
    retention_rule_register(
        RetentionRule(name=name, setting="RETENTION_DELIVERIES_DAYS", model=model, date_field="occurrence_date")
    )

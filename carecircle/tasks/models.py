"""Tasks (one-off or repeating), changes to single occurrences, who is going, feeds and visit logs.

A task is a series: a one-off task is a series with no rule and a single occurrence on its start
date. Occurrences are computed with carecircle.lib.recurrence; only changes to one occurrence
(cancelled, moved, done) are stored, as OccurrenceChange rows keyed by the occurrence's original date.
"""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carecircle.tasks.repeat_words import describe_rrule

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Category(models.TextChoices):
    LIFT = "lift", _("Lift")
    MEAL = "meal", _("Meal")
    SHOPPING = "shopping", _("Shopping")
    VISIT = "visit", _("Visit or company")
    APPOINTMENT = "appointment", _("Appointment")
    MEDICATION = "medication", _("Medication")
    PERSONAL_CARE = "personal_care", _("Personal care")
    HOUSEHOLD = "household", _("Household")
    PAPERWORK = "paperwork", _("Paperwork")
    PAID_VISIT = "paid_visit", _("Paid carer's visit")
    OTHER = "other", _("Other")


# The extra fields each category asks for, stored in Task.details: {field: label}.
CATEGORY_DETAILS: dict[str, dict[str, StrOrPromise]] = {
    Category.LIFT: {"destination": _("Where to")},
    Category.MEAL: {"dietary_notes": _("Dietary notes")},
    Category.SHOPPING: {"shopping_list": _("Shopping list")},
    Category.APPOINTMENT: {
        "place": pgettext_lazy("where an appointment is", "Place"),
        "whos_going": _("Who's going with them"),
    },
    Category.MEDICATION: {"medication": _("Which medication")},
}


class Status(models.TextChoices):
    NEEDS_HELP = "needs_help", _("Needs help")
    COVERED = "covered", _("Covered")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """Help that's needed, once or on a repeating pattern, in the wall-clock time of `time_zone`."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    notes = models.TextField(blank=True, max_length=4000)
    details = models.JSONField(default=dict, blank=True, help_text="Fields that depend on the category.")
    # Wall-clock start in time_zone; start_time null means all day.
    start_date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        default=60, help_text="Minutes for timed tasks, days x 1440 all-day."
    )
    time_zone = models.CharField(max_length=64)
    rule = models.CharField(max_length=200, blank=True, help_text="RFC 5545 RRULE value; blank for a one-off task.")
    # Denormalised bounds in UTC so a window query can skip tasks that cannot overlap it.
    first_start_utc = models.DateTimeField(db_index=True)
    last_end_utc = models.DateTimeField(null=True, blank=True, help_text="Empty for a series without an end.")
    # Kept for the 48-hour scan (tasks/help_soon.py): the UTC start of the next occurrence not yet
    # begun, as last worked out. Never later than that start; empty when the task changed since (the
    # services empty it) and nobody has worked it out again; schedule.NEVER when nothing is to come.
    next_start_utc = models.DateTimeField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    people_needed = models.PositiveSmallIntegerField(default=1)
    private = models.BooleanField(default=False, help_text="Only organisers and the person see it.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set on the first part of a split series, pointing at its continuation ("this and following").
    continued_as = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["first_start_utc", "id"]
        indexes = [
            models.Index(fields=["circle", "first_start_utc"], name="tasks_task_circle_start"),
            models.Index(fields=["circle", "first_start_utc"], condition=~Q(rule=""), name="tasks_task_repeating"),
            models.Index(fields=["next_start_utc"], name="tasks_task_next_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], name="tasks_task_unique_client_id"),
            models.CheckConstraint(condition=Q(people_needed__gte=1), name="tasks_task_people_needed_positive"),
            models.CheckConstraint(
                condition=Q(last_end_utc__isnull=True) | Q(last_end_utc__gte=models.F("first_start_utc")),
                name="tasks_task_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def all_day(self) -> bool:
        return self.start_time is None

    @property
    def repeats(self) -> bool:
        return bool(self.rule)

    @property
    def rule_summary(self) -> str:
        """How it repeats in words ("Every other Sunday at 10:30"); never the RRULE text."""
        return describe_rrule(self.rule, start=self.start_date, at=self.start_time)

    @property
    def start_local(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start_date, self.start_time or datetime.time())

    @property
    def duration(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.duration_minutes)


class OccurrenceChange(models.Model):
    """A change to one occurrence, keyed by its original date: cancelled, moved, or done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="changes")
    original_date = models.DateField()
    cancelled = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=300, blank=True)
    # A moved occurrence: its new wall-clock start and length.
    moved_date = models.DateField(null=True, blank=True)
    moved_time = models.TimeField(null=True, blank=True)
    moved_duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    how_it_went = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["original_date"]
        constraints = [
            models.UniqueConstraint(fields=["task", "original_date"], name="tasks_change_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} on {self.original_date}"


class Assignment(models.Model):
    """Someone going to one occurrence, in a numbered place; withdrawn places stay as history."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    occurrence_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_assignments")
    # 1..people_needed, taken under a lock on the task row; the unique constraint backs it.
    slot = models.PositiveSmallIntegerField()
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["occurrence_date", "slot"]
        indexes = [models.Index(fields=["user", "occurrence_date"], name="tasks_assignment_user_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "occurrence_date", "slot"],
                condition=Q(withdrawn_at__isnull=True),
                name="tasks_assignment_one_per_slot",
            ),
            models.UniqueConstraint(
                fields=["task", "occurrence_date", "user"],
                condition=Q(withdrawn_at__isnull=True),
                name="tasks_assignment_once_per_person",
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="tasks_assignment_slot_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.task_id} on {self.occurrence_date}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A private iCalendar address: one circle, or every circle of the member when circle is empty."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "circle"], name="tasks_feed_one_per_circle"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(circle__isnull=True), name="tasks_feed_one_for_all_circles"
            ),
        ]

    def __str__(self) -> str:
        return f"Feed of {self.user_id} for {self.circle_id or 'all circles'}"


class ReminderSetting(models.Model):
    """How long before a task a member is reminded; no row means the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_setting")
    day_before = models.BooleanField(default=True)
    hours_before = models.PositiveSmallIntegerField(null=True, blank=True, default=2)

    def __str__(self) -> str:
        return f"Reminders for {self.user_id}"


class ReminderSent(models.Model):
    """One reminder already queued: the unique key means a reminder is never sent twice."""

    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class VisitOutcome(models.TextChoices):
    ALL_OK = "all_ok", _("All OK")
    CONCERN = "concern", _("A concern")


class VisitLog(models.Model):
    """What happened at one visit: arrived, left, notes, and whether all was well."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="visit_logs")
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    occurrence_date = models.DateField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    arrived_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    outcome = models.CharField(max_length=10, choices=VisitOutcome.choices, default=VisitOutcome.ALL_OK)
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["circle", "arrived_at"], name="tasks_visitlog_circle_arrived")]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="tasks_visitlog_unique_client_id"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("arrived_at")),
                name="tasks_visitlog_leaves_after_arriving",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit to {self.circle_id} on {self.occurrence_date}"


class StandIn(models.Model):
    """Someone the circle asks first when a regular helper can't cover: rank 1 is asked first."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="tasks_standin_once"),
            models.UniqueConstraint(fields=["circle", "rank"], name="tasks_standin_unique_rank"),
        ]

    def __str__(self) -> str:
        return f"Stand-in {self.rank} of {self.circle_id}"


class Unavailability(models.Model):
    """A period a member can't cover ("I'm ill for the next 48 hours")."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="tasks_unavailable_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} away from {self.starts_at:%Y-%m-%d}"


class PartOfDay(models.TextChoices):
    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (12:00 to 17:00)")
    EVENING = "evening", _("Evening (after 17:00)")


class StandingOffer(models.Model):
    """ "I can usually do Tuesday evenings": asked first when a matching task needs help."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday, 6 is Sunday.")
    part_of_day = models.CharField(max_length=10, choices=PartOfDay.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["weekday", "part_of_day"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user", "weekday", "part_of_day"], name="tasks_offer_once"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="tasks_offer_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} offers day {self.weekday} {self.part_of_day}"


class ReminderClock(models.Model):
    """One row: when the self-rescheduling reminder scan runs next, so only one chain of scans exists."""

    next_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Next reminder scan at {self.next_run_at}"


class ReplyCode(models.Model):
    """A short number for one occurrence, so a member can answer a text with `YES 4821`.

    Unique within a circle, so a member of several circles is never ambiguous inside one; a number
    in more than one of a member's circles is resolved to the newest (docs/architecture/notifications.md).
    """

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    occurrence_date = models.DateField()
    code = models.CharField(max_length=6)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["circle", "code"], name="tasks_reply_code_unique"),
            models.UniqueConstraint(fields=["task", "occurrence_date"], name="tasks_reply_code_one_per_occurrence"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: task {self.task_id} on {self.occurrence_date}"


class Decline(models.Model):
    """Someone said "I can't" to a request for help with one occurrence, so they aren't asked again."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="declines")
    occurrence_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_declines")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "occurrence_date", "user"], name="tasks_decline_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} can't do {self.task_id} on {self.occurrence_date}"


class AskedAs(models.TextChoices):
    STAND_IN = "stand_in", "A stand-in, in rank order"
    OFFER = "offer", "A matching standing offer"
    EVERYONE = "everyone", "Everyone who can help"


class StandInAsk(models.Model):
    """Someone asked to cover one occurrence: each person at most once, whichever way (tasks/pacing.py).

    Stand-ins in rank order, people whose standing offer matches, and "ask everyone who can help"
    all record their asks here, so nobody is asked twice about one occurrence across them.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    occurrence_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who couldn't cover, so later asks about the same occurrence say so; empty once they leave.
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    asked_as = models.CharField(max_length=10, choices=AskedAs.choices, default=AskedAs.STAND_IN)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "occurrence_date", "user"], name="tasks_stand_in_ask_once"),
        ]
        indexes = [models.Index(fields=["asked_at"], name="tasks_stand_in_ask_asked_at")]

    def __str__(self) -> str:
        return f"{self.user_id} asked to cover {self.task_id} on {self.occurrence_date}"


class NobodyLeft(models.Model):
    """The organisers were told nobody (more) is set to step in for one occurrence: once per reason."""

    class Reason(models.TextChoices):
        NONE_SET = "none_set", "Nobody else is set to step in"
        ALL_ASKED = "all_asked", "Every stand-in was asked and nobody took it"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    occurrence_date = models.DateField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    told_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "occurrence_date", "reason"], name="tasks_nobody_left_once"),
        ]

    def __str__(self) -> str:
        return f"nobody left for {self.task_id} on {self.occurrence_date}: {self.reason}"


class ActionLinkUse(models.Model):
    """A used link from an email ("I'll do it", "I can't", "Say thank you"): each works once."""

    nonce = models.CharField(max_length=40, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.nonce

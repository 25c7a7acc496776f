"""Referral figures kept per organisation and month, so reports cost the same at 50 or 50,000 referrals.

Each referral contributes counts to the calendar month (Europe/London) it arrived in: received, its
current state, source, needs and outcome, the time to first contact and to close in tenths of a
day (a histogram, so medians and 90th percentiles come from it), and its wellbeing answers.
Services that change a referral take a snapshot of its contributions before the change and apply
the difference after it, in the same transaction (`referral_figures_snapshot`,
`referral_figures_update`): an upsert that adds to the stored counts, so two changes at once both
count. `referral_figures_rebuild` recounts from the referrals themselves (bulk loads, the demo's
back-dated referrals, a check). docs/architecture/organisations.md says why.

The report's volunteer activity also keeps three counts per organisation, month and person
(`StaffFigure`): referrals given to them ("given", one per "assigned" history entry, in the month
of the entry), follow-ups they marked done ("done", in the month it was done) and history entries
they wrote ("active": a person with any in a month was active then). `referral_assign` and
`follow_up_done` add one in their transaction, and `orgs.history.referral_history_add` for every
entry (`staff_figure_add`, the same kind of upsert); the rebuild recounts them too.
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

from carecircle.orgs.models import (
    FollowUp,
    Referral,
    ReferralEvent,
    ReferralFigure,
    ReferralStatus,
    Signposting,
    SignpostingFigure,
    StaffFigure,
    WellbeingMeasure,
    WellbeingStage,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
# Durations are kept in tenths of a day, rounded up: "within 2.1 days" is then always true.
TENTH_OF_A_DAY = 8640
WELLBEING_NAMES = ("life_satisfaction", "worthwhile", "happy", "anxious")
HISTOGRAMS = ("contact", "close")
# The kinds of StaffFigure: referrals given to someone, follow-ups they marked done, history entries they wrote.
GIVEN, DONE, ACTIVE = "given", "done", "active"

Contribution = Counter[tuple[str, str]]


class Snapshot(Counter[tuple[str, str]]):
    """A referral's contributions, and how its signpostings are counted under "what became of the referral"."""

    sent_as: str | None = None


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the calendar month, in UK time, of a moment."""
    return moment.astimezone(LONDON).date().replace(day=1)


def tenths(later: datetime.datetime, earlier: datetime.datetime) -> int:
    """Whole tenths of a day from earlier to later, rounded up (never below 0)."""
    return max(0, math.ceil((later - earlier).total_seconds() / TENTH_OF_A_DAY))


def histogram_key(value: int) -> str:
    # Zero-padded so that ordering the text orders the numbers, on both databases.
    return f"{value:07d}"


def contributions(referral: Referral, measures: Iterable[WellbeingMeasure]) -> Contribution:
    """What one referral adds to its month's figures; a merged referral adds nothing."""
    found: Contribution = Counter()
    if referral.merged_into_id is not None:
        return found
    found["received", ""] += 1
    found["state", referral.status] += 1
    found["source", referral.source] += 1
    for need in set(referral.needs or []):
        found["need", str(need)] += 1
    if referral.status == ReferralStatus.CLOSED and referral.outcome:
        found["outcome", referral.outcome] += 1
    if referral.first_contact_at is not None:
        found["contact", histogram_key(tenths(referral.first_contact_at, referral.created_at))] += 1
    if referral.closed_at is not None:
        found["close", histogram_key(tenths(referral.closed_at, referral.created_at))] += 1
    stages = {measure.stage: measure for measure in measures}
    start, close = stages.get(WellbeingStage.START), stages.get(WellbeingStage.CLOSE)
    if start is not None and close is not None:
        found["wellbeing", "people"] += 1
        for name in WELLBEING_NAMES:
            found["wellbeing", f"{name}_start"] += getattr(start, name)
            found["wellbeing", f"{name}_change"] += getattr(close, name) - getattr(start, name)
    return found


def referral_figures_snapshot(referral: Referral) -> Contribution:
    """The referral's contributions as it is now: take it (after locking the row) before changing it."""
    if referral.pk is None:
        return Counter()
    found = Snapshot(contributions(referral, WellbeingMeasure.objects.filter(referral_id=referral.pk)))
    found.sent_as = sent_as(referral)
    return found


def referral_figures_update(referral: Referral, *, before: Contribution) -> None:
    """Add the difference between the referral's contributions now and `before` to its month's figures.

    When its state or outcome changed, its signpostings move to the new "what became of the referral"
    in their own months' signposting figures (one more query, only then).
    """
    after = referral_figures_snapshot(referral)
    delta = {key: after.get(key, 0) - before.get(key, 0) for key in set(after) | set(before)}
    _add(referral.organisation_id, month_of(referral.created_at), {key: n for key, n in delta.items() if n})
    was, now = getattr(before, "sent_as", None), sent_as(referral)
    if was is not None and was != now:
        months = Counter(
            month_of(moment)
            for moment in Signposting.objects.filter(referral_id=referral.pk)
            .order_by()
            .values_list("created_at", flat=True)
        )
        for month, count in sorted(months.items()):
            signposting_figures_add(
                organisation_id=referral.organisation_id,
                month=month,
                delta={("referral", was): -count, ("referral", now): count},
            )


def sent_as(referral: Referral) -> str:
    """Where its signpostings count in "what became of the referral": its state, and outcome once closed."""
    outcome = referral.outcome if referral.status == ReferralStatus.CLOSED else ""
    return f"{referral.status}:{outcome}"


def signposting_contributions(signposting: Signposting, referral: Referral) -> Contribution:
    """What one signposting adds to the figures of the month it was made in."""
    return Counter(
        {
            ("sent", ""): 1,
            ("service", str(signposting.service_id or "")): 1,
            ("referral", sent_as(referral)): 1,
            ("use", signposting.use): 1,
        }
    )


def signposting_figures_add(*, organisation_id: int, month: datetime.date, delta: dict[tuple[str, str], int]) -> None:
    """Add to (or with negative counts take from) an organisation's signposting figures of a month: one upsert."""
    day = connection.ops.adapt_datefield_value(month)
    rows = [(organisation_id, day, kind, key, count) for (kind, key), count in sorted(delta.items()) if count]
    _upsert(SignpostingFigure, ("organisation_id", "month", "kind", "key"), rows)


def _add(organisation_id: int, month: datetime.date, delta: dict[tuple[str, str], int]) -> None:
    """One upsert: insert each (kind, key) or add to the count already there."""
    day = connection.ops.adapt_datefield_value(month)
    rows = [(organisation_id, day, kind, key, count) for (kind, key), count in sorted(delta.items())]
    _upsert(ReferralFigure, ("organisation_id", "month", "kind", "key"), rows)


def staff_figure_add(
    *, organisation_id: int, user_id: int, kind: str, moment: datetime.datetime, count: int = 1
) -> None:
    """Add `count` (negative to take away) to what the person was given or did in the month of `moment`."""
    day = connection.ops.adapt_datefield_value(month_of(moment))
    _upsert(
        StaffFigure, ("organisation_id", "month", "kind", "user_id"), [(organisation_id, day, kind, user_id, count)]
    )


def _upsert(model: type[models.Model], keys: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert each row, or add its count to the row already there with the same keys: safe when two add at once."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join([*keys, "count"])
    placeholders = "(" + ", ".join(["%s"] * (len(keys) + 1)) + ")"
    values = ", ".join([placeholders] * len(rows))
    # Only the model's own table and column names are put in the text; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
    sql += f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET count = {table}.count + excluded.count"
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


@transaction.atomic
def referral_figures_rebuild(*, organisation_ids: Iterable[int] | None = None) -> int:
    """Recount the figures of these organisations (all when None), the staff's too; returns how many rows."""
    referrals = Referral.objects.order_by("pk")
    figures = ReferralFigure.objects.all()
    ids = None if organisation_ids is None else list(organisation_ids)
    if ids is not None:
        referrals, figures = referrals.filter(organisation_id__in=ids), figures.filter(organisation_id__in=ids)
    figures.delete()
    measures: dict[int, list[WellbeingMeasure]] = {}
    for measure in WellbeingMeasure.objects.filter(referral__in=referrals):
        measures.setdefault(measure.referral_id, []).append(measure)
    totals: Counter[tuple[int, datetime.date, str, str]] = Counter()
    for referral in referrals.iterator(chunk_size=2000):
        month = month_of(referral.created_at)
        for (kind, key), count in contributions(referral, measures.get(referral.pk, [])).items():
            totals[referral.organisation_id, month, kind, key] += count
    rows = [
        ReferralFigure(organisation_id=organisation, month=month, kind=kind, key=key, count=count)
        for (organisation, month, kind, key), count in totals.items()
        if count
    ]
    ReferralFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows) + staff_figures_rebuild(organisation_ids=ids) + signposting_figures_rebuild(organisation_ids=ids)


@transaction.atomic
def signposting_figures_rebuild(*, organisation_ids: list[int] | None = None) -> int:
    """Recount the signposting figures from the signpostings and their referrals as they are now; returns rows."""
    sent = Signposting.objects.order_by()
    figures = SignpostingFigure.objects.all()
    if organisation_ids is not None:
        sent = sent.filter(referral__organisation_id__in=organisation_ids)
        figures = figures.filter(organisation_id__in=organisation_ids)
    figures.delete()
    totals: Counter[tuple[int, datetime.date, str, str]] = Counter()
    found = sent.values_list(
        "referral__organisation_id", "created_at", "service_id", "use", "referral__status", "referral__outcome"
    )
    for organisation, moment, service, use, status, outcome in found.iterator(chunk_size=5000):
        referral = Referral(status=status, outcome=outcome)
        month = month_of(moment)
        for (kind, key), count in signposting_contributions(Signposting(service_id=service, use=use), referral).items():
            totals[organisation, month, kind, key] += count
    rows = [
        SignpostingFigure(organisation_id=organisation, month=month, kind=kind, key=key, count=count)
        for (organisation, month, kind, key), count in sorted(totals.items())
    ]
    SignpostingFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def staff_figures_rebuild(*, organisation_ids: list[int] | None = None) -> int:
    """Recount referrals given to each person, follow-ups they did and entries they wrote, per month; returns rows."""
    given = ReferralEvent.objects.filter(kind=ReferralEvent.Kind.ASSIGNED, assignee__isnull=False)
    done = FollowUp.objects.filter(done_at__isnull=False, done_by__isnull=False)
    wrote = ReferralEvent.objects.filter(actor__isnull=False)
    figures = StaffFigure.objects.all()
    if organisation_ids is not None:
        given = given.filter(referral__organisation_id__in=organisation_ids)
        done = done.filter(referral__organisation_id__in=organisation_ids)
        wrote = wrote.filter(referral__organisation_id__in=organisation_ids)
        figures = figures.filter(organisation_id__in=organisation_ids)
    figures.delete()
    totals: Counter[tuple[int, datetime.date, str, int]] = Counter()
    for kind, found in (
        (GIVEN, given.values_list("referral__organisation_id", "assignee_id", "created_at")),
        (DONE, done.values_list("referral__organisation_id", "done_by_id", "done_at")),
        (ACTIVE, wrote.values_list("referral__organisation_id", "actor_id", "created_at")),
    ):
        for organisation, user, moment in found.order_by().iterator(chunk_size=5000):
            if moment is not None:  # filtered out above; the type allows None
                totals[organisation, month_of(moment), kind, user] += 1
    rows = [
        StaffFigure(organisation_id=organisation, month=month, kind=kind, user_id=user, count=count)
        for (organisation, month, kind, user), count in sorted(totals.items())
    ]
    StaffFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)

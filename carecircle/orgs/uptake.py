"""Commissioners' figures about the family circles linked to their area's organisations: totals only.

The circles counted are those, not closed, still linked to an organisation in the commissioner's
areas: through a referral (the bridge, or a family's circle linked to one) or started with one of
its invite codes (`OrganisationCircle`); a circle linked both ways counts once. Organisation staff
are left out of every count of people: the figures are about families and friends, never a person.
Someone is **active** in a week (Monday to Sunday, UK time) when they did something in one of
those circles: anything the audit log records (volunteering, marking a task done, changing the
record, posting an update, thanking) or a message written (conversations, through
`circles.registries.register_activity`). Help given is tasks marked done and the time they were
planned to take (tasks, through `register_help_counter`).

Every count is aggregated in the database, in a fixed number of queries, whatever the number of
circles, people or weeks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership
from carecircle.circles.registries import ActivitySource, activity_sources, help_given
from carecircle.lib.date_words import short_date
from carecircle.orgs.models import OrganisationCircle, OrganisationStaff, Referral
from carecircle.orgs.reports import LONDON, SMALLEST_SHOWN, Cell, Period, Table, _table, hidden

WEEKS_SHOWN = 12
COHORTS_SHOWN = 8
WEEKS_AFTER = (1, 2, 3, 4)
MEMBER_BUCKETS = [
    (gettext_lazy("1 person"), 1, 1),
    (gettext_lazy("2 or 3 people"), 2, 3),
    (gettext_lazy("4 to 6 people"), 4, 6),
    (gettext_lazy("7 or more"), 7, 10**9),
]


@dataclass
class CohortRow:
    """People who joined in one week, and how many of them were active 1 to 4 weeks later."""

    label: str
    joined: Cell
    later: list[str]


@dataclass
class Uptake:
    circles: Table
    routes: Table
    members: Table
    tasks_done: Cell
    hours: str
    weekly: Table
    cohorts: list[CohortRow] = field(default_factory=list)
    weeks_after: tuple[int, ...] = WEEKS_AFTER


def _through_referrals(organisation_ids: list[int]) -> QuerySet[Any]:
    """Circles still linked to a referral of these organisations (the partial index of linked circles)."""
    return (
        Referral.objects.filter(
            organisation_id__in=organisation_ids, circle__isnull=False, circle_link_ended_at__isnull=True
        )
        .order_by()
        .values("circle_id")
    )


def _compiled(*parts: QuerySet[Any]) -> RawSQL:
    """The parts' SQL (joined by UNION), compiled by Django now, once, to paste into other queries as it is."""
    compiled = [part.query.sql_with_params() for part in parts]
    sql = " UNION ".join(text for text, _ in compiled)
    # Only Django's own SQL for these querysets; every value stays a parameter.
    return RawSQL(sql, tuple(value for _, params in compiled for value in params))  # noqa: S611


@dataclass(frozen=True)
class LinkedCircles:
    """The open circles linked to some organisations, their SQL compiled once for every query that needs them.

    `circles` is a queryset of them whose filter is that SQL pasted in (`RawSQL`), so each query
    that counts in them costs Django two plain lookups to build, not the referrals' and invite
    codes' subqueries again. The database still works out the set, inside each query, as before.
    """

    circles: QuerySet[Circle]
    through_referrals: RawSQL


def linked_to(organisation_ids: list[int]) -> LinkedCircles:
    """Open circles linked to these organisations: through a referral, or started with an invite code.

    One `UNION` of the two links' circle ids, which PostgreSQL can join as a set (an `OR` of two
    `IN`s could only be tested circle by circle), and the link through referrals on its own, for
    the count of how circles came.
    """
    through_referrals = _through_referrals(organisation_ids)
    with_codes = (
        OrganisationCircle.objects.filter(organisation_id__in=organisation_ids, ended_at__isnull=True)
        .order_by()
        .values("circle_id")
    )
    referrals = _compiled(through_referrals)
    # Neither side is ordered or limited, so a bare UNION is valid in SQLite too.
    either = _compiled(through_referrals, with_codes)
    return LinkedCircles(
        circles=Circle.objects.filter(pk__in=either, closed_at__isnull=True), through_referrals=referrals
    )


def linked_circles(organisation_ids: list[int]) -> QuerySet[Circle]:
    """Open circles linked to these organisations (see `linked_to`)."""
    return linked_to(organisation_ids).circles


def _monday(moment: datetime.datetime) -> datetime.date:
    day = moment.astimezone(LONDON).date()
    return day - datetime.timedelta(days=day.weekday())


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=LONDON)


def _as_date(value: Any) -> datetime.date:
    # SQLite gives text ("2026-06-08 00:00:00"), PostgreSQL a datetime or date.
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _sources(
    circles: QuerySet[Circle], staff: RawSQL, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Any]:
    """(person, place, week) once each, from every source of activity, as SQL with its parameters."""
    audited = ActivitySource(
        rows=AuditEntry.objects.filter(
            circle__in=circles, actor__isnull=False, created_at__gte=start, created_at__lt=end
        ).order_by(),
        user_field="actor_id",
        circle_field="circle_id",
        moment_field="created_at",
    )
    parts = [
        source.rows.exclude(**{f"{source.user_field}__in": staff})
        .annotate(
            person=F(source.user_field),
            place=F(source.circle_field),
            week=TruncWeek(source.moment_field, tzinfo=LONDON),
        )
        .values_list("person", "place", "week")
        .order_by()
        for source in [audited, *activity_sources(circles, start, end)]
    ]
    union: QuerySet[Any] = parts[0].union(*parts[1:]).order_by() if len(parts) > 1 else parts[0].distinct()
    return union


def _fetch(sql: str, params: list[Any] | tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def build_uptake(organisation_ids: list[int], period: Period, *, now: datetime.datetime) -> Uptake:
    """Circles, members per circle, help given, weekly active people and how that holds, for these organisations."""
    found = linked_to(organisation_ids)
    circles = found.circles
    # Compiled once too: staff are left out of five queries, three times in each of those with activity.
    staff = _compiled(
        OrganisationStaff.objects.filter(organisation_id__in=organisation_ids).order_by().values("user_id")
    )
    period_end = period.end_moment

    # Circles linked, how (a circle linked both ways counts with the referrals), and whether anyone
    # did something in them during the period.
    counted = circles.aggregate(
        linked=Count("pk"), through_referral=Count("pk", filter=Q(pk__in=found.through_referrals))
    )
    linked, through_referral = int(counted["linked"]), int(counted["through_referral"])
    activity = _sources(circles, staff, period.start_moment, period_end)
    sql, params = activity.query.sql_with_params()
    ((active,),) = _fetch(f"SELECT COUNT(DISTINCT place) FROM ({sql}) AS pairs", params)  # noqa: S608
    circle_table = _table(
        "circles",
        gettext("Family circles linked to the organisations"),
        [(gettext("Active in these months"), active), (gettext("Quiet"), linked - active)],
    )
    routes = _table(
        "routes",
        gettext("How the circles came to the organisations"),
        [
            (gettext("Through a referral"), through_referral),
            (gettext("Started with an invite code"), linked - through_referral),
        ],
    )

    # Members per circle (staff left out), in a few bands.
    sizes = (
        Membership.objects.filter(circle__in=circles)
        .exclude(user_id__in=staff)
        .values("circle_id")
        .annotate(people=Count("id"))
        .order_by()
    )
    bands = {str(label): 0 for label, _, _ in MEMBER_BUCKETS}
    for people in sizes.values_list("people", flat=True):
        for label, low, high in MEMBER_BUCKETS:
            if low <= people <= high:
                bands[str(label)] += 1
    members = _table("members", gettext("People in each circle"), list(bands.items()))

    given = help_given(circles, period.start_moment, period_end)
    done = given.tasks_done if given else 0
    tasks_done = Cell(label=gettext("Tasks done"), value=done, suppressed=0 < done < SMALLEST_SHOWN)
    hours = f"{(given.minutes if given else 0) / 60:.0f}" if done >= SMALLEST_SHOWN or done == 0 else hidden()

    # Weekly active people over the last weeks of the period, and how each week's joiners kept going.
    last_monday = _monday(min(period_end - datetime.timedelta(microseconds=1), now))
    first_monday = last_monday - datetime.timedelta(weeks=WEEKS_SHOWN - 1)
    weeks = [first_monday + datetime.timedelta(weeks=n) for n in range(WEEKS_SHOWN)]
    recent = _sources(circles, staff, _moment(first_monday), _moment(last_monday + datetime.timedelta(weeks=1)))
    recent_sql, recent_params = recent.query.sql_with_params()
    weekly_counts = {
        _as_date(week): int(people)
        for week, people in _fetch(
            f"SELECT week, COUNT(DISTINCT person) FROM ({recent_sql}) AS pairs GROUP BY week",  # noqa: S608
            recent_params,
        )
    }
    weekly = Table(
        key="weekly",
        title=gettext("People active each week"),
        cells=[
            Cell(
                # Translators: "w/c" is "week commencing": the Monday the week starts.
                label=gettext("w/c %(day)s") % {"day": short_date(week, "j M")},
                value=weekly_counts.get(week, 0),
                suppressed=0 < weekly_counts.get(week, 0) < SMALLEST_SHOWN,
            )
            for week in weeks
        ],
    )
    weekly.total = max(weekly_counts.values(), default=0)

    joined = (
        Membership.objects.filter(circle__in=circles)
        .exclude(user_id__in=staff)
        .values("user_id")
        .annotate(first=Min("joined_at"))
        .filter(first__gte=_moment(weeks[-COHORTS_SHOWN]), first__lt=_moment(last_monday + datetime.timedelta(weeks=1)))
        .annotate(cohort=TruncWeek("first", tzinfo=LONDON))
        .values_list("user_id", "cohort")
        .order_by()
    )
    joined_sql, joined_params = joined.query.sql_with_params()
    cohort_rows = _fetch(
        f"SELECT cohorts.cohort, pairs.week, COUNT(DISTINCT pairs.person) FROM ({joined_sql}) AS cohorts "  # noqa: S608
        f"LEFT JOIN ({recent_sql}) AS pairs ON pairs.person = cohorts.user_id "
        "GROUP BY cohorts.cohort, pairs.week",
        [*joined_params, *recent_params],
    )
    # The SQL put in the text is Django's own for the querysets above; every value is a parameter.
    cohort_sizes = f"SELECT cohort, COUNT(*) FROM ({joined_sql}) AS cohorts GROUP BY cohort"  # noqa: S608
    sizes_by_cohort = dict(_fetch(cohort_sizes, joined_params))
    return Uptake(
        circles=circle_table,
        routes=routes,
        members=members,
        tasks_done=tasks_done,
        hours=hours,
        weekly=weekly,
        cohorts=_cohorts(weeks[-COHORTS_SHOWN:], sizes_by_cohort, cohort_rows, last_monday),
    )


def _cohorts(
    weeks: list[datetime.date],
    sizes: dict[Any, Any],
    rows: list[tuple[Any, ...]],
    last_monday: datetime.date,
) -> list[CohortRow]:
    joined = {_as_date(cohort): int(count) for cohort, count in sizes.items()}
    later: dict[tuple[datetime.date, int], int] = {}
    for cohort, week, people in rows:
        if week is None:
            continue
        after = (_as_date(week) - _as_date(cohort)).days // 7
        later[_as_date(cohort), after] = int(people)
    found = []
    for week in weeks:
        size = joined.get(week, 0)
        cells = []
        for after in WEEKS_AFTER:
            if week + datetime.timedelta(weeks=after) > last_monday:
                cells.append(gettext("not yet"))  # that week hasn't come yet
            elif size < SMALLEST_SHOWN:
                cells.append(hidden() if size else "0")
            else:
                count = later.get((week, after), 0)
                # Hidden too when those who didn't come back are 1 to 4: size minus count would tell.
                small = 0 < count < SMALLEST_SHOWN or 0 < size - count < SMALLEST_SHOWN
                cells.append(hidden() if small else f"{count} ({round(100 * count / size)}%)")
        found.append(
            CohortRow(
                # Translators: "w/c" is "week commencing": the Monday the week starts.
                label=gettext("w/c %(day)s") % {"day": short_date(week, "j M")},
                joined=Cell(label="", value=size, suppressed=0 < size < SMALLEST_SHOWN),
                later=cells,
            )
        )
    return found


def uptake_csv_rows(uptake: Uptake) -> list[list[str]]:
    """The commissioner's circle figures as CSV rows, suppressed as on the page, in the reader's language."""
    rows = []
    for table in (uptake.circles, uptake.routes, uptake.members):
        for cell in table.cells:
            rows.append([table.title, cell.label, cell.shown])
        rows.append([table.title, gettext("Total"), hidden() if table.suppressed_total else str(table.total)])
    rows.append([gettext("Help given"), gettext("Tasks done"), uptake.tasks_done.shown])
    rows.append([gettext("Help given"), gettext("Hours planned for them"), uptake.hours])
    for cell in uptake.weekly.cells:
        rows.append([uptake.weekly.title, cell.label, cell.shown])
    joined = pgettext("a table in the report's CSV download", "Joined that week")
    for cohort in uptake.cohorts:
        rows.append([joined, cohort.label, cohort.joined.shown])
        for after, shown in zip(uptake.weeks_after, cohort.later, strict=True):
            # Translators: a row of the report's CSV download; %(week)s is a week such as "w/c 2 Mar".
            later = ngettext("%(week)s: active %(weeks)s week later", "%(week)s: active %(weeks)s weeks later", after)
            rows.append([joined, later % {"week": cohort.label, "weeks": after}, shown])
    return rows

"""Volunteer activity for an organisation's report: month by month, counted in the database, small numbers hidden.

A volunteer is someone on the organisation's staff with the volunteer role now. Each month of the
period (UK time) shows how many of them were **active** (wrote anything in a referral's history:
a note, first contact, a move, a follow-up added or done, a wellbeing answer), how many
**referrals were given to them** (history entries "assigned" whose assignee is a volunteer) and how
many **follow-ups they marked done**. One query whatever the number of referrals or volunteers' entries:
all three come from the per-person, per-month figures the services keep (`StaffFigure`,
orgs/figures.py), a row per volunteer, month and kind at most. A volunteer was active in a month
when their "active" figure (history entries they wrote) is above nought then.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, DateField, Sum, Value
from django.utils.translation import gettext as _

from carecircle.lib.date_words import short_date
from carecircle.orgs.figures import ACTIVE, DONE, GIVEN
from carecircle.orgs.models import OrganisationStaff, StaffFigure, StaffRole
from carecircle.orgs.reports import SMALLEST_SHOWN, Cell, Period, Table, _table, hidden


def _as_date(value: object) -> datetime.date | None:
    """A month as the database gives it back: a date, or text from SQLite inside a UNION, or None."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


@dataclass
class VolunteerActivity:
    active: Table  # no total: someone active in two months is one volunteer, counted in each
    people: Cell  # different volunteers active in the whole period
    assigned: Table
    follow_ups: Table

    @property
    def tables(self) -> list[Table]:
        return [self.active, self.assigned, self.follow_ups]


def build_volunteer_activity(organisation_ids: list[int], period: Period) -> VolunteerActivity:
    """The three month-by-month tables and the number of different volunteers active: one query."""
    volunteers = OrganisationStaff.objects.filter(
        organisation_id__in=organisation_ids, role=StaffRole.VOLUNTEER
    ).values("user_id")
    months = period.months()
    # Summed from the figures kept per person and month, of people with the volunteer role now: at
    # most a row per volunteer, month and kind, whatever the number of referrals or entries. Grouped
    # by kind and month, with one more row for the whole period's different active volunteers: one
    # query, and cheap to build (a conditional aggregate per month cost 5x the CPU at 12 months).
    figures = StaffFigure.objects.filter(
        organisation_id__in=organisation_ids,
        month__gte=period.start,
        month__lt=period.end,
        user_id__in=volunteers,
        count__gt=0,
    ).order_by()
    by_month = (
        figures.values("kind", "month")
        .annotate(total=Sum("count"), people=Count("user_id", distinct=True))
        .values_list("kind", "month", "total", "people")
    )
    whole_period = (
        figures.filter(kind=ACTIVE)
        .values("kind")
        .annotate(
            whole=Value(None, output_field=DateField()), total=Sum("count"), people=Count("user_id", distinct=True)
        )
        .values_list("kind", "whole", "total", "people")
    )
    found = {
        (kind, _as_date(month)): (int(total or 0), int(people or 0))
        for kind, month, total, people in by_month.union(whole_period, all=True)
    }
    people = found.get((ACTIVE, None), (0, 0))[1]
    each_month = [found.get((ACTIVE, month), (0, 0))[1] for month in months]
    given = [found.get((GIVEN, month), (0, 0))[0] for month in months]
    done = [found.get((DONE, month), (0, 0))[0] for month in months]
    labels = [short_date(month, "M Y") for month in months]
    return VolunteerActivity(
        active=_table("volunteers", _("Volunteers active each month"), list(zip(labels, each_month, strict=True))),
        people=Cell(
            label=_("Different volunteers active in these months"),
            value=people,
            suppressed=0 < people < SMALLEST_SHOWN,
        ),
        assigned=_table("given", _("Referrals given to volunteers each month"), list(zip(labels, given, strict=True))),
        follow_ups=_table(
            "follow-ups", _("Follow-ups volunteers marked done each month"), list(zip(labels, done, strict=True))
        ),
    )


def volunteer_csv_rows(activity: VolunteerActivity) -> list[list[str]]:
    """The volunteer tables as CSV rows, suppressed as on the page."""
    rows = [[activity.active.title, cell.label, cell.shown] for cell in activity.active.cells]
    rows.append([activity.active.title, activity.people.label, activity.people.shown])
    for table in (activity.assigned, activity.follow_ups):
        rows.extend([table.title, cell.label, cell.shown] for cell in table.cells)
        rows.append([table.title, _("Total"), hidden() if table.suppressed_total else str(table.total)])
    return rows

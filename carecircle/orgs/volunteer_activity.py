"""Volunteer activity for an organisation's report: month by month, counted in the database, small numbers hidden.

A volunteer is someone on the organisation's staff with the volunteer role now. Each month of the
period (UK time) shows how many of them were **active** (wrote anything in a referral's history:
a note, first contact, a move, a follow-up added or done, a wellbeing answer), how many
**referrals were given to them** (history entries "assigned" whose assignee is a volunteer) and how
many **follow-ups they marked done**. Two queries whatever the number of referrals: who was
active is one probe per volunteer and month (the first of their entries in it, through the index
on actor and created_at), so it costs the same however much they did; the two counts are sums of
the per-person, per-month figures the services keep (`StaffFigure`, orgs/figures.py), a row per
volunteer, month and kind at most.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from carecircle.orgs.figures import DONE, GIVEN
from carecircle.orgs.models import OrganisationStaff, ReferralEvent, StaffFigure, StaffRole
from carecircle.orgs.reports import LONDON, SMALLEST_SHOWN, Cell, Period, Table, _table, hidden


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
    """The three month-by-month tables and the number of different volunteers active: two queries."""
    staff = OrganisationStaff.objects.filter(organisation_id__in=organisation_ids, role=StaffRole.VOLUNTEER)
    volunteers = staff.values("user_id")
    months = period.months()
    edges = [datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON) for month in months]
    edges.append(period.end_moment)

    def did_something(start: datetime.datetime, end: datetime.datetime) -> Exists:
        # Stops at the volunteer's first entry in the range (the index on actor and created_at).
        return Exists(
            ReferralEvent.objects.filter(
                actor_id=OuterRef("user_id"),
                created_at__gte=start,
                created_at__lt=end,
                referral__organisation_id__in=organisation_ids,
            )
        )

    # One probe per volunteer and month, whatever the number of referrals or entries.
    active = staff.aggregate(
        people=Count("user_id", distinct=True, filter=Q(did_something(edges[0], edges[-1]))),
        **{
            f"month{index}": Count("user_id", distinct=True, filter=Q(did_something(edges[index], edges[index + 1])))
            for index in range(len(months))
        },
    )
    people = int(active.pop("people") or 0)

    # Summed from the figures kept per person and month: people with the volunteer role now.
    kept = {
        (kind, month): int(total or 0)
        for kind, month, total in StaffFigure.objects.filter(
            organisation_id__in=organisation_ids,
            month__gte=period.start,
            month__lt=period.end,
            user_id__in=volunteers,
        )
        .order_by()
        .values("kind", "month")
        .annotate(total=Sum("count"))
        .values_list("kind", "month", "total")
    }
    given = [kept.get((GIVEN, month), 0) for month in months]
    done = [kept.get((DONE, month), 0) for month in months]
    labels = [date_format(month, "M Y") for month in months]
    each_month = [int(active[f"month{index}"] or 0) for index in range(len(months))]
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

"""The reports API: the figures of the report pages as JSON, for an organisation and for a commissioner.

The same figures, range and suppression as the pages (orgs/report_views.py): built by the same
functions, so a count from 1 to 4, and whatever would let someone work one out, is `null` with
`"suppressed": true`, never the number. A commissioner's report holds totals across the
organisations of their areas, never a person. Authenticate like the rest of the API (a personal
token, or the browser's session); the organisation's report needs `reports.view` (coordinators and
admins: volunteers get 403, anyone not on its staff 404), the commissioner's report a commissioner
(anyone else 404, as on the page).
"""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.params.functions import Path, Query
from pydantic import Field, StringConstraints

from carecircle.accounts.api_auth import viewer
from carecircle.audit.services import audit_record
from carecircle.lib.schemas import MAX_ID, NoNul, responses
from carecircle.orgs import reports
from carecircle.orgs.access import access_organisation, commissioned_areas
from carecircle.orgs.models import Need, Outcome, ReferralSource, ReferralStatus
from carecircle.orgs.selectors import organisations_in_areas
from carecircle.orgs.support_figures import build_support_figures
from carecircle.orgs.uptake import Uptake, build_uptake
from carecircle.orgs.volunteer_activity import VolunteerActivity, build_volunteer_activity
from carecircle.orgs.wellbeing import QUESTIONS

router = Router(tags=["Reports"])

OrganisationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The organisation's id.")]
Month = Annotated[str, StringConstraints(max_length=16), NoNul]
From = Annotated[
    Month,
    Query("", alias="from", description="The first month, as YYYY-MM (UK time). Six months before `to` if left out."),
]
To = Annotated[
    Month, Query("", alias="to", description="The last month, as YYYY-MM; this month if left out. At most 36 months.")
]

# The tables whose cells are months, and those whose cells are the choices of a field, in order.
MONTH_TABLES = frozenset({"months", "volunteers", "given", "follow-ups", "sent-months", "offer-months"})
CHOICE_TABLES = {
    "states": ReferralStatus.values,
    "sources": ReferralSource.values,
    "needs": Need.values,
    "outcomes": Outcome.values,
    # The local support offered (orgs/support_figures.py), in the order of its tables' cells.
    "sent-needs": [*Need.values, "no-longer-listed"],
    "sent-referrals": [*Outcome.values, "closed-no-outcome", "declined", "open"],
    "sent-use": ["used", "not-used", "not-known"],
    "offer-answers": ["still-offered", "put-off", "turned-down", "no-longer-over-threshold"],
}
# Tables whose cells don't add up to anything: someone active in two months or weeks is counted in each.
NO_TOTAL = frozenset({"volunteers", "weekly"})


class FigureOut(Schema):
    key: str = Field(description="What the figure counts, for programs: YYYY-MM, a state, a need… (may be empty).")
    label: str = Field(description="What the figure counts, in the reader's language.")
    value: int | None = Field(description="The count; null when suppressed.")
    suppressed: bool = Field(description="True when the count is hidden: under 5, or it would let one be worked out.")


class TableOut(Schema):
    key: str
    title: str
    figures: list[FigureOut]
    total: int | None = Field(description="The sum; null when suppressed or when the figures don't add up.")


class DaysOut(Schema):
    count: int | None = Field(description="How many referrals the days are of; null when suppressed.")
    median_days: float | None = Field(description="Half were within this many days; null under 5.")
    p90_days: float | None = Field(description="Nine in ten were within this many days; null under 5.")


class MonthContactOut(Schema):
    month: str = Field(description="YYYY-MM")
    received: FigureOut
    contacted: FigureOut
    median_days: float | None
    p90_days: float | None


class WellbeingQuestionOut(Schema):
    question: str
    average_at_start: float
    average_change: float
    higher_is_better: bool


class WellbeingOut(Schema):
    people: FigureOut = Field(description="People asked at the start and at the end.")
    questions: list[WellbeingQuestionOut] = Field(description="Empty unless at least 5 people answered both.")


class VolunteersOut(Schema):
    active: TableOut
    people: FigureOut = Field(description="Different volunteers active in the whole range.")
    referrals_given: TableOut
    follow_ups_done: TableOut


class CohortOut(Schema):
    week: str = Field(description="The week people joined, in the reader's language.")
    joined: FigureOut
    active_weeks_later: list[int | None] = Field(description="Active 1, 2, 3 and 4 weeks later; null when hidden.")


class CirclesOut(Schema):
    circles: TableOut
    routes: TableOut
    members: TableOut
    tasks_done: FigureOut
    hours: int | None = Field(description="Hours the tasks done were planned for; null when suppressed.")
    weekly: TableOut
    cohorts: list[CohortOut]


class PeriodOut(Schema):
    start: str = Field(description="The first month, YYYY-MM.")
    end: str = Field(description="The last month, YYYY-MM.")


class ReportOut(Schema):
    period: PeriodOut
    tables: list[TableOut] = Field(
        description="Referrals received in the range: by month, state, source, need, outcome; for a commissioner"
        " also by organisation (`organisations`, keyed by organisation id)."
    )
    first_contact: DaysOut
    close: DaysOut
    first_contact_by_month: list[MonthContactOut]
    wellbeing: WellbeingOut


class OrganisationReportOut(ReportOut):
    organisation_id: int
    volunteers: VolunteersOut
    local_support: list[TableOut] = Field(
        description="Times its staff sent someone to a local service, by month, by what the service helps with,"
        " by what became of the referral and by whether they used it (`sent-use`: used, not-used, not-known)."
    )


class CommissionerReportOut(ReportOut):
    areas: list[str]
    organisation_ids: list[int]
    circles: CirclesOut
    local_support: list[TableOut] = Field(
        description="Times staff of these organisations sent someone to a local service (by month, what the"
        " service helps with, what became of the referral, whether they used it), then private offers of"
        " support in linked circles (by month, and what became of them)."
    )


def _number(text: str) -> float | None:
    """A figure the page shows as text, or None when it reads "not shown"."""
    try:
        return float(text)
    except ValueError:
        return None


def _whole(text: str) -> int | None:
    found = _number(text)
    return None if found is None else int(found)


def _figure(cell: reports.Cell, key: str = "") -> FigureOut:
    return FigureOut(
        key=key, label=cell.label, value=None if cell.suppressed else cell.value, suppressed=cell.suppressed
    )


def _table(table: reports.Table, period: reports.Period, *, organisation_ids: list[int] | None = None) -> TableOut:
    if table.key == "organisations" and organisation_ids is not None:
        keys = [str(pk) for pk in organisation_ids]
    elif table.key in MONTH_TABLES:
        keys = [f"{month:%Y-%m}" for month in period.months()]
    else:
        keys = [str(value) for value in CHOICE_TABLES.get(table.key, [])]
    if len(keys) != len(table.cells):
        keys = [""] * len(table.cells)
    hide_total = table.suppressed_total or table.key in NO_TOTAL
    return TableOut(
        key=table.key,
        title=table.title,
        figures=[_figure(cell, key) for cell, key in zip(table.cells, keys, strict=True)],
        total=None if hide_total else table.total,
    )


def _days(summary: dict[str, str]) -> DaysOut:
    return DaysOut(
        count=_whole(summary["count"]), median_days=_number(summary["median"]), p90_days=_number(summary["p90"])
    )


def _report(report: reports.Report, *, organisation_ids: list[int] | None = None) -> dict[str, object]:
    period = report.period
    wellbeing_count = report.wellbeing_count or reports.Cell(label="", value=0)
    return {
        "period": PeriodOut(start=f"{period.start:%Y-%m}", end=f"{period.last_month:%Y-%m}"),
        "tables": [_table(table, period, organisation_ids=organisation_ids) for table in report.tables],
        "first_contact": _days(report.first_contact_days),
        "close": _days(report.close_days),
        "first_contact_by_month": [
            MonthContactOut(
                month=f"{month:%Y-%m}",
                received=_figure(row.received, f"{month:%Y-%m}"),
                contacted=_figure(row.contacted, f"{month:%Y-%m}"),
                median_days=_number(row.median),
                p90_days=_number(row.p90),
            )
            for month, row in zip(period.months(), report.month_rows, strict=True)
        ],
        "wellbeing": WellbeingOut(
            people=_figure(wellbeing_count),
            questions=[
                WellbeingQuestionOut(
                    question=str(row["question"]),
                    average_at_start=float(str(row["before"])),
                    average_change=float(str(row["change"])),
                    higher_is_better=better == "higher",
                )
                for row, (_, _, better) in zip(report.wellbeing, QUESTIONS, strict=False)
            ],
        ),
    }


def _volunteers(activity: VolunteerActivity, period: reports.Period) -> VolunteersOut:
    return VolunteersOut(
        active=_table(activity.active, period),
        people=_figure(activity.people),
        referrals_given=_table(activity.assigned, period),
        follow_ups_done=_table(activity.follow_ups, period),
    )


def _circles(uptake: Uptake, period: reports.Period) -> CirclesOut:
    return CirclesOut(
        circles=_table(uptake.circles, period),
        routes=_table(uptake.routes, period),
        members=_table(uptake.members, period),
        tasks_done=_figure(uptake.tasks_done),
        hours=_whole(uptake.hours),
        weekly=_table(uptake.weekly, period),
        cohorts=[
            CohortOut(
                week=row.label, joined=_figure(row.joined), active_weeks_later=[_whole(later) for later in row.later]
            )
            for row in uptake.cohorts
        ],
    )


def _period(start: str, end: str) -> reports.Period:
    """The months asked for, read as the pages read them (PeriodError, 400, when they can't be used)."""
    today = timezone.localtime(timezone.now(), reports.LONDON).date()
    return reports.Period.from_request({"from": start, "to": end}, today=today)


@router.get(
    "/organisations/{organisation_id}/report",
    operation_id="org_report_get",
    summary="The organisation's report: referrals and volunteer activity by month, small numbers suppressed",
    response=responses({200: OrganisationReportOut}, 400, 403, 404, 422),
)
def org_report_get(
    request: HttpRequest, organisation_id: OrganisationId, start: From = "", end: To = ""
) -> OrganisationReportOut:
    """The figures of the organisation's report page; a range that can't be used is 400 with what to send."""
    access = access_organisation(user=viewer(request), organisation_id=organisation_id, capability="reports.view")
    period = _period(start, end)
    ids = [access.organisation.pk]
    return OrganisationReportOut(
        organisation_id=access.organisation.pk,
        volunteers=_volunteers(build_volunteer_activity(ids, period), period),
        local_support=[
            _table(table, period) for table in build_support_figures(ids, period, private_offers=False).tables
        ],
        **_report(reports.build_report(ids, period)),  # type: ignore[arg-type]
    )


@router.get(
    "/commissioning/report",
    operation_id="commissioning_report_get",
    summary="A commissioner's report across the organisations of their areas: totals only, never a person",
    response=responses({200: CommissionerReportOut}, 400, 404, 422),
)
def commissioning_report_get(request: HttpRequest, start: From = "", end: To = "") -> CommissionerReportOut:
    """The figures of the commissioning page; anyone who isn't a commissioner gets 404, as there."""
    user = viewer(request)
    areas = commissioned_areas(user=user)
    if not areas:
        raise Http404(gettext("No such page."))
    period = _period(start, end)
    organisations = list(organisations_in_areas(areas=areas).values_list("pk", "name"))
    ids = [pk for pk, _ in organisations]
    uptake = build_uptake(ids, period, now=timezone.now())
    report = reports.build_report(ids, period)
    report.tables.append(reports.organisations_table(organisations, period))
    audit_record(actor=user, action="organisation.report_viewed", data={"areas": areas, "via": "api"})
    return CommissionerReportOut(
        areas=areas,
        organisation_ids=ids,
        circles=_circles(uptake, period),
        local_support=[
            _table(table, period) for table in build_support_figures(ids, period, private_offers=True).tables
        ],
        **_report(report, organisation_ids=ids),  # type: ignore[arg-type]
    )

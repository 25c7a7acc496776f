"""Report pages: an organisation's own, and a commissioner's across the organisations of their areas.

Both show totals only, with small numbers suppressed (orgs/reports.py); a commissioner never sees a
person, a name or a referral.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from carecircle.audit.services import audit_record
from carecircle.lib.spreadsheet import safe_cells
from carecircle.orgs import reports
from carecircle.orgs.access import access_organisation, commissioned_areas
from carecircle.orgs.selectors import organisations_in_areas
from carecircle.orgs.support_figures import SupportFigures, build_support_figures, support_csv_rows
from carecircle.orgs.uptake import Uptake, build_uptake, uptake_csv_rows
from carecircle.orgs.views import viewer
from carecircle.orgs.volunteer_activity import VolunteerActivity, build_volunteer_activity, volunteer_csv_rows


def _period(request: HttpRequest) -> reports.Period:
    return reports.Period.from_request(request.GET, today=timezone.localtime(timezone.now(), reports.LONDON).date())


def _refused(
    request: HttpRequest, template: str, context: dict[str, object], error: reports.PeriodError
) -> HttpResponse:
    """The page again with the months as typed and what to change: 400, nothing counted."""
    context.update(
        {"period_error": str(error), "typed": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}}
    )
    return render(request, template, context, status=400)


def _csv(
    report: reports.Report,
    filename: str,
    *,
    uptake: Uptake | None = None,
    volunteers: VolunteerActivity | None = None,
    support: SupportFigures | None = None,
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    rows = reports.report_csv_rows(report) + (uptake_csv_rows(uptake) if uptake else [])
    rows += volunteer_csv_rows(volunteers) if volunteers else []
    rows += support_csv_rows(support) if support else []
    for row in rows:
        writer.writerow(safe_cells(row))
    return response


@require_http_methods(["GET"])
@login_required
def organisation_report(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="reports.view")
    context: dict[str, object] = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "org_page": "reports",
    }
    try:
        period = _period(request)
    except reports.PeriodError as error:
        return _refused(request, "orgs/report.html", context, error)
    report = reports.build_report([access.organisation.pk], period)
    volunteers = build_volunteer_activity([access.organisation.pk], period)
    support = build_support_figures([access.organisation.pk], period, private_offers=False)
    if request.GET.get("format") == "csv":
        return _csv(
            report,
            f"{access.organisation.slug}-referrals-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv",
            volunteers=volunteers,
            support=support,
        )
    context.update({"report": report, "volunteers": volunteers, "support": support})
    return render(request, "orgs/report.html", context)


@require_http_methods(["GET"])
@login_required
def commissioning(request: HttpRequest) -> HttpResponse:
    """A commissioner's report across the organisations of their areas. Totals only, never a person."""
    areas = commissioned_areas(user=request.user)
    if not areas:
        raise Http404(gettext("No such page."))
    organisations = list(organisations_in_areas(areas=areas))
    context: dict[str, object] = {"nav": "organisations", "areas": areas, "organisations": organisations}
    try:
        period = _period(request)
    except reports.PeriodError as error:
        return _refused(request, "orgs/commissioning.html", context, error)
    organisation_ids = [organisation.pk for organisation in organisations]
    report = reports.build_report(organisation_ids, period)
    report.tables.append(
        reports.organisations_table([(organisation.pk, organisation.name) for organisation in organisations], period)
    )
    uptake = build_uptake(organisation_ids, period, now=timezone.now())
    support = build_support_figures(organisation_ids, period, private_offers=True)
    audit_record(actor=viewer(request), action="organisation.report_viewed", data={"areas": areas})
    if request.GET.get("format") == "csv":
        return _csv(
            report, f"area-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv", uptake=uptake, support=support
        )
    context.update({"report": report, "uptake": uptake, "support": support})
    return render(request, "orgs/commissioning.html", context)

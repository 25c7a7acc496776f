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
from django.views.decorators.http import require_http_methods

from carecircle.audit.services import audit_record
from carecircle.lib.spreadsheet import safe_cells
from carecircle.orgs import reports
from carecircle.orgs.access import access_organisation, commissioned_areas
from carecircle.orgs.models import Referral
from carecircle.orgs.selectors import organisations_in_areas
from carecircle.orgs.views import viewer


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


def _csv(report: reports.Report, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in reports.report_csv_rows(report):
        writer.writerow(safe_cells(row))
    return response


def _circles_cell(organisation_ids: list[int]) -> reports.Cell:
    # Read from the referrals' partial index of linked circles, not by joining every referral.
    count = (
        Referral.objects.filter(
            organisation_id__in=organisation_ids, circle__isnull=False, circle_link_ended_at__isnull=True
        )
        .values("circle_id")
        .distinct()
        .count()
    )
    return reports.Cell(label="Family circles started from referrals", value=count, suppressed=0 < count < 5)


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
    if request.GET.get("format") == "csv":
        return _csv(
            report, f"{access.organisation.slug}-referrals-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv"
        )
    context["report"] = report
    return render(request, "orgs/report.html", context)


@require_http_methods(["GET"])
@login_required
def commissioning(request: HttpRequest) -> HttpResponse:
    """A commissioner's report across the organisations of their areas. Totals only, never a person."""
    areas = commissioned_areas(user=request.user)
    if not areas:
        raise Http404("No such page.")
    organisations = list(organisations_in_areas(areas=areas))
    context: dict[str, object] = {"nav": "organisations", "areas": areas, "organisations": organisations}
    try:
        period = _period(request)
    except reports.PeriodError as error:
        return _refused(request, "orgs/commissioning.html", context, error)
    organisation_ids = [organisation.pk for organisation in organisations]
    report = reports.build_report(organisation_ids, period)
    report.circles = _circles_cell(organisation_ids)
    audit_record(actor=viewer(request), action="organisation.report_viewed", data={"areas": areas})
    if request.GET.get("format") == "csv":
        return _csv(report, f"referrals-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv")
    context["report"] = report
    return render(request, "orgs/commissioning.html", context)

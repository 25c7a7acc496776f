"""Report pages: an organisation's own, and a commissioner's across the organisations of their areas.

Both show totals only, with small numbers suppressed (orgs/reports.py); a commissioner never sees a
person, a name or a referral.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from carecircle.audit.services import audit_record
from carecircle.circles.models import Circle
from carecircle.lib.spreadsheet import safe_cells
from carecircle.orgs import reports
from carecircle.orgs.access import access_organisation, commissioned_areas
from carecircle.orgs.models import Referral
from carecircle.orgs.selectors import organisations_in_areas
from carecircle.orgs.views import viewer


def _period(request: HttpRequest) -> reports.Period:
    return reports.Period.from_request(request.GET, today=timezone.localtime(timezone.now(), reports.LONDON).date())


def _csv(report: reports.Report, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in reports.report_csv_rows(report):
        writer.writerow(safe_cells(row))
    return response


def _circles_cell(referrals: QuerySet[Referral]) -> reports.Cell:
    count = (
        Circle.objects.filter(referrals__in=referrals, referrals__circle_link_ended_at__isnull=True).distinct().count()
    )
    return reports.Cell(label="Family circles started from referrals", value=count, suppressed=0 < count < 5)


@require_http_methods(["GET"])
@login_required
def organisation_report(request: HttpRequest, organisation_id: int) -> HttpResponse:
    access = access_organisation(user=request.user, organisation_id=organisation_id, capability="reports.view")
    period = _period(request)
    referrals = Referral.objects.filter(organisation=access.organisation)
    report = reports.build_report(referrals, period)
    if request.GET.get("format") == "csv":
        return _csv(
            report, f"{access.organisation.slug}-referrals-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv"
        )
    context = {
        "nav": "organisations",
        "access": access,
        "organisation": access.organisation,
        "org_page": "reports",
        "report": report,
    }
    return render(request, "orgs/report.html", context)


@require_http_methods(["GET"])
@login_required
def commissioning(request: HttpRequest) -> HttpResponse:
    """A commissioner's report across the organisations of their areas. Totals only, never a person."""
    areas = commissioned_areas(user=request.user)
    if not areas:
        raise Http404("No such page.")
    period = _period(request)
    referrals = Referral.objects.filter(organisation__area__in=areas)
    report = reports.build_report(referrals, period)
    report.circles = _circles_cell(referrals)
    audit_record(actor=viewer(request), action="organisation.report_viewed", data={"areas": areas})
    if request.GET.get("format") == "csv":
        return _csv(report, f"referrals-{period.start:%Y-%m}-to-{period.last_month:%Y-%m}.csv")
    context = {
        "nav": "organisations",
        "areas": areas,
        "organisations": organisations_in_areas(areas=areas),
        "report": report,
    }
    return render(request, "orgs/commissioning.html", context)

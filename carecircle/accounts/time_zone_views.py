"""Choosing any time zone without JavaScript: a region, then a country, then one of its zones.

The account page offers only the member's country (a list of every zone was 38 KB); these pages
keep every zone a plain link or two away, each page a short list.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from carecircle.accounts.forms import CountryTimeZoneForm
from carecircle.accounts.models import User
from carecircle.accounts.services import user_set_time_zone
from carecircle.lib.time_zones import city_label, countries_in_region, country_names, region_of_country, regions

# The IANA table's regions, as a person names them.
REGION_NAMES = {
    "Africa": _("Africa"),
    "America": _("The Americas"),
    "Antarctica": _("Antarctica"),
    "Arctic": _("The Arctic"),
    "Asia": _("Asia"),
    "Atlantic": _("The Atlantic Ocean"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("The Indian Ocean"),
    "Pacific": _("The Pacific Ocean"),
}


def _region(slug: str) -> str:
    for region in regions():
        if region.lower() == slug:
            return region
    raise Http404(gettext("There is no such region. Choose one from the list."))


def _context(request: HttpRequest, **extra: object) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)
    return {"nav": "profile", "current_zone": city_label(user.time_zone), **extra}


@login_required
@require_http_methods(["GET", "HEAD"])
def time_zone_regions(request: HttpRequest) -> HttpResponse:
    choices = [(region.lower(), REGION_NAMES.get(region, region)) for region in regions()]
    return render(request, "accounts/time_zone_regions.html", _context(request, regions=choices))


@login_required
@require_http_methods(["GET", "HEAD"])
def time_zone_region(request: HttpRequest, region: str) -> HttpResponse:
    found = _region(region)
    context = _context(request, region_name=REGION_NAMES.get(found, found), countries=countries_in_region(found))
    return render(request, "accounts/time_zone_region.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def time_zone_country(request: HttpRequest, country: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if country not in country_names() or not region_of_country(country):
        raise Http404(gettext("There is no such country. Choose one from the list."))
    if request.method == "POST":
        form = CountryTimeZoneForm(request.POST, country=country)
        if form.is_valid():
            user_set_time_zone(actor=user, time_zone=form.cleaned_data["time_zone"])
            messages.success(
                request,
                gettext("Your time zone is now %(zone)s.") % {"zone": city_label(form.cleaned_data["time_zone"])},
            )
            return redirect("accounts:profile")
    else:
        form = CountryTimeZoneForm(initial={"time_zone": user.time_zone}, country=country)
    region = region_of_country(country)
    context = _context(
        request,
        form=form,
        country_name=country_names()[country],
        region_slug=region.lower(),
        region_name=REGION_NAMES.get(region, region),
    )
    return render(request, "accounts/time_zone_country.html", context, status=400 if form.errors else 200)

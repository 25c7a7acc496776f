"""Choosing any time zone without JavaScript: the account page's link, a region, a country, a zone."""

from __future__ import annotations

from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import page_text

FIRST_HTML_BUDGET = 14_336
REGIONS = reverse("accounts:time_zone_regions")


def country(code: str) -> str:
    return reverse("accounts:time_zone_country", kwargs={"country": code})


def region(slug: str) -> str:
    return reverse("accounts:time_zone_region", kwargs={"region": slug})


def test_a_zone_in_another_country_is_two_links_and_a_save_away(as_user, dana):
    client = as_user(dana)
    regions_page = page_text(client.get(REGIONS))
    assert "Your time zone now: London." in regions_page
    assert f'<a href="{region("america")}">The Americas</a>' in regions_page

    americas = page_text(client.get(region("america")))
    assert f'<a href="{country("US")}">United States</a>' in americas

    us_page = page_text(client.get(country("US")))
    assert '<option value="America/Chicago">Chicago</option>' in us_page
    response = client.post(country("US"), {"time_zone": "America/Chicago"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    assert User.objects.get(pk=dana.pk).time_zone == "America/Chicago"
    assert AuditEntry.objects.filter(action="account.profile_updated").count() == 1
    account = page_text(client.get(reverse("accounts:profile")))
    assert "Your time zone is now Chicago." in account
    assert '<option value="America/Chicago" selected>Chicago</option>' in account


def test_the_country_page_selects_the_members_zone(as_user, dana):
    content = page_text(as_user(dana).get(country("GB")))
    assert '<option value="Europe/London" selected>London</option>' in content
    assert f'<a href="{region("europe")}">Europe</a>' in content


def test_a_zone_of_another_country_is_refused_with_a_message(as_user, dana):
    response = as_user(dana).post(country("GB"), {"time_zone": "Europe/Warsaw"})

    assert response.status_code == 400
    assert "Choose a time zone from the list." in page_text(response)
    assert User.objects.get(pk=dana.pk).time_zone == "Europe/London"


def test_an_unknown_region_or_country_is_not_found(as_user, dana):
    client = as_user(dana)
    assert client.get(region("mars")).status_code == 404
    assert client.get(country("XX")).status_code == 404
    assert client.get(country("gb")).status_code == 404
    assert client.post(country("XX"), {"time_zone": "UTC"}).status_code == 404


def test_every_time_zone_page_fits_the_first_round_trip_in_every_language(as_user, dana):
    from carecircle.lib.time_zones import countries_in_region, regions

    client = as_user(dana)
    largest = 0
    for language in ("en-gb", "cy", "pl"):
        User.objects.filter(pk=dana.pk).update(language=language, phone="+12025550123")
        paths = [reverse("accounts:profile"), REGIONS]
        paths += [region(name.lower()) for name in regions()]
        # The countries with the most zones and the longest lists.
        paths += [country(code) for code in ("US", "CA", "RU", "BR", "AU", "MX", "AR")]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            largest = max(largest, len(response.content))
            assert len(response.content) <= FIRST_HTML_BUDGET, (language, path, len(response.content))
    assert len(countries_in_region("America")) > 40
    assert largest > 8_000

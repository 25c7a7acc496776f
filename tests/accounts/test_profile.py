from typing import Any

from django.test import Client
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.audit.models import AuditEntry
from tests.accounts.helpers import page_text

PROFILE = reverse("accounts:profile")


def save(client: Client, **fields: str) -> Any:
    data = {"display_name": "Olivia O.", "phone": "", "time_zone": "Europe/London", "language": "en-gb"}
    data.update(fields)
    return client.post(PROFILE, data)


def test_the_account_page_shows_the_current_details(as_user, dana):
    response = as_user(dana).get(PROFILE)

    assert response.status_code == 200
    content = page_text(response)
    assert content.count("<h1") == 1
    assert dana.email in content
    assert 'value="Dana Daughter"' in content
    assert '<option value="Europe/London" selected>' in content
    assert 'autocomplete="tel"' in content
    assert 'aria-current="page"' in content


def test_saving_details_normalises_a_uk_phone_number(as_user, dana):
    response = save(as_user(dana), display_name="  Liv  ", phone="07911 123456", time_zone="America/New_York")

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    user = User.objects.get(pk=dana.pk)
    assert user.display_name == "Liv"
    assert user.phone == "+447911123456"
    assert user.time_zone == "America/New_York"
    assert AuditEntry.objects.filter(action="account.profile_updated", subject_user=dana).exists()


def test_a_number_with_a_country_code_is_kept_in_that_country(as_user, dana):
    save(as_user(dana), phone="+353 85 123 4567")

    assert User.objects.get(pk=dana.pk).phone == "+353851234567"


def test_the_phone_number_can_be_left_empty(as_user, dana):
    User.objects.filter(pk=dana.pk).update(phone="+447911123456")

    save(as_user(dana), phone="")

    assert User.objects.get(pk=dana.pk).phone == ""


def test_a_phone_number_that_cannot_be_called_is_refused(as_user, dana):
    response = save(as_user(dana), phone="07700 12")

    assert response.status_code == 400
    content = page_text(response)
    assert "This isn't a phone number that can be called" in content
    assert 'value="07700 12"' in content
    assert User.objects.get(pk=dana.pk).phone == ""


def test_letters_instead_of_a_phone_number_are_refused(as_user, dana):
    response = save(as_user(dana), phone="call my mum")

    assert response.status_code == 400
    assert "Enter a mobile number" in page_text(response)


def test_an_unknown_time_zone_is_refused(as_user, dana):
    response = save(as_user(dana), time_zone="Mars/Olympus_Mons")

    assert response.status_code == 400
    assert "Choose a time zone from the list" in page_text(response)
    assert User.objects.get(pk=dana.pk).time_zone == "Europe/London"


def test_an_unknown_language_is_refused(as_user, dana):
    response = save(as_user(dana), language="xx")

    assert response.status_code == 400
    assert "Choose a language from the list" in page_text(response)


def test_an_empty_name_is_refused(as_user, dana):
    response = save(as_user(dana), display_name="   ")

    assert response.status_code == 400
    assert "Enter your name." in page_text(response)
    assert User.objects.get(pk=dana.pk).display_name == "Dana Daughter"


def test_the_time_zone_list_is_the_united_kingdom_when_nothing_says_otherwise(as_user, dana):
    content = page_text(as_user(dana).get(PROFILE))

    assert '<optgroup label="United Kingdom">' in content
    assert content.count('value="Europe/London"') == 1
    assert 'value="UTC"' in content
    # Every other zone is on its own pages, linked from here: the whole list was 38 KB.
    assert 'value="Africa/Abidjan"' not in content
    assert f'<a href="{reverse("accounts:time_zone_regions")}">Choose another time zone</a>' in content


def test_the_time_zone_list_starts_with_the_country_of_the_phone_number(as_user, dana):
    User.objects.filter(pk=dana.pk).update(phone="+48601234567")
    content = page_text(as_user(dana).get(PROFILE))

    assert content.index('<optgroup label="Poland">') < content.index('<optgroup label="United Kingdom">')
    assert content.index('value="Europe/Warsaw"') < content.index('value="Europe/London"')
    assert '<option value="Europe/London" selected>London</option>' in content


def test_a_zone_from_another_country_is_kept_on_the_short_list(as_user, dana):
    User.objects.filter(pk=dana.pk).update(time_zone="Asia/Tokyo")
    content = page_text(as_user(dana).get(PROFILE))

    assert '<optgroup label="Japan">' in content
    assert '<option value="Asia/Tokyo" selected>Tokyo</option>' in content


def test_an_older_zone_name_the_member_has_stays_offered_and_saved(as_user, dana):
    User.objects.filter(pk=dana.pk).update(time_zone="US/Eastern")
    content = page_text(as_user(dana).get(PROFILE))

    assert '<option value="US/Eastern" selected>' in content
    assert save(as_user(dana), time_zone="US/Eastern").status_code == 302
    assert User.objects.get(pk=dana.pk).time_zone == "US/Eastern"


def test_a_zone_from_the_grouped_list_is_saved(as_user, dana):
    response = save(as_user(dana), time_zone="Europe/Warsaw")

    assert response.status_code == 302
    assert User.objects.get(pk=dana.pk).time_zone == "Europe/Warsaw"


def test_a_saved_phone_number_is_shown_in_a_readable_form(as_user, dana):
    User.objects.filter(pk=dana.pk).update(phone="+447911123456")

    assert 'value="+44 7911 123456"' in page_text(as_user(dana).get(PROFILE))

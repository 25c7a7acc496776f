"""How many people were offered local support, in the reports: small numbers hidden, never a person."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import DirectoryService, Referral, SupportOffer
from carecircle.orgs.referral_services import referral_move
from carecircle.orgs.signposting import referral_signpost
from carecircle.orgs.support_offers import uk_today
from carecircle.orgs.uptake import linked_circles
from tests.cast import Cast
from tests.orgs.conftest import Org, make_referral, quick_user, text
from tests.orgs.test_directory import directory  # noqa: F401  (the fixture: a few Wrexham services)
from tests.orgs.test_report_api import figures, token_client

SENT_MONTHS = "Sent to a local service, each month"
SENT_NEEDS = "Sent to a local service, by what the service helps with (a service can help with several)"
SENT_REFERRALS = "Sent to a local service, by what became of the referral"
OFFERED = "Offered support privately in their circle, each month"
ANSWERS = "What became of those private offers"


def _this_month() -> str:
    return uk_today().strftime("%b %Y")


def _send(org: Org, *, near: int, carers: int, prefix: str = "Sent") -> list[Referral]:
    """`near` referrals sent to the befriending service, `carers` of them also to the carers centre."""
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    befriending = DirectoryService.objects.get(name="Near befriending")
    carers_centre = DirectoryService.objects.get(name="Carers centre")
    referrals = []
    for number in range(near):
        referral = make_referral(org.organisation, person_name=f"{prefix} Person {number}")
        referral_signpost(access=access, referral=referral, service=befriending, for_carer=False, note="Rang them")
        if number < carers:
            referral_signpost(access=access, referral=referral, service=carers_centre, for_carer=True)
        referrals.append(referral)
    return referrals


def _table(page: str, key: str) -> str:
    """One chart's section of a report page (its SVG and its table), so a figure is read from the right table."""
    start = page.index(f'id="t-{key}"')
    return page[start : page.index("</section>", start)]


def _csv(response: Any) -> dict[tuple[str, str], str]:
    assert response.status_code == 200
    return {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(response.content.decode()))}


def _offers(cast: Cast, *, showing: int, turned_down: int, put_off: int = 0, circle: Any = None) -> None:
    today = uk_today()
    for number in range(showing + turned_down + put_off):
        user = quick_user(f"helper{number}-{circle.pk if circle else cast.circle.pk}@example.org", f"Helper {number}")
        SupportOffer.objects.create(
            user=user,
            circle=circle or cast.circle,
            district="LL11",
            due=True,
            weeks_over=3,
            checked_on=today,
            dismissed_at=timezone.now() if showing <= number < showing + turned_down else None,
            later_until=today + datetime.timedelta(weeks=6) if number >= showing + turned_down else None,
        )


@pytest.mark.usefixtures("directory")
def test_an_organisation_sees_how_many_it_sent_to_local_services_with_small_numbers_hidden(
    org: Org, as_user: Any
) -> None:
    referrals = _send(org, near=7, carers=2)
    coordinator = org.coordinator
    access = access_organisation(user=coordinator, organisation_id=org.organisation.pk)
    referral_move(access=access, referral=referrals[0], to="declined", reason="Out of area")
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})
    page = text(as_user(coordinator).get(address))
    assert "Local support offered" in page
    assert f"{_this_month()}</td><td>9</td>" in _table(page, "sent-months")
    needs = _table(page, "sent-needs")
    # 2 sent to the carers' service are hidden, and so is the next smallest, so neither comes back from a total.
    assert "Support for someone who helps a relative</td><td>not shown</td>" in needs
    assert "Company and loneliness</td><td>not shown</td>" in needs
    assert "Total</th><td>9</td>" in needs
    # The declined referral was sent to 2 services: hidden, and the 7 still open with them (else 9 - 7).
    assert "Referral declined</td><td>not shown</td>" in _table(page, "sent-referrals")
    assert "Referral still open</td><td>not shown</td>" in _table(page, "sent-referrals")
    assert "Sent Person" not in page
    assert "Rang them" not in page
    # The private offers are never counted for an organisation.
    assert OFFERED not in page

    rows = _csv(as_user(coordinator).get(address + "?format=csv"))
    assert rows[(SENT_MONTHS, _this_month())] == "9"
    assert rows[(SENT_MONTHS, "Total")] == "9"
    assert rows[(SENT_NEEDS, "Support for someone who helps a relative")] == "not shown"
    assert rows[(SENT_REFERRALS, "Referral declined")] == "not shown"
    assert not any(table == OFFERED for table, _ in rows)


@pytest.mark.usefixtures("directory")
def test_an_organisation_never_counts_another_organisations_and_a_small_total_is_hidden(org: Org, as_user: Any) -> None:
    _send(org, near=3, carers=0)
    page = text(
        as_user(org.other_staff).get(reverse("orgs:reports", kwargs={"organisation_id": org.other_organisation.pk}))
    )
    assert f"{_this_month()}</td><td>0</td>" in _table(page, "sent-months")
    own = _csv(
        as_user(org.coordinator).get(
            reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk}) + "?format=csv"
        )
    )
    assert own[(SENT_MONTHS, _this_month())] == "not shown"
    assert own[(SENT_MONTHS, "Total")] == "not shown"


@pytest.mark.usefixtures("directory")
def test_a_commissioner_sees_both_kinds_of_offer_as_totals_and_never_a_person(
    cast: Cast, org: Org, as_user: Any
) -> None:
    referrals = _send(org, near=6, carers=0)
    Referral.objects.filter(pk=referrals[0].pk).update(circle=cast.circle)
    assert cast.circle in linked_circles([org.organisation.pk])
    _offers(cast, showing=6, turned_down=1, put_off=5)
    page = text(as_user(org.commissioner).get(reverse("orgs:commissioning")))
    assert "Company and loneliness</td><td>6</td>" in _table(page, "sent-needs")
    assert f"{_this_month()}</td><td>12</td>" in _table(page, "offer-months")
    answers = _table(page, "offer-answers")
    assert "Still offered</td><td>6</td>" in answers
    # One turned it down: hidden, and the next smallest with it, so 12 - 6 - 5 doesn't give it away.
    assert "Don't show this again\")</td><td>not shown</td>" in answers
    assert 'Put off ("Not now")</td><td>not shown</td>' in answers
    for someone in ("Sent Person", "Helper 1", "helper1", "Rang them", "LL11"):
        assert someone not in page, someone
    rows = _csv(as_user(org.commissioner).get(reverse("orgs:commissioning") + "?format=csv"))
    assert rows[(OFFERED, _this_month())] == "12"
    assert rows[(ANSWERS, "Still offered")] == "6"
    assert rows[(ANSWERS, 'Turned down ("Don\'t show this again")')] == "not shown"
    assert rows[(SENT_MONTHS, "Total")] == "6"
    for row in rows.items():
        assert "Sent Person" not in str(row)
        assert "Helper" not in str(row)


@pytest.mark.usefixtures("directory")
def test_a_commissioner_counts_only_their_areas_circles_and_organisations(cast: Cast, org: Org, as_user: Any) -> None:
    """Offers in a circle linked to no organisation of the area, and another area's signposting, stay out."""
    _offers(cast, showing=6, turned_down=0)  # the cast's circle is linked to no referral here
    page = text(as_user(org.commissioner).get(reverse("orgs:commissioning")))
    assert "Still offered</td><td>0</td>" in _table(page, "offer-answers")
    assert "Total</th><td>0</td>" in _table(page, "offer-months")
    assert org.other_organisation.area != org.organisation.area


@pytest.mark.usefixtures("directory")
def test_the_reports_api_gives_the_same_hidden_figures_and_only_the_commissioner_the_private_offers(
    cast: Cast, org: Org
) -> None:
    referrals = _send(org, near=7, carers=2)
    Referral.objects.filter(pk=referrals[0].pk).update(circle=cast.circle)
    _offers(cast, showing=6, turned_down=1, put_off=5)
    month = uk_today().strftime("%Y-%m")

    own = token_client(org.coordinator).get(f"/api/v1/organisations/{org.organisation.pk}/report")
    assert own.status_code == 200
    tables = {table["key"]: table for table in own.json()["local_support"]}
    assert sorted(tables) == ["sent-months", "sent-needs", "sent-referrals", "sent-use"]
    assert figures(tables["sent-months"])[month] == 9
    assert tables["sent-months"]["total"] == 9
    needs = {figure["key"]: figure for figure in tables["sent-needs"]["figures"]}
    # 2 sent to the carers' service: hidden, and the 7 befriending with it, or 9 - 7 gives it away.
    assert (needs["carer"]["value"], needs["carer"]["suppressed"]) == (None, True)
    assert (needs["loneliness"]["value"], needs["loneliness"]["suppressed"]) == (None, True)
    assert tables["sent-needs"]["total"] == 9

    area = token_client(org.commissioner).get("/api/v1/commissioning/report")
    assert area.status_code == 200
    tables = {table["key"]: table for table in area.json()["local_support"]}
    assert figures(tables["offer-months"])[month] == 12
    answers = figures(tables["offer-answers"])
    assert answers == {"still-offered": 6, "put-off": None, "turned-down": None, "no-longer-over-threshold": 0}
    assert "Sent Person" not in area.content.decode()
    assert "Helper" not in area.content.decode()

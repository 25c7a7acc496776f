"""The referral list pages by keyset (newest first), and counts matches only up to 1,000."""

from __future__ import annotations

import datetime
import re
from typing import Any

import time_machine
from django.urls import reverse

from carecircle.orgs import referral_selectors as selectors
from carecircle.orgs.models import Referral
from tests.orgs.conftest import Org, make_referral, text


def _references(page: str) -> list[str]:
    return re.findall(r'<span class="meta">(R\d{5})</span>', page)


def _link(page: str, label: str) -> str | None:
    found = re.search(r'<a href="\?([^"]*)">' + label + "</a>", page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_paging_older_then_newer_visits_every_referral_once(org: Org, as_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    same_moment = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    with time_machine.travel(same_moment):
        # Five at exactly the same time: the id breaks the tie, so none is skipped or shown twice.
        for number in range(5):
            make_referral(org.organisation, person_name=f"Tie {number}")
    for number in range(6):
        with time_machine.travel(same_moment + datetime.timedelta(hours=number + 1)):
            make_referral(org.organisation, person_name=f"Later {number}")
    newest_first = Referral.objects.filter(organisation=org.organisation).order_by("-created_at", "-id")
    expected = [referral.reference for referral in newest_first]
    client = as_user(org.coordinator)
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    pages = [text(client.get(address))]
    assert "11 referrals." in pages[0]
    while (older := _link(pages[-1], "Older")) is not None:
        pages.append(text(client.get(f"{address}?{older}")))
    seen = [reference for page in pages for reference in _references(page)]
    assert seen == expected
    assert len(pages) == 3
    newer = _link(pages[-1], "Newer")
    assert newer is not None
    back = text(client.get(f"{address}?{newer}"))
    assert _references(back) == expected[4:8]


def test_filters_are_kept_across_pages(org: Org, as_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for number in range(3):
        make_referral(org.organisation, person_name=f"Money {number}", needs=["money"])
    make_referral(org.organisation, person_name="Shopping only", needs=["shopping"])
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    first = text(as_user(org.coordinator).get(f"{address}?need=money"))
    older = _link(first, "Older")
    assert older is not None
    assert older.startswith("need=money&after=")
    second = text(as_user(org.coordinator).get(f"{address}?{older}"))
    assert "Money 0" in second
    assert "Shopping only" not in second


def test_a_broken_cursor_shows_the_first_page(org: Org, as_user: Any) -> None:
    make_referral(org.organisation, person_name="Still here")
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    for cursor in ["nonsense", "99999999999999999.1", "1.2.3", "-5.1", "9" * 40 + ".1"]:
        response = as_user(org.coordinator).get(address, {"after": cursor})
        assert response.status_code == 200
        assert "Still here" in text(response)


def test_the_count_stops_at_a_thousand(org: Org, as_user: Any) -> None:
    make_referral(org.organisation, person_name="Template")
    template = Referral.objects.get(organisation=org.organisation)
    copies = []
    for number in range(selectors.COUNT_CAP + 5):
        template.pk = None
        template.person_name = f"Copy {number}"
        copies.append(Referral(**{f.attname: getattr(template, f.attname) for f in Referral._meta.concrete_fields}))
    Referral.objects.bulk_create(copies)
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    page = text(as_user(org.coordinator).get(address))
    assert "More than 1,000 referrals." in page
    assert len(_references(page)) == selectors.PAGE_SIZE

"""A list shown on a page and returned by the API comes from one selector: same rows, same order, same cap."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from carecircle.records import selectors as record_selectors
from carecircle.records.services import share_link_create
from tests.api.conftest import API, token_client
from tests.cast import Cast


def test_the_members_page_and_the_api_list_members_in_the_same_order(cast: Cast, as_user: Any) -> None:
    api = token_client(cast.organiser).get(f"{API}/circles/{cast.circle.pk}/members").json()
    page = as_user(cast.organiser).get(reverse("circles:members", kwargs={"circle_id": cast.circle.pk}))
    html = page.content.decode()
    names = [member["display_name"] for member in api]
    # The page names everyone in the API's order: the person and organisers first.
    positions = [html.index(name) for name in names]
    assert positions == sorted(positions)
    assert names[0] == cast.person.display_name


def test_the_share_links_page_and_the_api_show_the_same_newest_links(
    cast: Cast, as_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_selectors, "SHARE_LINKS_SHOWN", 3)
    for number in range(4):
        share_link_create(
            actor=cast.organiser, circle=cast.circle, recipient=f"Nurse {number}", sections=["medications"], hours=24
        )
    api = token_client(cast.organiser).get(f"{API}/circles/{cast.circle.pk}/record/share-links").json()
    page = as_user(cast.organiser).get(reverse("records:share_links", kwargs={"circle_id": cast.circle.pk}))
    assert [link["recipient"] for link in api] == ["Nurse 3", "Nurse 2", "Nurse 1"]
    # Each row names its recipient more than once (the line and its "stop this link" button).
    assert list(dict.fromkeys(re.findall(r"Nurse \d", page.content.decode()))) == ["Nurse 3", "Nurse 2", "Nurse 1"]

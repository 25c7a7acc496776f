"""Every record page of a well-filled record fits the first network round trip (≤ 14 KB compressed)."""

from __future__ import annotations

import gzip
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from carecircle.records.services import entry_delete, entry_update
from tests.cast import Cast
from tests.records.conftest import add_entry

FIRST_HTML_BUDGET = 14 * 1024
THIRD_PARTY = re.compile(rb"""(?:src|href|action)=["'](?:https?:)?//""")


def _well_filled(cast: Cast) -> int:
    """A record kept for a year: many notes, a long medicines list, contacts, some deleted entries."""
    add: dict[str, Any] = {"actor": cast.organiser, "circle": cast.circle}
    for number in range(120):
        add_entry(**add, section="notes", text=f"Day {number}: ate most of lunch, walked to the shop.", mood="good")
    for number in range(30):
        entry = add_entry(
            **add, section="medications", name=f"Medicine {number}", strength="5 mg", dose="1 tablet", schedule="daily"
        )
        if number % 3 == 0:
            stopped = {"stopped": "2024-01-01"}
            entry = entry_update(actor=cast.organiser, entry=entry, values=stopped, expected_version=1)
        if number % 10 == 0:
            entry_delete(actor=cast.organiser, entry=entry)
    for number in range(25):
        add_entry(**add, section="contacts", name=f"Contact {number}", phone="+442079460000", email="a@example.org")
    for number in range(10):
        add_entry(**add, section="conditions", name=f"Condition {number}")
        add_entry(**add, section="allergies", substance=f"Substance {number}", severity="severe", reaction="Rash")
    add_entry(**add, section="about", what_matters="x" * 1500, routines="y" * 1500)
    entry = add_entry(**add, section="emergency", stand_ins="Raj", key_safe="1234")
    for number in range(15):
        entry = entry_update(
            actor=cast.organiser, entry=entry, values={"stand_ins": f"Raj {number}"}, expected_version=entry.version
        )
    return entry.pk


def test_every_record_page_fits_the_first_round_trip_compressed(cast, as_user, organiser):
    emergency_id = _well_filled(cast)
    circle_id = cast.circle.pk
    urls = [reverse("records:index", args=[circle_id])]
    urls += [
        reverse("records:section", args=[circle_id, key])
        for key in ("about", "conditions", "allergies", "medications", "contacts", "notes", "documents", "emergency")
    ]
    urls += [
        reverse("records:entry_add", args=[circle_id, "notes"]),
        reverse("records:entry_edit", args=[circle_id, "emergency", emergency_id]),
        reverse("records:entry_history", args=[circle_id, "emergency", emergency_id]),
        reverse("records:essentials", args=[circle_id]),
        reverse("records:share_links", args=[circle_id]),
        reverse("records:access_log", args=[circle_id]),
        reverse("records:export", args=[circle_id]),
    ]
    secret_bearing = {reverse("records:share_links", args=[circle_id])}
    client: Client = as_user(organiser)
    for url in urls:
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        if url in secret_bearing:
            # BREACH: a page that shows a secret link goes uncompressed (web/page_policy.py), so its
            # whole body must fit the first round trip.
            assert "Content-Encoding" not in response, url
            body = response.content
        else:
            assert response["Content-Encoding"] == "gzip", url
            body = gzip.decompress(response.content)
        assert len(response.content) <= FIRST_HTML_BUDGET, f"{url}: {len(response.content)} bytes on the wire"
        assert not THIRD_PARTY.search(body), url

"""The record a share link opens, a part at a time: within the first round trip however big the record,
every entry reached once, the link's sections, expiry and revocation kept on every part, every look logged."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.records.models import RecordView
from carecircle.records.sections import SECTIONS
from carecircle.records.services import share_link_create, share_link_revoke
from tests.cast import Cast
from tests.circles.conftest import queries_for
from tests.records.conftest import add_entry
from tests.records.test_budgets import BIG_LISTS, _big_record

FIRST_HTML_BUDGET = 14 * 1024
ALL_SECTIONS = [section.key for section in SECTIONS]
NOTES = 40


def _bigger_record(cast: Cast) -> None:
    """test_budgets' big record, with forty long daily notes and a long About me and emergency plan."""
    _big_record(cast)
    add: dict[str, Any] = {"actor": cast.organiser, "circle": cast.circle}
    for number in range(NOTES):
        add_entry(**add, section="notes", text=f"Note {number:03}: ate most of lunch, walked to the shop. " * 3)
    add_entry(**add, section="about", what_matters="Seeing the grandchildren on Sundays. " * 20)
    add_entry(**add, section="emergency", stand_ins="Raj, then Olivia. " * 20, key_safe="4321")


def _link(cast: Cast, sections: list[str] | None = None) -> str:
    _, token = share_link_create(
        actor=cast.organiser,
        circle=cast.circle,
        recipient="Practice nurse",
        sections=sections or ALL_SECTIONS,
        hours=24,
    )
    assert token is not None
    return reverse("records:shared", kwargs={"share_token": token})


def _next(body: str, key: str) -> str | None:
    found = re.search(rf'<a href="([^"]+section={key}[^"]*)"[^>]*>(?:Show more|Show the list|Dangos|Pokaż)', body)
    return html.unescape(found[1]).split("#")[0] if found else None


def _parts(client: Client, first: str, key: str) -> list[str]:
    """The first page and every part of a section from it on, following its links."""
    bodies = [client.get(first).content.decode()]
    address = _next(bodies[0], key)
    while address:
        response = client.get(address)
        assert response.status_code == 200, address
        bodies.append(response.content.decode())
        address = _next(bodies[-1], key)
        assert len(bodies) < 60, "the parts never end"
    return bodies


def test_every_page_a_link_opens_on_a_big_record_fits_the_first_round_trip(cast):
    _bigger_record(cast)
    url = _link(cast)
    for language in ("en", "cy", "pl"):
        client = Client(headers={"Accept-Language": language})
        sizes = {}
        for key in ALL_SECTIONS:
            for number, body in enumerate(_parts(client, url, key)):
                sizes[f"{key} {number}"] = len(body.encode())
        over = {page: size for page, size in sizes.items() if size > FIRST_HTML_BUDGET}
        assert not over, f"{language}: over {FIRST_HTML_BUDGET} bytes uncompressed: {over}"
    # The first page was really filled, and each big list is a link away.
    body = Client().get(url).content.decode()
    assert body.count('class="entry"') >= 3
    assert len(body.encode()) > FIRST_HTML_BUDGET * 0.75
    assert "4321" not in body


def test_the_parts_reach_every_entry_of_a_section_once(cast):
    _bigger_record(cast)
    client = Client()
    url = _link(cast)
    bodies = _parts(client, url, "contacts")
    seen = [name for body in bodies for name in re.findall(r"<h3>(Contact number \d+)</h3>", body)]
    assert seen == sorted(f"Contact number {number:03}" for number in range(BIG_LISTS["contacts"]))
    assert re.search(r"\d+ to 70 of 70 key contacts\.", bodies[-1])
    # Medicines come as two lists, taken now then stopped (every third of the big record's is stopped),
    # each card under its list's heading.
    listed = [
        heading
        for body in _parts(client, url, "medications")
        for heading in re.findall(r"<h3>(Taken now|Stopped)</h3>|<h4>(Medicine [^<]+)</h4>", body)
    ]
    medicines = [name for _, name in listed if name]
    assert sorted(medicines) == sorted(f"Medicine number {number:03}" for number in range(BIG_LISTS["medications"]))
    stopped = {f"Medicine number {number:03}" for number in range(0, BIG_LISTS["medications"], 3)}
    assert [name in stopped for name in medicines] == sorted(name in stopped for name in medicines)
    group = ""
    for heading, name in listed:
        group = heading or group
        if name:
            assert group == ("Stopped" if name in stopped else "Taken now"), name
    notes = [n for body in _parts(client, url, "notes") for n in re.findall(r"Note (\d+):", body)]
    assert sorted(set(notes)) == [f"{number:03}" for number in range(NOTES)]
    assert notes == sorted(notes, reverse=True), "newest first"


def test_a_small_record_is_still_shown_whole_on_one_page(cast):
    add: dict[str, Any] = {"actor": cast.organiser, "circle": cast.circle}
    add_entry(**add, section="medications", name="Metformin")
    add_entry(**add, section="allergies", substance="Penicillin", severity="severe")
    body = Client().get(_link(cast, ["medications", "allergies"])).content.decode()
    assert "Metformin" in body
    assert "Penicillin" in body
    assert "Show more" not in body
    assert "Show the list" not in body


def test_medicines_taken_now_and_stopped_are_two_lists_as_on_the_members_page(cast):
    add: dict[str, Any] = {"actor": cast.organiser, "circle": cast.circle}
    add_entry(**add, section="medications", name="Warfarin", stopped="2024-01-01")
    add_entry(**add, section="medications", name="Metformin")
    add_entry(**add, section="medications", name="Aspirin", stopped="2025-02-01")
    add_entry(**add, section="medications", name="Ramipril")
    url = _link(cast, ["medications"])
    for body in (Client().get(url).content.decode(), Client().get(f"{url}?section=medications").content.decode()):
        taken, stopped = body.index("<h3>Taken now</h3>"), body.index("<h3>Stopped</h3>")
        assert taken < body.index("<h4>Metformin</h4>") < body.index("<h4>Ramipril</h4>") < stopped
        assert stopped < body.index("<h4>Aspirin</h4>") < body.index("<h4>Warfarin</h4>")
        assert body.count('<ul class="list-plain entries">') == 2
    # Nothing stopped: one list, "Taken now".
    only_taken = _link(cast, ["allergies"])
    assert "Taken now" not in Client().get(only_taken).content.decode()


def test_every_part_keeps_the_links_sections_expiry_and_revocation(cast):
    _big_record(cast)
    link, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Practice nurse", sections=["contacts"], hours=24
    )
    assert token is not None
    url = reverse("records:shared", kwargs={"share_token": token})
    client = Client()
    assert client.get(f"{url}?section=contacts&from=5").status_code == 200
    for outside in ("medications", "allergies", "notes", "no-such", "", "x" * 300):
        response = client.get(f"{url}?section={outside}")
        assert response.status_code == 404, outside
        assert "Medicine number" not in response.content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert client.get(f"{url}?section=contacts&from=5").status_code == 410
    share_link_revoke(actor=cast.organiser, link=link)
    assert client.get(f"{url}?section=contacts&from=5").status_code == 410


def test_every_part_is_a_look_in_the_log_saying_what_it_showed(cast):
    _big_record(cast)
    url = _link(cast, ["contacts", "allergies"])
    client = Client()
    client.get(url)
    client.get(f"{url}?section=contacts&from=3")
    whats = list(RecordView.objects.order_by("id").values_list("viewer_kind", "what"))
    assert whats[0] == ("share_link", "the shared record: Allergies, Key contacts")
    assert whats[1][0] == "share_link"
    assert re.fullmatch(r"the shared record: Key contacts, entries 4 to \d+", whats[1][1])


def test_a_part_costs_the_same_queries_at_every_length_and_place(cast):
    add: dict[str, Any] = {"actor": cast.organiser, "circle": cast.circle}
    for number in range(12):
        add_entry(**add, section="contacts", name=f"Contact {number}")
        add_entry(**add, section="notes", text=f"Note {number}")
    url = _link(cast)
    client = Client()
    urls = [url, f"{url}?section=contacts", f"{url}?section=contacts&from=10", f"{url}?section=notes&from=5"]
    few = {address: queries_for(client, address) for address in urls}
    _bigger_record(cast)
    assert {address: queries_for(client, address) for address in urls} == few

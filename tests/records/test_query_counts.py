"""Every record page costs the same number of queries however many entries and versions there are."""

from __future__ import annotations

from django.urls import reverse

from carecircle.records.sections import SECTION_BY_KEY, SECTIONS
from carecircle.records.services import entry_update, record_view_log
from tests.cast import Cast
from tests.circles.conftest import queries_for
from tests.records.conftest import add_entry


def _fill(cast: Cast, how_many: int) -> None:
    for number in range(how_many):
        for section in SECTIONS:
            if section.single or section.key == "documents":
                continue
            first = section.fields[0].name
            values = {first: f"{section.noun} {number}"} if section.key != "notes" else {"text": f"note {number}"}
            add_entry(actor=cast.organiser, circle=cast.circle, section=section.key, **values)


def test_section_pages_cost_the_same_with_many_entries(cast, as_user, organiser, professional):
    organiser_client, professional_client = as_user(organiser), as_user(professional)
    _fill(cast, 2)
    urls = [reverse("records:section", args=[cast.circle.pk, s.key]) for s in SECTIONS]
    urls += [
        reverse("records:section_fragment", args=[cast.circle.pk, "notes"]),
        reverse("records:index", args=[cast.circle.pk]),
    ]
    urls += [reverse("records:essentials", args=[cast.circle.pk])]
    small = {url: (queries_for(organiser_client, url), queries_for(professional_client, url)) for url in urls}
    _fill(cast, 40)
    big = {url: (queries_for(organiser_client, url), queries_for(professional_client, url)) for url in urls}
    assert big == small


def test_history_costs_the_same_with_many_versions(cast, as_user, organiser):
    entry = add_entry(actor=cast.organiser, circle=cast.circle, section="medications", name="Metformin")
    url = reverse("records:entry_history", args=[cast.circle.pk, "medications", entry.pk])
    client = as_user(organiser)
    few = queries_for(client, url)
    for number in range(30):
        entry = entry_update(
            actor=organiser, entry=entry, values={"dose": f"{number} mg"}, expected_version=entry.version
        )
    assert queries_for(client, url) == few
    assert client.get(url).content.decode().count("Changed by") == 30


def test_the_access_log_costs_the_same_with_many_looks(cast, as_user, organiser, professional):
    url = reverse("records:access_log", args=[cast.circle.pk])
    client = as_user(organiser)
    record_view_log(circle=cast.circle, what="Medications", kind="professional", viewer=professional)
    few = queries_for(client, url)
    for _ in range(60):
        record_view_log(circle=cast.circle, what="Medications", kind="professional", viewer=professional)
    assert queries_for(client, url) == few


def test_the_home_page_stays_within_ten_queries_with_a_full_record(cast, as_user, organiser):
    _fill(cast, 10)
    add_entry(actor=cast.organiser, circle=cast.circle, section="about", what_matters="Garden")
    assert queries_for(as_user(organiser), reverse("circles:home", args=[cast.circle.pk])) <= 10


def test_sections_declare_their_title_field(cast):
    for section in SECTIONS:
        assert section.single or section.title_field in {f.name for f in section.fields}
    assert SECTION_BY_KEY["allergies"].capability == "records.read.health"

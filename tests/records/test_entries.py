"""Sections and entries: adding, changing with history, clashes, deleting with undo, audiences and consent."""

from __future__ import annotations

import uuid

from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.circles.permissions import effective_consent
from carecircle.circles.services import consent_update
from carecircle.realtime.models import CircleEvent
from carecircle.records.models import RecordEntry, RecordVersion
from tests.cast import Cast
from tests.circles.conftest import text_of


def _section(cast: Cast, key: str = "medications") -> str:
    return reverse("records:section", args=[cast.circle.pk, key])


def _add_url(cast: Cast, key: str = "medications") -> str:
    return reverse("records:entry_add", args=[cast.circle.pk, key])


def _edit_url(cast: Cast, entry: RecordEntry) -> str:
    return reverse("records:entry_edit", args=[cast.circle.pk, entry.section, entry.pk])


def _history_url(cast: Cast, entry: RecordEntry) -> str:
    return reverse("records:entry_history", args=[cast.circle.pk, entry.section, entry.pk])


def test_it_adds_a_medication_with_a_version_an_audit_row_and_a_live_event(cast, as_user, helper):
    response = as_user(helper).post(
        _add_url(cast),
        {"name": "Metformin", "strength": "500 mg", "schedule": "twice a day", "audience": "everyone"},
    )
    assert response.status_code == 302
    entry = RecordEntry.objects.get(circle=cast.circle, section="medications")
    assert entry.data["name"] == "Metformin"
    assert entry.data["stopped"] == ""
    assert [v.change for v in entry.versions.all()] == ["created"]
    assert AuditEntry.objects.filter(action="record.entry_created", actor=helper).exists()
    event = CircleEvent.objects.filter(circle=cast.circle, type="record.changed").latest("seq")
    assert set(event.as_message()) == {"type", "circle", "seq", "entry", "section"}
    assert "Metformin" not in str(event.as_message())
    assert "Metformin" in text_of(as_user(cast.person).get(_section(cast)))


def test_the_same_form_sent_twice_adds_one_entry(cast, as_user, organiser):
    form = {"name": "Metformin", "audience": "everyone", "client_id": str(uuid.uuid4())}
    client = as_user(organiser)
    client.post(_add_url(cast), form)
    client.post(_add_url(cast), form)
    assert RecordEntry.objects.filter(circle=cast.circle, section="medications").count() == 1


def test_a_missing_name_or_a_null_byte_is_a_clear_error_and_keeps_what_was_typed(cast, as_user, organiser):
    client = as_user(organiser)
    response = client.post(_add_url(cast), {"name": "", "strength": "5 mg", "audience": "everyone"})
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "Enter the medicine." in page
    assert 'value="5 mg"' in page
    response = client.post(_add_url(cast), {"name": "Bad\x00name", "audience": "everyone"})
    assert response.status_code == 400
    assert "null character" in text_of(response).lower()
    assert not RecordEntry.objects.exists()


def test_script_in_text_is_shown_as_text(cast, as_user, add, helper):
    add("conditions", name="<script>alert(1)</script>", notes="<img src=x onerror=alert(1)>")
    page = as_user(helper).get(_section(cast, "conditions")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_editing_keeps_every_version_with_a_readable_diff(cast, as_user, add, helper, organiser):
    entry = add("medications", name="Metformin", dose="1 tablet")
    response = as_user(helper).post(
        _edit_url(cast, entry), {"name": "Metformin", "dose": "2 tablets", "audience": "everyone", "version": 1}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2
    assert entry.data["dose"] == "2 tablets"
    versions = list(RecordVersion.objects.filter(entry=entry).order_by("number"))
    assert [(v.number, v.author_name, v.data["dose"]) for v in versions] == [
        (1, organiser.display_name, "1 tablet"),
        (2, helper.display_name, "2 tablets"),
    ]
    page = text_of(as_user(organiser).get(_history_url(cast, entry)))
    assert "Changed by Helper" in page
    assert "<del>1 tablet</del>" in page
    assert "<ins>2 tablets</ins>" in page


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(cast, as_user, add, helper, organiser):
    entry = add("medications", name="Metformin", dose="1 tablet")
    as_user(organiser).post(
        _edit_url(cast, entry), {"name": "Metformin", "dose": "2 tablets", "audience": "everyone", "version": 1}
    )
    stale = {"name": "Metformin", "dose": "half a tablet", "audience": "everyone", "version": 1}
    response = as_user(helper).post(_edit_url(cast, entry), stale)
    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else changed this" in page
    assert "2 tablets" in page
    assert "half a tablet" in page
    entry.refresh_from_db()
    assert entry.data["dose"] == "2 tablets"
    assert entry.version == 2
    # The form on the clash page carries the newer version: saving it is a deliberate choice.
    assert 'name="version" value="2"' in response.content.decode()
    response = as_user(helper).post(_edit_url(cast, entry), {**stale, "version": 2})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.data["dose"] == "half a tablet"
    assert entry.version == 3


def test_delete_is_soft_and_can_be_undone(cast, as_user, add, helper):
    entry = add("contacts", name="Riverside Surgery")
    client = as_user(helper)
    response = client.post(reverse("records:entry_delete", args=[cast.circle.pk, "contacts", entry.pk]))
    assert response.status_code == 302
    page = client.get(_section(cast, "contacts"))
    text = text_of(page)
    assert "Deleted Riverside Surgery" in text
    assert "Undo: restore" in text
    entry.refresh_from_db()
    assert entry.deleted_at is not None
    assert entry.version == 2
    client.post(reverse("records:entry_restore", args=[cast.circle.pk, "contacts", entry.pk]))
    entry.refresh_from_db()
    assert entry.deleted_at is None
    assert [v.change for v in entry.versions.order_by("number")] == ["created", "deleted", "restored"]


def test_contacts_can_be_called_and_emailed_with_one_tap(cast, as_user, add, helper):
    add("contacts", name="Riverside Surgery", phone="+442079460000", email="gp@example.org", role="gp")
    page = as_user(helper).get(_section(cast, "contacts")).content.decode()
    assert 'href="tel:+442079460000"' in page
    assert 'href="mailto:gp@example.org"' in page


def test_medicines_taken_now_and_stopped_are_listed_apart(cast, as_user, add, helper):
    add("medications", name="Metformin")
    add("medications", name="Warfarin", stopped="2024-01-10")
    page = text_of(as_user(helper).get(_section(cast)))
    taken, stopped = page.split("<h2>Stopped</h2>")
    assert "Metformin" in taken
    assert "Warfarin" not in taken
    assert "Warfarin" in stopped


def test_an_entry_for_organisers_only_is_hidden_from_others(cast, as_user, add, helper, person):
    entry = add("notes", audience="owners", text="Private worry about money")
    assert "Private worry" not in text_of(as_user(helper).get(_section(cast, "notes")))
    assert as_user(helper).get(_history_url(cast, entry)).status_code == 404
    assert "Private worry" in text_of(as_user(person).get(_section(cast, "notes")))


def test_consent_decides_who_reads_a_section(cast, as_user, add, helper, person):
    add("medications", name="Metformin")
    consent = effective_consent(cast.circle.consent)
    consent["helper"] = [key for key in consent["helper"] if key != "records.read.medications"]
    consent_update(actor=person, circle=cast.circle, grants=consent)
    assert as_user(helper).get(_section(cast)).status_code == 403
    assert as_user(helper).get(_section(cast, "allergies")).status_code == 200


def test_the_key_safe_code_is_only_for_organisers_and_the_person(cast, as_user, add, helper, organiser):
    entry = add("emergency", stand_ins="Raj, then Mrs Patel", key_safe="Key safe by the back door: 4321")
    assert "4321" not in text_of(as_user(helper).get(_section(cast, "emergency")))
    assert "4321" in text_of(as_user(organiser).get(_section(cast, "emergency")))
    edit_page = text_of(as_user(helper).get(_edit_url(cast, entry)))
    assert "Key safe" not in edit_page
    response = as_user(helper).post(
        _edit_url(cast, entry), {"stand_ins": "Raj only", "audience": "everyone", "version": 1}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.data["key_safe"] == "Key safe by the back door: 4321"
    assert entry.data["stand_ins"] == "Raj only"
    assert "4321" not in text_of(as_user(helper).get(_history_url(cast, entry)))
    assert "4321" in text_of(as_user(organiser).get(_history_url(cast, entry)))


def test_about_me_is_one_entry_that_is_changed_not_added_twice(cast, as_user, add, organiser):
    entry = add("about", what_matters="My garden")
    response = as_user(organiser).get(_add_url(cast, "about"))
    assert response.status_code == 302
    assert response["Location"] == _edit_url(cast, entry)


def test_unknown_sections_are_not_found(cast, as_user, organiser):
    assert as_user(organiser).get(_section(cast, "secrets")).status_code == 404


def test_the_home_page_summarises_the_record(cast, as_user, add, helper, well_wisher):
    add("medications", name="Metformin")
    add("medications", name="Aspirin")
    add("medications", name="Warfarin", stopped="2024-01-01")
    page = text_of(as_user(helper).get(reverse("circles:home", args=[cast.circle.pk])))
    assert "2 taken now" in page
    assert reverse("records:index", args=[cast.circle.pk]) in page
    assert "The shared record" not in text_of(as_user(well_wisher).get(reverse("circles:home", args=[cast.circle.pk])))


def test_the_activity_log_tells_what_happened_in_words(cast, as_user, add, organiser, helper):
    entry = add("medications", name="Metformin")
    as_user(helper).post(reverse("records:entry_delete", args=[cast.circle.pk, "medications", entry.pk]))
    page = text_of(as_user(organiser).get(reverse("audit:circle_log", args=[cast.circle.pk])))
    assert "Olivia Organiser added Metformin in medications" in page
    assert "Helper deleted Metformin in medications" in page


def test_two_people_filling_in_about_me_at_once_see_both_versions(cast, as_user, organiser, helper):
    add_url = _add_url(cast, "about")
    form_seen_by_helper = as_user(helper).get(add_url)
    assert form_seen_by_helper.status_code == 200
    as_user(organiser).post(add_url, {"what_matters": "His garden", "audience": "everyone"})
    response = as_user(helper).post(add_url, {"what_matters": "The cricket on the radio", "audience": "everyone"})
    assert response.status_code == 409
    page = text_of(response)
    assert "His garden" in page
    assert "The cricket on the radio" in page
    assert RecordEntry.objects.get(section="about").data["what_matters"] == "His garden"


def test_a_clash_never_shows_a_version_the_second_editor_may_not_see(cast, as_user, add, organiser, helper):
    add("about", audience="owners", what_matters="Worried about the bills")
    assert as_user(helper).get(_add_url(cast, "about")).status_code == 200  # they can't see it exists
    response = as_user(helper).post(_add_url(cast, "about"), {"what_matters": "The cricket", "audience": "everyone"})
    assert response.status_code == 409
    page = text_of(response)
    assert "bills" not in page
    assert "The cricket" in page
    assert "Save my version" not in page


def test_an_entry_moved_out_of_the_editors_audience_is_not_found(cast, as_user, add, organiser, helper):
    entry = add("notes", text="Slept well")
    as_user(organiser).post(
        _edit_url(cast, entry), {"text": "Worried about the bills", "audience": "owners", "version": 1}
    )
    response = as_user(helper).post(
        _edit_url(cast, entry), {"text": "Slept well", "audience": "everyone", "version": 1}
    )
    assert response.status_code == 404
    assert "bills" not in text_of(response)

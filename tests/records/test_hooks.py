"""What other apps plug into: the emergency plan check, extra daily-note items, and things under each entry."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.circles import registries
from carecircle.circles.registries import NoteItem, NoteReader
from carecircle.records import selectors
from tests.circles.conftest import text_of


@pytest.fixture
def visit_log() -> Iterator[None]:
    def visits(reader: NoteReader) -> list[NoteItem]:
        when = timezone.now() - datetime.timedelta(hours=2)
        return [NoteItem(when=when, title="Morning visit", text="Helped with breakfast", author_name="Ana (carer)")]

    registries.register_note_provider(visits)
    yield
    registries.NOTE_PROVIDERS.remove(visits)


def test_it_says_whether_there_is_an_emergency_plan(cast, add, organiser):
    assert not selectors.has_emergency_plan(circle=cast.circle)
    assert registries.emergency_plan_path(cast.circle) is None
    add("emergency", stand_ins="Raj")
    assert selectors.has_emergency_plan(circle=cast.circle.pk)
    assert reverse("records:section", args=[cast.circle.pk, "emergency"]).endswith("/record/emergency/")
    # Other apps (tasks' "I can't cover") find it through the registry records fills at start-up.
    assert registries.emergency_plan_path(cast.circle) == f"/circles/{cast.circle.pk}/record/emergency/"


def test_visit_logs_from_another_app_appear_in_daily_notes(cast, as_user, add, helper, visit_log):
    add("notes", text="Quiet afternoon")
    page = text_of(as_user(helper).get(reverse("records:section", args=[cast.circle.pk, "notes"])))
    assert "Visits by paid carers" in page
    assert "Morning visit" in page
    assert "Helped with breakfast" in page
    assert "Ana (carer)" in page
    assert "Quiet afternoon" in page

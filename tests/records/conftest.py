"""Fixtures for the record: entries made through the services, and a quick way to add many."""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.cast import Cast


def add_entry(*, actor: User, circle: Circle, section: str, audience: str = "everyone", **values: str) -> RecordEntry:
    return entry_create(actor=actor, circle=circle, section=SECTION_BY_KEY[section], values=values, audience=audience)


@pytest.fixture
def add(cast: Cast, django_capture_on_commit_callbacks: Any) -> Any:
    """add("medications", name="Metformin") → an entry made by the organiser."""

    def make(section: str, *, actor: User | None = None, audience: str = "everyone", **values: str) -> RecordEntry:
        with django_capture_on_commit_callbacks(execute=True):
            return add_entry(
                actor=actor or cast.organiser, circle=cast.circle, section=section, audience=audience, **values
            )

    return make

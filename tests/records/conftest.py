"""Fixtures for the record: entries made through the services, and a quick way to add many."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.records import exports
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.cast import Cast


def add_entry(*, actor: User, circle: Circle, section: str, audience: str = "everyone", **values: str) -> RecordEntry:
    return entry_create(actor=actor, circle=circle, section=SECTION_BY_KEY[section], values=values, audience=audience)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML of every PDF drawn, without WeasyPrint; each PDF's body is the HTML it was drawn from."""
    pages: list[str] = []

    def stand_in(_html_class: Any, html: str) -> bytes:
        pages.append(html)
        return html.encode()

    monkeypatch.setattr(exports, "_pdf_of", stand_in)
    return pages


@pytest.fixture
def add(cast: Cast, django_capture_on_commit_callbacks: Any) -> Any:
    """add("medications", name="Metformin") → an entry made by the organiser."""

    def make(section: str, *, actor: User | None = None, audience: str = "everyone", **values: str) -> RecordEntry:
        with django_capture_on_commit_callbacks(execute=True):
            return add_entry(
                actor=actor or cast.organiser, circle=cast.circle, section=section, audience=audience, **values
            )

    return make


def pdf_download(client: Client, url: str) -> Any:
    """The summary PDF as a reader gets it: asked for, drawn by the worker, asked for again.

    The first answer is "being prepared" (202) unless a PDF for the reader's position is already
    drawn; the job is queued after the request's commit and run here (tests run tasks at once).
    """
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = client.get(url)
    if first.status_code != 202:
        return first
    assert b"data-pdf-wait=" in first.content or first["Content-Type"] == "application/json"
    return client.get(url)

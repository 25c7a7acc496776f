"""Any member downloads everything about themselves, across circles, as one streamed zip."""

from __future__ import annotations

import io
import json
import zipfile

from django.test import Client
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from tests.privacy.conftest import demo_user


def download(user) -> zipfile.ZipFile:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("accounts:your_data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]


def test_the_download_holds_the_persons_details_circles_help_messages_and_activity(demo):
    son = demo_user("helper")

    archive = download(son)

    names = set(archive.namelist())
    for expected in (
        "README.txt",
        "account/your-details.json",
        "circles/your-circles.csv",
        "help/what-you-said-youd-do.csv",
        "conversations/messages-you-wrote.json",
        "record/what-you-wrote.json",
        "activity-about-you.csv",
        "messages-we-sent-you.csv",
    ):
        assert expected in names
    details = json.loads(archive.read("account/your-details.json"))
    assert details["email"] == son.email
    assert "Dad" in archive.read("circles/your-circles.csv").decode()
    messages = json.loads(archive.read("conversations/messages-you-wrote.json"))
    assert messages, "the demo son wrote messages"
    assert AuditEntry.objects.filter(action="account.data_downloaded", actor=son).exists()


def test_the_download_holds_nothing_secret_and_nothing_of_other_people(demo):
    son = demo_user("helper")
    archive = download(son)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode(errors="replace")

    assert son.password not in everything
    assert "secret_hash" not in everything
    messages = json.loads(archive.read("conversations/messages-you-wrote.json"))
    from carecircle.conversations.models import Message

    assert {item["id"] for item in messages} == set(Message.objects.filter(author=son).values_list("id", flat=True))


def test_downloading_needs_a_recent_confirmation(demo):
    import datetime

    import time_machine
    from django.utils import timezone

    client = Client()
    client.force_login(demo_user("helper"))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11), tick=False):
        response = client.get(reverse("accounts:your_data_download"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:step_up"))

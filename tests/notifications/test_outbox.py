"""/dev/outbox/: the emails and texts "sent" on a developer's computer, readable only with DEBUG on."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from carecircle.circles.models import InvitationChannel, Role
from carecircle.circles.services import invitation_create
from carecircle.notifications.models import Channel, OutboxMessage
from carecircle.notifications.views import link_site_urls

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.SITE_URL = SITE


def test_it_is_404_with_debug_off(client, db, settings):
    OutboxMessage.objects.create(channel=Channel.EMAIL, to="someone@example.org", subject="Secret", body="Reset: x")
    assert settings.DEBUG is False  # pytest runs with DEBUG off, like production

    response = client.get("/dev/outbox/")

    assert response.status_code == 404
    assert b"Reset: x" not in response.content


def test_it_lists_messages_newest_first_with_their_text(client, db, debug):
    now = timezone.now()
    OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        to="older@example.org",
        subject="The older one",
        body="First message",
        created_at=now - datetime.timedelta(minutes=5),
    )
    OutboxMessage.objects.create(channel=Channel.SMS, to="+447700900123", body="Second message", created_at=now)

    response = client.get("/dev/outbox/")

    assert response.status_code == 200
    text = response.content.decode()
    assert text.index("Second message") < text.index("First message")
    assert "Text message to +447700900123" in text
    assert "Email to older@example.org" in text
    assert "Subject: The older one" in text


def test_it_says_so_when_there_is_nothing_yet(client, db, debug):
    assert b"No messages yet" in client.get("/dev/outbox/").content


def test_an_invitation_email_arrives_with_a_link_to_open(
    client, cast, debug, settings, django_capture_on_commit_callbacks
):
    # The test runner swaps every mailer for its in-memory one; this is the one-box default.
    settings.MAILERS = {"default": {"BACKEND": "carecircle.notifications.outbox.OutboxEmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _, token = invitation_create(
            actor=cast.organiser,
            circle=cast.circle,
            role=Role.HELPER,
            channel=InvitationChannel.EMAIL,
            email="brother@example.org",
        )

    text = client.get("/dev/outbox/").content.decode()

    assert "Email to brother@example.org" in text
    assert f'<a href="{SITE}/join/{token}/">{SITE}/join/{token}/</a>' in text


def test_only_links_to_this_site_are_clickable_and_everything_is_escaped(client, db, debug):
    OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        to="someone@example.org",
        body=f'Open {SITE}/join/abc/. Not https://evil.example/x or <script>alert("hi")</script>',
    )

    text = client.get("/dev/outbox/").content.decode()

    assert f'<a href="{SITE}/join/abc/">' in text
    assert "evil.example/x" in text
    assert 'href="https://evil.example' not in text
    assert "&lt;script&gt;" in text
    assert "<script>alert" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"Join: {SITE}/join/t0k3n/ (until Tue)",
            f'Join: <a href="{SITE}/join/t0k3n/">{SITE}/join/t0k3n/</a> (until Tue)',
        ),
        (f"See {SITE}.", f'See <a href="{SITE}">{SITE}</a>.'),
        (f"{SITE}/a?b=1&c=2", f'<a href="{SITE}/a?b=1&amp;c=2">{SITE}/a?b=1&amp;c=2</a>'),
        (f"{SITE}.evil.example/join/", f"{SITE}.evil.example/join/"),
        (f"{SITE}@evil.example/", f"{SITE}@evil.example/"),
        (f"{SITE}0/join/", f"{SITE}0/join/"),
        ("https://127.0.0.1:8000/join/", "https://127.0.0.1:8000/join/"),
        ('a "quote" & <b>', "a &quot;quote&quot; &amp; &lt;b&gt;"),
    ],
)
def test_link_site_urls(settings, text, expected):
    settings.SITE_URL = SITE

    assert link_site_urls(text) == expected

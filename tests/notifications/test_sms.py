"""The one-box text-message backend: it logs each text without invitation tokens, and keeps it whole."""

from __future__ import annotations

import logging

from django.urls import reverse

from carecircle.circles.models import InvitationChannel, Role
from carecircle.circles.services import invitation_create
from carecircle.lib.redaction import redact_secrets
from carecircle.notifications.models import Channel, OutboxMessage
from carecircle.notifications.sms import OutboxSmsBackend

MOBILE = "+447700900123"


def test_an_invitation_text_is_logged_without_its_token_but_kept_whole_in_the_outbox(
    cast, organiser, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="carecircle.sms"), django_capture_on_commit_callbacks(execute=True):
        _, token = invitation_create(
            actor=organiser, circle=cast.circle, role=Role.HELPER, channel=InvitationChannel.SMS, phone=MOBILE
        )
    assert token

    [record] = [record for record in caplog.records if record.name == "carecircle.sms"]
    logged = record.getMessage()
    assert token not in logged
    assert "/join/…/" in logged
    assert logged.startswith(f"Text message to {MOBILE}: Olivia Organiser invites you to help look after Dad")
    [row] = OutboxMessage.objects.filter(channel=Channel.SMS, to=MOBILE)
    assert reverse("circles:invitation", kwargs={"token": token}) in row.body


def test_a_text_without_a_link_is_logged_as_it_is(db, caplog):
    with caplog.at_level(logging.INFO, logger="carecircle.sms"):
        OutboxSmsBackend().send(to=MOBILE, body="Dad's visit at 3pm is covered by Helper.")

    assert caplog.records[-1].getMessage() == f"Text message to {MOBILE}: Dad's visit at 3pm is covered by Helper."
    assert OutboxMessage.objects.get(to=MOBILE).body == "Dad's visit at 3pm is covered by Helper."


def test_every_token_in_a_text_is_redacted():
    body = "Join: https://care.example/join/abc_DEF-123/ or http://x/join/Zz9/ (until 3 Mar)"

    assert redact_secrets(body) == "Join: https://care.example/join/…/ or http://x/join/…/ (until 3 Mar)"

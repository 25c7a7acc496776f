"""The referrer is told: an email when the referral is accepted, declined or closed, and a private status page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from carecircle.notifications.models import Delivery
from carecircle.orgs.referral_services import referral_assign, referral_move
from tests.orgs.conftest import Org, make_referral, text


def _link(body: str) -> str:
    found = re.search(r"/referral-status/[^/\s]+/", body)
    assert found is not None
    return found.group(0)


def test_the_referrer_hears_when_it_is_accepted_and_when_it_closes_with_the_outcome(
    org: Org, coordinator_access: Any
) -> None:
    referral = make_referral(org.organisation, referrer_email="dr.patel@surgery.example.org")
    referral_move(access=coordinator_access, referral=referral, to="triaged")
    assert not Delivery.objects.filter(to="dr.patel@surgery.example.org").exists()
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    accepted = Delivery.objects.get(to="dr.patel@surgery.example.org")
    assert "accepted" in accepted.subject
    page = text(Client().get(_link(accepted.body)))
    assert "has accepted this referral" in page
    assert "Mary Jones" not in page
    referral = referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
    referral_move(access=coordinator_access, referral=referral, to="active")
    referral_move(
        access=coordinator_access, referral=referral, to="closed", outcome="supported", note="Goes to lunch club."
    )
    closed = Delivery.objects.filter(to="dr.patel@surgery.example.org").latest("pk")
    assert "Outcome: Supported, needs met. Goes to lunch club." in closed.body
    assert "Goes to lunch club." in text(Client().get(_link(closed.body)))


def test_a_declined_referral_tells_the_referrer_why(org: Org, coordinator_access: Any) -> None:
    referral = make_referral(org.organisation, referrer_email="sw@council.example.org")
    referral_move(access=coordinator_access, referral=referral, to="declined", reason="Outside our area.")
    notice = Delivery.objects.get(to="sw@council.example.org")
    assert "Outside our area." in notice.body


def test_a_forged_status_link_shows_nothing(org: Org) -> None:
    response = Client().get("/referral-status/not-a-real-link/")
    assert response.status_code == 404
    assert "isn't recognised" in text(response)


def test_the_referrers_email_is_a_row_sent_by_the_worker_after_commit_and_never_for_a_rolled_back_change(
    org: Org, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = make_referral(org.organisation, referrer_email="dr.patel@surgery.example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        referral_move(access=coordinator_access, referral=referral, to="accepted")
    [row] = Delivery.objects.filter(to="dr.patel@surgery.example.org")
    # Queued in the change's transaction; nothing went out while it was open.
    assert (row.status, len(mail.outbox)) == ("queued", 0)
    assert after_commit
    for callback in after_commit:
        callback()
    row.refresh_from_db()
    assert row.status == "sent"
    assert [message.to for message in mail.outbox] == [["dr.patel@surgery.example.org"]]

    declined = make_referral(org.organisation, person_name="Tom Hughes", referrer_email="nurse@surgery.example.org")

    def declined_then_failed() -> None:
        with transaction.atomic():
            referral_move(access=coordinator_access, referral=declined, to="declined", reason="Outside our area.")
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        declined_then_failed()
    assert not Delivery.objects.filter(to="nurse@surgery.example.org").exists()

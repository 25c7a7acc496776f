"""Closing the loop with the referrer: a private status page, and a notice when a referral is accepted,
declined or closed.

The status page's address is signed (no account needed, nothing stored); it shows the reference,
the state and the outcome message, never the person's details, so a forwarded link tells little.
Every notice to a referrer goes through `referrer_notify`, the one place that sends them, so it can
move to the notifications service's notify() when that lands.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from carecircle.lib import hooks
from carecircle.orgs.models import Outcome, Referral, ReferralStatus

SALT = "orgs.referrer_status"
# A year: long enough for any referral to run its course.
STATUS_LINK_SECONDS = 365 * 24 * 60 * 60


def status_token(referral: Referral) -> str:
    return signing.dumps(referral.pk, salt=SALT)


def status_url(referral: Referral) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("orgs:referral_status", kwargs={"token": status_token(referral)})


def referral_from_token(token: str) -> Referral | None:
    try:
        referral_id = signing.loads(token, salt=SALT, max_age=STATUS_LINK_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(referral_id, int):
        return None
    return Referral.objects.select_related("organisation").filter(pk=referral_id).first()


def status_sentence(referral: Referral) -> str:
    """What the referrer reads about where the referral is."""
    name = referral.organisation.name
    if referral.status == ReferralStatus.DECLINED:
        return f"{name} can't take this referral on. Their reason: {referral.decline_reason}"
    if referral.status == ReferralStatus.CLOSED:
        outcome = Outcome(referral.outcome).label if referral.outcome in Outcome.values else "Closed"
        note = f" {referral.outcome_note}" if referral.outcome_note else ""
        return f"{name} has finished working on this referral. Outcome: {outcome}.{note}"
    if referral.status in {ReferralStatus.ACCEPTED, ReferralStatus.ASSIGNED, ReferralStatus.ACTIVE}:
        return f"{name} has accepted this referral and is working with the person."
    return f"{name} has received this referral and will look at it soon."


def referrer_notify(referral: Referral) -> None:
    """Tell the referrer the referral was accepted, declined or closed (queued in the caller's transaction)."""
    if not referral.referrer_email or referral.status not in {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    }:
        return
    what = {
        ReferralStatus.ACCEPTED: "accepted",
        ReferralStatus.DECLINED: "declined",
        ReferralStatus.CLOSED: "closed",
    }[ReferralStatus(referral.status)]
    hooks.delivery_enqueue(
        channel="email",
        to=referral.referrer_email,
        subject=f"Your referral {referral.reference} to {referral.organisation.name} is {what}",
        body=(
            f"{status_sentence(referral)}\n\nSee where it is at any time (keep this link private):\n"
            f"{status_url(referral)}\n\nYou get this email because you referred someone to "
            f"{referral.organisation.name} through CareCircle."
        ),
        idempotency_key=f"orgs.referrer.{referral.pk}.{what}",
    )

"""Closing the loop with the referrer: a private status page, and a notice when a referral is accepted,
declined or closed.

The status page's address is signed (no account needed, nothing stored); it shows the reference,
the state and the outcome message, never the person's details, so a forwarded link tells little.
Every notice to a referrer goes through `referrer_notify`, the one place that sends them: an email
to the address given on the referral, queued as a delivery row in the change's transaction and sent
by the worker after commit. Not notify(): the referrer is usually not a CareCircle member, and one
who is gave this address for this referral, so member preferences don't decide it
(docs/architecture/organisations.md, "Closing the loop with the referrer").
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext

from carecircle.lib import hooks
from carecircle.orgs.languages import in_language_of_referrer
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
    """What the referrer reads about where the referral is, in the active language."""
    name = referral.organisation.name
    if referral.status == ReferralStatus.DECLINED:
        return gettext("%(organisation)s can't take this referral on. Their reason: %(reason)s") % {
            "organisation": name,
            "reason": referral.decline_reason,
        }
    if referral.status == ReferralStatus.CLOSED:
        outcome = Outcome(referral.outcome).label if referral.outcome in Outcome.values else ReferralStatus.CLOSED.label
        finished = gettext("%(organisation)s has finished working on this referral. Outcome: %(outcome)s.") % {
            "organisation": name,
            "outcome": outcome,
        }
        return f"{finished} {referral.outcome_note}" if referral.outcome_note else finished
    if referral.status in {ReferralStatus.ACCEPTED, ReferralStatus.ASSIGNED, ReferralStatus.ACTIVE}:
        return gettext("%(organisation)s has accepted this referral and is working with the person.") % {
            "organisation": name
        }
    return gettext("%(organisation)s has received this referral and will look at it soon.") % {"organisation": name}


def referrer_notify(referral: Referral) -> None:
    """Tell the referrer the referral was accepted, declined or closed (queued in the caller's transaction)."""
    if not referral.referrer_email or referral.status not in {
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.CLOSED,
    }:
        return
    what = str(referral.status)
    # The language the referrer used (the form's, the API's `language`, or staff's choice); never the
    # language of the staff member acting. Referrals from before it was kept: their account's, else English.
    with in_language_of_referrer(referral):
        names = {"reference": referral.reference, "organisation": referral.organisation.name}
        subject = {
            ReferralStatus.ACCEPTED: gettext("Your referral %(reference)s to %(organisation)s is accepted"),
            ReferralStatus.DECLINED: gettext("Your referral %(reference)s to %(organisation)s is declined"),
            ReferralStatus.CLOSED: gettext("Your referral %(reference)s to %(organisation)s is closed"),
        }[ReferralStatus(referral.status)] % names
        body = gettext(
            "%(sentence)s\n\nSee where it is at any time (keep this link private):\n%(link)s\n\n"
            "You get this email because you referred someone to %(organisation)s through CareCircle."
        ) % {"sentence": status_sentence(referral), "link": status_url(referral), **names}
    hooks.delivery_enqueue(
        channel="email",
        to=referral.referrer_email,
        subject=subject,
        body=body,
        idempotency_key=f"orgs.referrer.{referral.pk}.{what}",
    )

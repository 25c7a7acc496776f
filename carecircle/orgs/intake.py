"""Spam protection for the public referral form, with no third party: a honeypot, a signed time, a rate limit.

- The honeypot is a field people never see (hidden by CSS, out of the tab order, labelled "leave
  empty"); bots that fill every field fill it too, and their post is thanked but not kept.
- The form carries the time it was shown, signed with SECRET_KEY: a post without it, with a forged
  one, one sent within a few seconds of the page (no person types a referral that fast) or one from
  a form left open for hours is shown again with what was typed, to check and send.
- Each address may send a few referrals an hour (ORGS_INTAKE_PER_HOUR).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.lib import ratelimit

SALT = "orgs.intake"
HONEYPOT = "website"
FASTEST_SECONDS = 3
OLDEST_SECONDS = 4 * 60 * 60
WINDOW_SECONDS = 60 * 60


class FormRefused(Exception):
    """The post is not accepted as it is; the message says what to do."""


def form_stamp(organisation_id: int) -> str:
    return signing.dumps({"o": organisation_id, "t": timezone.now().timestamp()}, salt=SALT)


def check_stamp(stamp: str, organisation_id: int) -> None:
    """Raise FormRefused unless the stamp is ours, for this organisation, and neither too new nor too old."""
    try:
        value = signing.loads(stamp or "", salt=SALT)
    except signing.BadSignature:
        raise FormRefused(gettext("This form couldn't be checked. Check your answers and send it again.")) from None
    if not isinstance(value, dict) or value.get("o") != organisation_id or not isinstance(value.get("t"), int | float):
        raise FormRefused(gettext("This form couldn't be checked. Check your answers and send it again."))
    age = timezone.now().timestamp() - value["t"]
    if age < int(getattr(settings, "ORGS_INTAKE_FASTEST_SECONDS", FASTEST_SECONDS)):
        raise FormRefused(gettext("That was sent very quickly. Check your answers and send it again."))
    if age > OLDEST_SECONDS:
        raise FormRefused(gettext("This form was open for a long time. Check your answers and send it again."))


def over_rate_limit(address: str) -> bool:
    limit = int(getattr(settings, "ORGS_INTAKE_PER_HOUR", 10))
    return ratelimit.hit("orgs.intake", address or "unknown", window_seconds=WINDOW_SECONDS) > limit


def retry_after_seconds() -> int:
    return ratelimit.seconds_left(window_seconds=WINDOW_SECONDS)

"""Which language an organisation's email is written in: its recipient's, where CareCircle knows it.

Staff write in their own language, but what they cause to be sent (an invitation, a notice to a
referrer, a request to a family) goes to someone else. docs/architecture/i18n.md explains the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation

from carecircle.accounts.emails import reader_language

if TYPE_CHECKING:
    from carecircle.accounts.models import User
    from carecircle.orgs.models import Referral


def address_language(email: str, *, otherwise: User | None = None) -> str:
    """The language of the account with this address; else `otherwise`'s; else English."""
    from carecircle.accounts.models import User

    reader = User.objects.filter(email__iexact=email.strip(), is_active=True).first() if email.strip() else None
    if reader is not None:
        return reader_language(reader)
    return reader_language(otherwise) if otherwise is not None else settings.LANGUAGE_CODE


def in_language_of_address(email: str, *, otherwise: User | None = None) -> translation.override:
    """Write an email to this address inside this, so it is in the recipient's language."""
    return translation.override(address_language(email, otherwise=otherwise))


def site_language(code: str) -> str:
    """The language of settings.LANGUAGES this code means ("cy-GB" → "cy", "en" → "en-gb"); else ""."""
    try:
        found = translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return ""
    return found if found in dict(settings.LANGUAGES) else ""


def referrer_language(referral: Referral) -> str:
    """The language the referrer used for this referral; if nobody said, their account's language, else the site's."""
    if referral.referrer_language in dict(settings.LANGUAGES):
        return referral.referrer_language
    return address_language(referral.referrer_email)


def in_language_of_referrer(referral: Referral) -> translation.override:
    """Write a notice to the referrer inside this, so it is in the language they referred in."""
    return translation.override(referrer_language(referral))

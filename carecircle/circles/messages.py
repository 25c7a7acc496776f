"""The words of invitation messages: who invites you, to help whom, and what CareCircle is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import formats

from carecircle.circles.models import Invitation, role_noun

if TYPE_CHECKING:
    from carecircle.accounts.models import User


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("circles:invitation", kwargs={"token": token})


def _expiry(invitation: Invitation) -> str:
    return formats.date_format(invitation.expires_at, "l j F")


def invitation_email(*, invitation: Invitation, inviter: User, token: str) -> tuple[str, str]:
    person = invitation.circle.person_name
    subject = f"{inviter.display_name} invited you to help look after {person}"
    greeting = f"Hello {invitation.name}," if invitation.name else "Hello,"
    note = f'\n{inviter.display_name} wrote: "{invitation.note}"\n' if invitation.note else ""
    who = f"{inviter.display_name} ({inviter.email})" if inviter.email else inviter.display_name
    body = f"""{greeting}

{who} has invited you to join the people helping {person},
as {role_noun(invitation.role)}.
{note}
CareCircle is a free, private website where family, friends, neighbours and carers organise help
for someone together: who's visiting when, lifts and meals, news, and the things everyone needs to know.
Only the people in {person}'s circle can see what's in it.

To join, open this link (it works once, until {_expiry(invitation)}):
{invitation_url(token)}

If you weren't expecting this, you can ignore this email. Nothing happens unless you open the link.

CareCircle
"""
    return subject, body


def invitation_sms(*, invitation: Invitation, inviter: User, token: str) -> str:
    return (
        f"{inviter.display_name} invites you to help look after {invitation.circle.person_name} on "
        f"CareCircle, a private site where family and friends organise help. "
        f"Join: {invitation_url(token)} (until {formats.date_format(invitation.expires_at, 'j M')}). "
        f"Not expecting this? Ignore it."
    )

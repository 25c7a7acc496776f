"""The words of invitation messages: who invites you, to help whom, and what CareCircle is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext

from carecircle.accounts.emails import reader_language
from carecircle.circles.models import Invitation, role_noun
from carecircle.lib.date_words import short_date

if TYPE_CHECKING:
    from carecircle.accounts.models import User


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("circles:invitation", kwargs={"token": token})


def _expiry(invitation: Invitation) -> str:
    return formats.date_format(invitation.expires_at, "l j E")


def invitation_language(*, invitation: Invitation, inviter: User) -> str:
    """The language an invitation is written in: the invitee's, if they already have an account, else the inviter's."""
    from carecircle.accounts.models import User

    invitee = None
    if invitation.email:
        invitee = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    elif invitation.phone:
        invitee = User.objects.filter(phone=invitation.phone, is_active=True).first()
    return reader_language(invitee if invitee is not None else inviter)


def invitation_email(*, invitation: Invitation, inviter: User, token: str) -> tuple[str, str]:
    """The subject and body, in the invitee's language (invitation_language)."""
    with translation.override(invitation_language(invitation=invitation, inviter=inviter)):
        return _invitation_email(invitation=invitation, inviter=inviter, token=token)


def _invitation_email(*, invitation: Invitation, inviter: User, token: str) -> tuple[str, str]:
    person = invitation.circle.person_name
    inviter_name = inviter.display_name
    subject = gettext("%(inviter)s invited you to help look after %(person)s") % {
        "inviter": inviter_name,
        "person": person,
    }
    greeting = gettext("Hello %(name)s,") % {"name": invitation.name} if invitation.name else gettext("Hello,")
    note = (
        "\n" + gettext('%(inviter)s wrote: "%(note)s"') % {"inviter": inviter_name, "note": invitation.note} + "\n"
        if invitation.note
        else ""
    )
    who = f"{inviter_name} ({inviter.email})" if inviter.email else inviter_name
    body = gettext(
        "%(greeting)s\n\n"
        "%(who)s has invited you to join the people helping %(person)s,\n"
        "as %(role)s.\n"
        "%(note)s\n"
        "CareCircle is a free, private website where family, friends, neighbours and carers organise help\n"
        "for someone together: who's visiting when, lifts and meals, news, and the things everyone needs to know.\n"
        "Only the people in %(person)s's circle can see what's in it.\n\n"
        "To join, open this link (it works once, until %(until)s):\n"
        "%(link)s\n\n"
        "If you weren't expecting this, you can ignore this email. Nothing happens unless you open the link.\n\n"
        "CareCircle\n"
    ) % {
        "greeting": greeting,
        "who": who,
        "person": person,
        "role": role_noun(invitation.role),
        "note": note,
        "until": _expiry(invitation),
        "link": invitation_url(token),
    }
    return subject, body


def invitation_sms(*, invitation: Invitation, inviter: User, token: str) -> str:
    with translation.override(invitation_language(invitation=invitation, inviter=inviter)):
        return gettext(
            "%(inviter)s invites you to help look after %(person)s on CareCircle, a private site where family and "
            "friends organise help. Join: %(link)s (until %(until)s). Not expecting this? Ignore it."
        ) % {
            "inviter": inviter.display_name,
            "person": invitation.circle.person_name,
            "link": invitation_url(token),
            "until": short_date(invitation.expires_at, "j M"),
        }

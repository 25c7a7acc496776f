"""The emails accounts sends. Each goes through the delivery queue, so it is a row first."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from carecircle.accounts.devices import device_description
from carecircle.accounts.models import User
from carecircle.accounts.verification import verification_token_make
from carecircle.lib.date_words import short_date
from carecircle.lib.hooks import delivery_enqueue


def _count_of(unit: str, count: int) -> str:
    if unit == "day":
        words = ngettext("%(count)s day", "%(count)s days", count)
    elif unit == "hour":
        words = ngettext("%(count)s hour", "%(count)s hours", count)
    else:
        words = ngettext("%(count)s minute", "%(count)s minutes", count)
    return words % {"count": count}


def duration_words(seconds: int) -> str:
    """A duration as a person would say it, in the active language: "7 days", "3 hours", "1 minute"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return _count_of(unit, seconds // size)
    return _count_of("minute", max(1, round(seconds / 60)))


def reader_language(user: User | None) -> str:
    """The language someone reads: the one on their profile, if CareCircle still speaks it, else English."""
    if user is not None and user.language in dict(settings.LANGUAGES):
        return user.language
    return settings.LANGUAGE_CODE


def in_language_of(user: User | None) -> translation.override:
    """Write an email or text inside this, so it is in the recipient's language, not the sender's."""
    return translation.override(reader_language(user))


def _absolute(path: str) -> str:
    # SITE_URL, not the request's Host header, so a forged header cannot redirect the link.
    return f"{settings.SITE_URL}{path}"


def _unique_key(kind: str, user: User) -> str:
    # Every request is a new email on purpose; the key only stops one request sending twice.
    return f"accounts:{kind}:{user.pk}:{uuid.uuid4().hex}"


def verification_email_send(*, user: User) -> None:
    """Queue an email with a link that confirms the account's email address."""
    if not user.email:  # An account made by text has no address to write to.
        return
    link = _absolute(reverse("accounts:verify_email", kwargs={"token": verification_token_make(user=user)}))
    with in_language_of(user):
        subject = gettext("Confirm your email address for CareCircle")
        body = gettext(
            "Hello %(name)s,\n\n"
            "Thank you for joining CareCircle. Please confirm that this is your email address "
            "by opening this link:\n\n"
            "%(link)s\n\n"
            "The link works for %(duration)s. If it has run out, "
            'sign in and choose "Send a new link" on your account page.\n\n'
            "If you didn't create a CareCircle account, you can ignore this email.\n"
        ) % {"name": user.display_name, "link": link, "duration": duration_words(settings.EMAIL_VERIFICATION_MAX_AGE)}
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject=subject,
        body=body,
        idempotency_key=_unique_key("verify-email", user),
    )


def password_reset_email_send(*, user: User, uidb64: str, token: str) -> None:
    """Queue an email with a one-use link for choosing a new password."""
    if not user.email:  # An account made by text has no address to write to.
        return
    link = _absolute(reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}))
    with in_language_of(user):
        subject = gettext("Reset your CareCircle password")
        body = gettext(
            "Hello %(name)s,\n\n"
            "Someone asked to reset the password for your CareCircle account. "
            "To choose a new password, open this link:\n\n"
            "%(link)s\n\n"
            "The link works once, for %(duration)s.\n\n"
            "If you didn't ask for this, you can ignore this email. Your password has not changed.\n"
        ) % {"name": user.display_name, "link": link, "duration": duration_words(settings.PASSWORD_RESET_TIMEOUT)}
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject=subject,
        body=body,
        idempotency_key=_unique_key("password-reset", user),
    )


def new_sign_in_email_send(*, user: User, user_agent: str, address: str | None, when: datetime.datetime) -> None:
    """Tell the account's owner about a sign-in from a device that wasn't signed in, so a stranger is noticed."""
    if not user.email:  # An account made by text has no address to write to.
        return
    link = _absolute(reverse("accounts:sessions"))
    with in_language_of(user):
        words = {
            "device": device_description(user_agent),
            "address": address,
            "when": short_date(when, "D j M Y, H:i T"),
        }
        if address:
            signed_in = gettext(
                "Your CareCircle account was signed in on %(device)s from the network address %(address)s at %(when)s."
            )
        else:
            signed_in = gettext("Your CareCircle account was signed in on %(device)s at %(when)s.")
        subject = gettext("New sign-in to your CareCircle account")
        body = gettext(
            "Hello %(name)s,\n\n"
            "%(signed_in)s\n\n"
            "If this was you, there's nothing to do.\n\n"
            "If it wasn't you, change your password now and sign out everywhere else:\n\n"
            "%(link)s\n"
        ) % {"name": user.display_name, "signed_in": signed_in % words, "link": link}
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject=subject,
        body=body,
        idempotency_key=_unique_key("new-sign-in", user),
    )

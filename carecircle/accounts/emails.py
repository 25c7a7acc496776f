"""The emails accounts sends. Each goes through the delivery queue, so it is a row first."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.accounts.verification import verification_token_make
from carecircle.lib.hooks import delivery_enqueue


def duration_words(seconds: int) -> str:
    """A duration as a person would say it: "7 days", "3 hours", "1 minute"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


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
    body = (
        f"Hello {user.display_name},\n\n"
        "Thank you for joining CareCircle. Please confirm that this is your email address "
        "by opening this link:\n\n"
        f"{link}\n\n"
        f"The link works for {duration_words(settings.EMAIL_VERIFICATION_MAX_AGE)}. If it has run out, "
        'sign in and choose "Send a new link" on your account page.\n\n'
        "If you didn't create a CareCircle account, you can ignore this email.\n"
    )
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject="Confirm your email address for CareCircle",
        body=body,
        idempotency_key=_unique_key("verify-email", user),
    )


def password_reset_email_send(*, user: User, uidb64: str, token: str) -> None:
    """Queue an email with a one-use link for choosing a new password."""
    if not user.email:  # An account made by text has no address to write to.
        return
    link = _absolute(reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}))
    body = (
        f"Hello {user.display_name},\n\n"
        "Someone asked to reset the password for your CareCircle account. "
        "To choose a new password, open this link:\n\n"
        f"{link}\n\n"
        f"The link works once, for {duration_words(settings.PASSWORD_RESET_TIMEOUT)}.\n\n"
        "If you didn't ask for this, you can ignore this email. Your password has not changed.\n"
    )
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject="Reset your CareCircle password",
        body=body,
        idempotency_key=_unique_key("password-reset", user),
    )


def new_sign_in_email_send(*, user: User, device: str, address: str | None, when: str) -> None:
    """Tell the account's owner about a sign-in from a device that wasn't signed in, so a stranger is noticed."""
    if not user.email:  # An account made by text has no address to write to.
        return
    link = _absolute(reverse("accounts:sessions"))
    where = f" from the network address {address}" if address else ""
    body = (
        f"Hello {user.display_name},\n\n"
        f"Your CareCircle account was signed in on {device}{where} at {when}.\n\n"
        "If this was you, there's nothing to do.\n\n"
        "If it wasn't you, change your password now and sign out everywhere else:\n\n"
        f"{link}\n"
    )
    delivery_enqueue(
        channel="email",
        to=user.email,
        subject="New sign-in to your CareCircle account",
        body=body,
        idempotency_key=_unique_key("new-sign-in", user),
    )

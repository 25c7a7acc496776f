"""Changing the email address: asked for after a step-up, confirmed from the new address, told to the old one.

The link names the account, its current address and the new one, so it stops working if either
changes. Confirming ends every other session (the address is how a password is reset).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.confirmations import user_email_confirmed
from carecircle.accounts.emails import duration_words, in_language_of
from carecircle.accounts.models import User
from carecircle.accounts.renames import user_renamed
from carecircle.accounts.services import AccountError
from carecircle.accounts.sessions import sessions_sign_out_others
from carecircle.accounts.verification import VerificationLinkError
from carecircle.lib.hooks import audit_record, delivery_enqueue

SALT = "carecircle.accounts.change-email"
MAX_AGE = 60 * 60 * 24


def email_change_request(*, actor: User, new_email: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is used."""
    new_email = User.objects.normalize_email(new_email).strip().lower()
    if new_email == actor.email:
        raise AccountError(gettext("That's already your email address."))
    if User.objects.filter(email__iexact=new_email).exists():
        raise AccountError(gettext("There's already an account with this email address. Choose another one."))
    token = signing.TimestampSigner(salt=SALT).sign_object({"user": actor.pk, "old": actor.email, "new": new_email})
    link = f"{settings.SITE_URL}{reverse('accounts:email_change_confirm', kwargs={'token': token})}"
    with in_language_of(actor):
        subject = gettext("Confirm your new email address for CareCircle")
        body = gettext(
            "Hello %(name)s,\n\nYou asked to use this address for your CareCircle account. "
            "To confirm, open this link:\n\n%(link)s\n\nIt works for %(duration)s. "
            "If you didn't ask for this, ignore this email: nothing changes.\n"
        ) % {"name": actor.display_name, "link": link, "duration": duration_words(MAX_AGE)}
    with transaction.atomic():
        audit_record(actor=actor, action="account.email_change_requested", subject=actor)
        delivery_enqueue(
            channel="email",
            to=new_email,
            subject=subject,
            body=body,
            idempotency_key=f"accounts:change-email:{actor.pk}:{uuid.uuid4().hex}",
        )


def email_change_check(*, token: str) -> tuple[User, str]:
    """The account and the new address a link is for; raises VerificationLinkError when unusable."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise VerificationLinkError(gettext("This link has expired."), expired=True) from error
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise VerificationLinkError(gettext("This link isn't complete or has been changed."), expired=False) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        raise VerificationLinkError(gettext("This link isn't complete or has been changed."), expired=False)
    user = User.objects.filter(pk=payload["user"], is_active=True).first()
    if user is None or user.email != payload.get("old"):
        raise VerificationLinkError(
            gettext("This link is for an address change that no longer applies."), expired=False
        )
    return user, str(payload["new"])


@transaction.atomic
def email_change_confirm(*, user: User, new_email: str, current_session_key: str | None) -> None:
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise AccountError(gettext("There's already an account with this email address."))
    old_email = user.email
    user.email = new_email
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    sessions_sign_out_others(actor=user, current_session_key=current_session_key)
    audit_record(actor=user, action="account.email_changed", subject=user)
    user_email_confirmed(user)  # the new address is confirmed by this very link
    # Members' lists show the address: every circle page showing the old one is drawn again.
    user_renamed(user)
    if not old_email:  # An account made by text, adding its first address: there's no old one to tell.
        return
    with in_language_of(user):
        subject = gettext("Your CareCircle email address was changed")
        body = gettext(
            "Hello %(name)s,\n\nThe email address of your CareCircle account was changed from this "
            "address to %(email)s.\n\nIf you didn't do this, reply to this email straight away so we can help.\n"
        ) % {"name": user.display_name, "email": new_email}
    delivery_enqueue(
        channel="email",
        to=old_email,
        subject=subject,
        body=body,
        idempotency_key=f"accounts:email-changed:{user.pk}:{uuid.uuid4().hex}",
    )

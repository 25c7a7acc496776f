"""Signed, time-limited links that confirm a person owns their email address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext

from carecircle.accounts.models import User

SALT = "carecircle.accounts.verify-email"


class VerificationLinkError(Exception):
    """The link cannot be used; `expired` says whether asking for a new one will help."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


def verification_token_make(*, user: User) -> str:
    """A token naming the account and the address, so changing the address voids old links."""
    signer = signing.TimestampSigner(salt=SALT)
    return signer.sign_object({"user": user.pk, "email": user.email})


def verification_token_check(*, token: str) -> User:
    """The account a verification token belongs to; raises VerificationLinkError when unusable."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise VerificationLinkError(gettext("This link has expired."), expired=True) from error
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as error:
        raise VerificationLinkError(gettext("This link isn't complete or has been changed."), expired=False) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        raise VerificationLinkError(gettext("This link isn't complete or has been changed."), expired=False)
    user = User.objects.filter(pk=payload["user"], is_active=True).first()
    if user is None or user.email != payload.get("email"):
        raise VerificationLinkError(
            gettext("This link is for an email address that is no longer on an account."), expired=False
        )
    return user

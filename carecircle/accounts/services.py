"""Writes to accounts: sign-up, email verification, passwords, signing out, profile and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.confirmations import user_email_confirmed
from carecircle.accounts.models import ApiToken, SignedInSession, User
from carecircle.accounts.renames import user_renamed
from carecircle.accounts.sessions import session_record, session_tag, sessions_sign_out_others
from carecircle.lib.errors import DomainError
from carecircle.lib.hooks import audit_record, user_event_send
from carecircle.lib.text import TextRefused, single_line
from carecircle.lib.tokens import secret_hash

TOKEN_PREFIX = "cc_"


class AccountError(DomainError):
    """A request that breaks a rule of accounts; the message says what to do instead."""


def _display_name(value: str) -> str:
    """A name as stored: one line (lib/text.py): it goes into email headers and page titles."""
    try:
        return single_line(value, limit=80, what="name")
    except TextRefused as error:
        raise AccountError(str(error)) from error


def _language(language: str) -> str:
    """The language the pages were in when someone joined, if CareCircle speaks it; else the default."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def user_sign_up(*, email: str, password: str, display_name: str, language: str = "") -> User:
    """Create an account. The password is checked by every validator in AUTH_PASSWORD_VALIDATORS.

    The account keeps the language the sign-up page was shown in, so a Welsh speaker's emails
    and texts are in Welsh from the first one."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError(gettext("There's already an account with this email address. Try signing in."))
    user = User(email=email, display_name=_display_name(display_name), language=_language(language))
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(actor=user, action="account.created", subject=user)
    return user


@transaction.atomic
def user_create_by_text(*, phone: str, display_name: str, language: str = "") -> User:
    """The account of someone who proved a mobile number with a texted code and has no email address.

    An account without an email address that already has this number is theirs: it is returned as it is.
    The new account has no usable password; it signs in with codes sent to the number.
    """
    existing = User.objects.filter(phone=phone, email="", is_active=True).order_by("pk").first()
    if existing is not None:
        return existing
    user = User(email="", phone=phone, display_name=_display_name(display_name), language=_language(language))
    user.set_unusable_password()
    user.save()
    audit_record(actor=user, action="account.created", subject=user, data={"by": "text"})
    return user


@transaction.atomic
def user_verify_email(*, user: User) -> User:
    """Confirm the account's address; only the call that confirms it writes the audit row and tells listeners."""
    if user.email_verified_at is None:
        now = timezone.now()
        # A conditional update, so the same link clicked several times at once confirms once.
        confirmed = User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
        if not confirmed:
            user.refresh_from_db(fields=["email_verified_at"])
            return user
        user.email_verified_at = now
        audit_record(actor=user, action="account.email_verified", subject=user)
        user_email_confirmed(user)
    return user


def _password_set(*, actor: User, password: str, request: HttpRequest | None, action: str) -> int:
    actor.set_password(password)
    actor.save(update_fields=["password"])
    signed_in_here = request is not None and request.user.pk == actor.pk
    old_key = request.session.session_key if request is not None and signed_in_here else None
    ended = sessions_sign_out_others(actor=actor, current_session_key=old_key)
    if request is not None and signed_in_here:
        update_session_auth_hash(request, actor)  # Rotates the session key.
        new_key = request.session.session_key
        if old_key and new_key and old_key != new_key:
            # The same device under its new key, so the list keeps when it first signed in.
            SignedInSession.objects.filter(session_key=old_key, user=actor).update(session_key=new_key)
        session_record(request=request, user=actor)
    audit_record(actor=actor, action=action, subject=actor, data={"signed_out_elsewhere": ended})
    return ended


@transaction.atomic
def user_password_change(*, actor: User, password: str, request: HttpRequest | None = None) -> int:
    """Set a new (already validated) password and end every other session; returns how many ended.

    When `request` is the account's own signed-in browser, that browser stays signed in under a
    rotated session key; otherwise every session of the account ends.
    """
    return _password_set(actor=actor, password=password, request=request, action="account.password_changed")


@transaction.atomic
def user_password_reset(*, actor: User, password: str, request: HttpRequest | None = None) -> int:
    """Like user_password_change, for someone who proved with an emailed link that the account is theirs."""
    return _password_set(actor=actor, password=password, request=request, action="account.password_reset")


@transaction.atomic
def user_sign_out(*, actor: User, session_key: str) -> None:
    """Forget this device in the "where you're signed in" list as its session ends."""
    SignedInSession.objects.filter(session_key=session_key, user=actor).delete()
    user_event_send(user_id=actor.pk, type="sessions.ended", sessions=[session_tag(session_key)])
    audit_record(actor=actor, action="account.signed_out", subject=actor)


@transaction.atomic
def user_update_profile(*, actor: User, display_name: str, phone: str, time_zone: str, language: str) -> User:
    name = _display_name(display_name)
    # Members' lists show the name and the phone number: either change must reach every circle page.
    renamed = name != actor.display_name or phone != actor.phone
    actor.display_name = name
    actor.phone = phone
    actor.time_zone = time_zone
    actor.language = language
    actor.save(update_fields=["display_name", "phone", "time_zone", "language"])
    audit_record(actor=actor, action="account.profile_updated", subject=actor)
    if renamed:
        user_renamed(actor)
    return actor


def _profile_field_set(*, actor: User, field: str, value: str) -> User:
    """One profile setting changed on its own: saved and audited only when it is a change."""
    if getattr(actor, field) != value:
        setattr(actor, field, value)
        actor.save(update_fields=[field])
        audit_record(actor=actor, action="account.profile_updated", subject=actor)
    return actor


@transaction.atomic
def user_set_time_zone(*, actor: User, time_zone: str) -> User:
    """The time zone picked on a country's page: dates and times follow it on every page."""
    return _profile_field_set(actor=actor, field="time_zone", value=time_zone)


@transaction.atomic
def user_set_language(*, actor: User, language: str) -> User:
    """The footer's language switcher, for a member: their pages, emails and texts follow it."""
    return _profile_field_set(actor=actor, field="language", value=language)


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    name: str,
    read_only: bool = False,
    circle_id: int | None = None,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create a personal API token. The secret is returned once and only its hash is kept.

    The caller checks that `circle_id` is one of the actor's circles; the API checks the scope on every call.
    """
    name = name.strip() or "API token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=actor,
        name=name[:80],
        prefix=secret[:10],
        secret_hash=secret_hash(secret),
        read_only=read_only,
        circle_id=circle_id,
        expires_at=expires_at,
    )
    scope = {"read_only": read_only, "circle": circle_id, "expires_at": expires_at.isoformat() if expires_at else None}
    audit_record(
        actor=actor, action="token.created", subject=actor, data={"token": token.pk, "name": token.name, **scope}
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", subject=actor, data={"token": token.pk, "name": token.name})
    return token


def api_token_find(*, secret: str) -> ApiToken | None:
    """The live token (not revoked, not expired, of an active account) a secret belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .exclude(expires_at__lte=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user a token secret belongs to, or None."""
    token = api_token_find(secret=secret)
    return token.user if token is not None else None

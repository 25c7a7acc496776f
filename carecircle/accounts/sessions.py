"""Keeping the "where you're signed in" list, and signing out other sessions."""

from __future__ import annotations

import hashlib

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from carecircle.accounts.models import SignedInSession, User
from carecircle.lib.addresses import client_address
from carecircle.lib.hooks import audit_record, user_event_send


def session_record(*, request: HttpRequest, user: User) -> SignedInSession | None:
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    if not key:
        return None
    record, _ = SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "user_agent": request.headers.get("user-agent", "")[:300],
            "ip_address": client_address(request),
            "last_seen_at": timezone.now(),
        },
    )
    return record


def session_tag(session_key: str) -> str:
    """A short one-way name for a session, so live events can say which ended without its key."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def _tell_open_pages(*, user_id: int, session_keys: list[str]) -> None:
    # Open WebSockets of those sessions close once this commits (the consumer matches the tag).
    user_event_send(user_id=user_id, type="sessions.ended", sessions=[session_tag(key) for key in session_keys])


def _end_session(session_key: str) -> None:
    Session.objects.filter(session_key=session_key).delete()
    # The cached_db engine also keeps the session in the cache.
    cache.delete(f"django.contrib.sessions.cached_db{session_key}")


@transaction.atomic
def sessions_sign_out_others(*, actor: User, current_session_key: str | None) -> int:
    """End every other session of this account; returns how many were ended."""
    others = SignedInSession.objects.filter(user=actor).exclude(session_key=current_session_key or "")
    keys = list(others.values_list("session_key", flat=True))
    for key in keys:
        _end_session(key)
    others.delete()
    if keys:
        _tell_open_pages(user_id=actor.pk, session_keys=keys)
        audit_record(actor=actor, action="account.signed_out_elsewhere", subject=actor, data={"count": len(keys)})
    return len(keys)


@transaction.atomic
def session_sign_out_one(*, actor: User, signed_in_session: SignedInSession) -> None:
    _end_session(signed_in_session.session_key)
    _tell_open_pages(user_id=actor.pk, session_keys=[signed_in_session.session_key])
    signed_in_session.delete()
    audit_record(actor=actor, action="account.signed_out_elsewhere", subject=actor, data={"count": 1})

"""Fixtures for the circles pages: photos go to a temporary folder; helpers to grow a circle and count queries."""

from __future__ import annotations

import html
from itertools import count

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.services import membership_add_directly

_numbers = count(1)


def quick_user(name: str = "") -> User:
    """An account without a password (hashing one is slow and these users never sign in with it)."""
    number = next(_numbers)
    return User.objects.create_user(
        email=f"extra{number}@example.org", password=None, display_name=name or f"Extra Person {number}"
    )


def add_members(*, circle: Circle, actor: User, how_many: int, role: str = Role.HELPER) -> list[Membership]:
    return [
        membership_add_directly(actor=actor, circle=circle, user=quick_user(), role=role, relationship="friend")
        for _ in range(how_many)
    ]


def queries_for(client: Client, url: str) -> int:
    """Queries of a page once the session bookkeeping of a first visit is done."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def text_of(response: HttpResponse) -> str:
    """The page as a person reads it: HTML entities turned back into characters."""
    return html.unescape(response.content.decode())

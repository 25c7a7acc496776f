"""Password sign-in by email address, for accounts that have one.

Accounts made by text have no email address (and no usable password), so `User.email` is unique only
when present. Django's ModelBackend looks the address up with `get()`; an empty one would match every
such account, so it is refused here before the lookup (PermissionDenied ends `authenticate`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from carecircle.accounts.models import User


class EmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not email or not str(email).strip():
            raise PermissionDenied("An account without an email address can't sign in with a password.")
        user = super().authenticate(request, username=email, password=password, **kwargs)
        return user if isinstance(user, User) else None

"""Password sign-in by email address, for accounts that have one.

Accounts made by text have no email address (and no usable password), so `User.email` is unique only
when present. Django's ModelBackend looks the address up with `get()`; an empty one would match every
such account, so it is refused here before the lookup (PermissionDenied ends `authenticate`).
"""

from __future__ import annotations

import weakref
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.lib import rows


class _UserById:
    """The session's user by id, in SQL written once per connection (lib/rows.py).

    Every signed-in request reads it; the ORM's compile of `User.objects.get(pk=…)` cost most of
    its time. Django then checks the session's password hash against this row as before, so a
    password change or a sign-out elsewhere still ends the session (serving.md, "Sessions").
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.user = rows.Columns(connection, User, "u")
        table, key = rows.quoted(connection, User), rows.quoted(connection, User, "id")
        # Table and column names come from the model, never from input; the id is a parameter.
        self.sql = f"SELECT {self.user.sql} FROM {table} u WHERE u.{key} = %s"  # noqa: S608

    def run(self, connection: BaseDatabaseWrapper, user_id: int) -> User | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [user_id])
            row = cursor.fetchone()
        return None if row is None else self.user.instance(connection, row)


_USER_QUERIES: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _UserById] = weakref.WeakKeyDictionary()


class EmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not email or not str(email).strip():
            raise PermissionDenied(gettext("An account without an email address can't sign in with a password."))
        user = super().authenticate(request, username=email, password=password, **kwargs)
        return user if isinstance(user, User) else None

    def get_user(self, user_id: Any) -> User | None:
        """ModelBackend's: the active user with this id, or None; its query written once."""
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        connection = connections[router.db_for_read(User)]
        query = _USER_QUERIES.get(connection)
        if query is None:
            query = _USER_QUERIES[connection] = _UserById(connection)
        user = query.run(connection, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

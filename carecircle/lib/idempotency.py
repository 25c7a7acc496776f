"""Idempotency keys: a client's `client_id` names the one thing it created, and nothing else.

A retry with the same key and the same kind of request (in the same circle, the same section, for the
same task…) returns what the first request created. The same key sent for something else is a
conflict (409) that says what the key was used for, never a success that stored nothing. Keys are
unique per person and per table in the database, which settles simultaneous retries: one insert
wins, the others find its row.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from carecircle.lib.errors import Conflict


class ReusedClientId(Conflict):
    """A client_id sent again for something other than what it first created."""

    def __init__(self, used_for: str) -> None:
        # `used_for` is already in the reader's language: each caller names its own kind of row.
        super().__init__(
            # Translators: "client_id" is the name of a field in the API and stays in English. %(thing)s is
            # what it was used for, such as "a task in another circle (id 12)".
            gettext("This client_id was already used for %(thing)s. Send a new client_id for something new.")
            % {"thing": used_for}
        )


def replayed[T](existing: T | None, *, matches: Callable[[T], bool], used_for: Callable[[T], str]) -> T | None:
    """The earlier row when this request repeats the one that created it; ReusedClientId when it doesn't."""
    if existing is None:
        return None
    if not matches(existing):
        raise ReusedClientId(used_for(existing))
    return existing


def create_once[T](create: Callable[[], T], *, find: Callable[[], T | None]) -> tuple[T, bool]:
    """Create in a savepoint: (the row, True); or, when a simultaneous request with the same key
    stored first, (its row found by find, False)."""
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found, False

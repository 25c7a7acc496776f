"""Refusals: a request that breaks a rule, and the one HTTP status every page and API operation answers it with.

A service raises a DomainError (each app has its own subclass, such as TaskError) whose message says
what to do instead. The kind of refusal declares its status, so a web view and the API answer the
same refusal the same way (docs/architecture/errors.md):

| kind | status |
|---|---|
| DomainError (invalid: the request breaks a rule) | 400 |
| NotAllowed | 403 |
| NotFound | 404 |
| Conflict (not in the current state of things) | 409 |
| Gone | 410 |
| TooLarge | 413 |
| InvalidFields (named fields are wrong) | 422 |

An app's own kind of conflict is both, for example `class TaskConflict(TaskError, Conflict)`, so it
is caught as a TaskError and answered 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class DomainError(Exception):
    """A request that breaks a rule; the message says what to do instead, `status` how HTTP answers it.

    `field` names the input the refusal is about, when there is one: the API lists it under
    "errors" and answers 422, like any other invalid field; a page shows the message with its form.
    """

    status: ClassVar[int] = 400

    def __init__(self, message: str = "", *, field: str = "") -> None:
        super().__init__(message)
        self.field = field

    @property
    def field_errors(self) -> dict[str, str]:
        """Each field the refusal is about, with what is wrong with it."""
        return {self.field: str(self)} if self.field else {}

    @property
    def api_status(self) -> int:
        """The status in the API: a refusal about one field is an invalid field there (422)."""
        return 422 if self.field and self.status == 400 else self.status


class NotAllowed(DomainError):
    """The viewer may not do this (403)."""

    status = 403


class NotFound(DomainError):
    """What the request names isn't there (404)."""

    status = 404


class Conflict(DomainError):
    """The request can't be done in the current state of things (409)."""

    status = 409


class Gone(DomainError):
    """It was there, but has expired or been used up (410)."""

    status = 410


class TooLarge(DomainError):
    """What was sent is bigger than allowed (413)."""

    status = 413


class InvalidFields(DomainError):
    """Field errors found after parsing, such as a channel that needs an email address (422)."""

    status = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field=next(iter(errors), ""))
        self.errors = dict(errors)

    @property
    def field_errors(self) -> dict[str, str]:
        return self.errors

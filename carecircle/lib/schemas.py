"""Building blocks shared by every API schema: validated text, email, phone numbers, ids and errors."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import GroupedMetadata
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Schema
from ninja.params.functions import Path, Query
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Strict, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from carecircle.lib.phones import phone_e164, phone_is_mobile
from carecircle.lib.text import refuse_nul, single_line
from carecircle.lib.wall_clock import check_day

# The largest id a 64-bit database column holds; larger numbers would fail in the database, not here.
MAX_ID = 2**63 - 1
OLDEST_DATE_OF_BIRTH = datetime.date(1900, 1, 1)


def reject_nul(value: str) -> str:
    """Text without NUL (PostgreSQL can't store it); kept as sent otherwise (lib/text.py)."""
    return refuse_nul(value)


def fold_to_one_line(value: str) -> str:
    """A one-line field: line breaks and other control characters folded into a space (lib/text.py)."""
    return single_line(value, limit=len(value), what="text")


def normalise_email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as error:
        raise ValueError(gettext("Enter a valid email address, like name@example.org.")) from error
    return value.lower()


def normalise_phone(value: str) -> str:
    """A UK or international phone number in E.164 form, like +447911123456 (lib/phones.py)."""
    try:
        e164 = phone_e164(value, mobile=False)
    except DjangoValidationError as error:
        raise ValueError(str(error.messages[0])) from error
    if not e164:
        raise ValueError(gettext("Enter a phone number, like 07911 123456 or +44 7911 123456."))
    return e164


def is_mobile(e164: str) -> bool:
    return phone_is_mobile(e164)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_as_text(value: Any) -> Any:
    """Dates arrive as "YYYY-MM-DD" text: a number would otherwise be read as seconds since 1970."""
    if value is not None and not isinstance(value, str | datetime.date):
        raise ValueError(gettext('Send the date as text, like "1942-06-30".'))
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError(gettext('Send the date as year-month-day, like "1942-06-30".'))
    return value


def check_date_of_birth(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise ValueError(gettext("The date of birth can't be in the future."))
    if value < OLDEST_DATE_OF_BIRTH:
        raise ValueError(gettext("Enter a date of birth after 1900."))
    return value


@dataclass(frozen=True)
class Trimmed(GroupedMetadata):
    """Text with its surrounding spaces trimmed, of `min_length` to `max_length` characters.

    At most `max_length` as sent, not only once trimmed: the documented `maxLength` is about the text
    a client sends, so 81 characters of which one is a trailing line break are too many for 80.
    """

    max_length: int
    min_length: int = 0

    def __iter__(self) -> Iterator[Any]:
        yield StringConstraints(strip_whitespace=True, min_length=self.min_length, max_length=self.max_length)
        yield BeforeValidator(self.refuse_too_long)

    def refuse_too_long(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > self.max_length:
            raise PydanticCustomError(
                "string_too_long", "String should have at most {max_length} characters", {"max_length": self.max_length}
            )
        return value


NoNul = AfterValidator(reject_nul)
OneLine = AfterValidator(fold_to_one_line)

PersonName = Annotated[str, Trimmed(80, min_length=1), NoNul, OneLine]
DisplayName = Annotated[str, Trimmed(80), NoNul, OneLine]
Relationship = Annotated[str, Trimmed(60), NoNul, OneLine]
Note = Annotated[str, Trimmed(500), NoNul]
TokenName = Annotated[str, Trimmed(80, min_length=1), NoNul, OneLine]
Key = Annotated[str, Trimmed(60, min_length=1), NoNul, OneLine]
Email = Annotated[str, Trimmed(254), NoNul, AfterValidator(normalise_email)]
Phone = Annotated[str, Trimmed(32), NoNul, AfterValidator(normalise_phone)]
# A day to plan or record, between 1900 and 2199 (lib/wall_clock.py): year 1 and 9999 are refused.
Day = Annotated[datetime.date, BeforeValidator(date_as_text), AfterValidator(check_day)]
DateOfBirth = Annotated[datetime.date, BeforeValidator(date_as_text), AfterValidator(check_date_of_birth)]

# Path and query parameters: bounded so that no number reaches the database that it cannot hold.
CircleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The circle's id.")]
MemberId = Annotated[int, Path(ge=1, le=MAX_ID, description="The membership's id (not the user's).")]
InvitationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The invitation's id.")]
TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The token's id.")]
Since = Annotated[int, Query(ge=0, le=MAX_ID, description="The last sequence number the client has seen.")]


# An id sent in a JSON body: a number, never `true` (which lax parsing would read as 1).
BodyId = Annotated[int, Strict()]
# A wall-clock time without an offset ("10:30:00"): OpenAPI's format "time" means one with an offset.
WallClockTime = Annotated[
    datetime.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "A wall-clock time in the task's time zone, without an offset, like 10:30:00.",
            "example": "10:30:00",
        }
    ),
]


def enum_named(name: str, choices: type[Any], description: str) -> WithJsonSchema:
    """An enum's schema under its own name: two enums both called Audience must not share one."""
    return WithJsonSchema(
        {"title": name, "type": "string", "enum": [str(value) for value in choices.values], "description": description}
    )


class InputSchema(Schema):
    """A request body: unknown fields are refused, so a misspelt field never passes silently."""

    model_config = ConfigDict(extra="forbid")


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] | None = None


def responses(ok: dict[int, Any], *error_codes: int) -> dict[int, Any]:
    """The response schemas of an operation: its successes, 401 for everyone, and the errors it can return."""
    return {**ok, **dict.fromkeys(sorted({401, *error_codes}), ErrorOut)}

"""Phone numbers: the one validator every form and API field uses, so they all accept the same numbers.

Numbers are stored in E.164 (+447911123456). Numbers typed without a country code are taken as UK.
Ofcom keeps ranges for examples and drama that are never given to anyone; the demo, the help text and
the tests use them, and phonenumbers calls two of them invalid, so they are accepted here by name:
mobiles 07700 900000 to 900999 and landlines 01632 960000 to 960999 (the area-coded drama ranges, like
020 7946 0000 to 0999, are already valid to the library).
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

DEFAULT_REGION = "GB"
OFCOM_DRAMA_MOBILE = re.compile(r"^\+447700900\d{3}$")
OFCOM_DRAMA_LANDLINE = re.compile(r"^\+441632960\d{3}$")
MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})

FORMAT_MESSAGE = gettext_lazy("Enter a mobile number using only digits, spaces and +, like 07911 123456.")
INVALID_MESSAGE = gettext_lazy(
    "This isn't a phone number that can be called. Check the digits, and start numbers from outside "
    "the UK with + and the country code, like +353."
)
LANDLINE_MESSAGE = gettext_lazy(
    "That looks like a landline. Text messages need a mobile number. Type one like 07911 123456."
)


def _parsed(raw: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(FORMAT_MESSAGE, code="phone_format") from error


def phone_e164(raw: str, *, mobile: bool = True) -> str:
    """The number in E.164, or ValidationError with a message that says what to type.

    Empty input gives "". With `mobile` (the default: every number CareCircle keeps is for texts),
    a landline is refused with its own message.
    """
    raw = raw.strip()
    if not raw:
        return ""
    if len(raw) > 32:
        raise ValidationError(FORMAT_MESSAGE, code="phone_format")
    number = _parsed(raw)
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if OFCOM_DRAMA_MOBILE.match(e164):
        return e164
    if OFCOM_DRAMA_LANDLINE.match(e164):
        if mobile:
            raise ValidationError(LANDLINE_MESSAGE, code="not_mobile")
        return e164
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="phone_invalid")
    if mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(LANDLINE_MESSAGE, code="not_mobile")
    return e164


def phone_is_mobile(e164: str) -> bool:
    """Whether a stored (E.164) number can get texts."""
    try:
        return bool(phone_e164(e164, mobile=True))
    except ValidationError:
        return False


def phone_for_display(e164: str) -> str:
    """A stored number as people write it: +44 7911 123456."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    formatted: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return formatted

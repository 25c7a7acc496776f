"""Checking the values of an entry against its section's fields: one rule set for pages and the API."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.lib.date_words import short_date
from carecircle.lib.text import multi_line, single_line
from carecircle.records.sections import Field, Section


class InvalidValues(Exception):
    """Values that break a field's rules: {field name: plain-English message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(errors)


def _range(field: Field) -> dict[str, object]:
    return {"minimum": field.minimum, "maximum": field.maximum}


def _clean_text(field: Field, value: str) -> str:
    # Only "long" fields keep line breaks; every other field is one line (lib/text.py).
    clean = multi_line if field.type == "long" else single_line
    return clean(value, limit=field.max_length, what=field.label.lower())


def _clean_date(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(_("Enter a real date, like 2024-03-27.")) from None


def _clean_past_date(value: str) -> str:
    cleaned = _clean_date(value)
    if datetime.date.fromisoformat(cleaned) > timezone.localdate():
        raise ValueError(_("Enter a date in the past."))
    if cleaned < "1890-01-01":
        raise ValueError(_("Enter a date from 1890 on."))
    return cleaned


def nhs_number_is_valid(digits: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _clean_nhs_number(value: str) -> str:
    digits = "".join(character for character in value if character not in " -")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise ValueError(_("Enter the 10 digits of the NHS number, like 943 476 5919."))
    if not nhs_number_is_valid(digits):
        raise ValueError(_("That isn't an NHS number: a digit is wrong. Check it against a letter from the GP."))
    return digits


def _clean_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise ValueError(_("Enter a phone number, like 020 7946 0000 or +44 20 7946 0000.")) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(_("That isn't a phone number we can call. Check it, or add the country code."))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _clean_number(field: Field, value: str) -> str:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Enter a number, like %(example)s.") % {"example": field.minimum or 1}) from None
    if not number.is_finite() or (field.minimum is not None and number < field.minimum):
        raise ValueError(
            _("Enter a number from %(minimum)s to %(maximum)s.") % {"minimum": field.minimum, "maximum": field.maximum}
        )
    if field.maximum is not None and number > field.maximum:
        raise ValueError(
            _("Enter a number from %(minimum)s to %(maximum)s.") % {"minimum": field.minimum, "maximum": field.maximum}
        )
    return format(number.quantize(Decimal("0.1")).normalize(), "f")


def clean_field(field: Field, raw: object) -> str:
    """The stored text of one field; raises ValueError with a plain message."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int | float | Decimal | datetime.date):
        raise ValueError(_("Send text."))
    value = _clean_text(field, raw.isoformat() if isinstance(raw, datetime.date) else str(raw))
    if not value:
        if field.required:
            raise ValueError(str(field.required_message))
        return ""
    if field.type == "date":
        return _clean_past_date(value) if field.past else _clean_date(value)
    if field.type == "nhs_number":
        return _clean_nhs_number(value)
    if field.type == "choice":
        if value not in {key for key, _ in field.choices}:
            raise ValueError(_("Choose one of: %(keys)s.") % {"keys": ", ".join(key for key, _label in field.choices)})
        return value
    if field.type == "phone":
        return _clean_phone(value)
    if field.type == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("Enter an email address like name@example.org.")) from None
        return value.lower()
    if field.type == "number":
        return _clean_number(field, value)
    return value


def clean_values(section: Section, raw: Mapping[str, object], *, may_change_sensitive: bool) -> dict[str, str]:
    """Checked values for the fields present in `raw`; sensitive fields only when the actor may change them.

    Unknown fields are refused, so a misspelt one never passes silently.
    """
    known = {field.name: field for field in section.fields}
    errors: dict[str, str] = {}
    for name in raw:
        if name not in known:
            errors[name] = _("This field isn't part of this section.")
    cleaned: dict[str, str] = {}
    for field in section.fields:
        if field.sensitive and not may_change_sensitive:
            continue
        if field.name not in raw and not field.required:
            continue
        try:
            cleaned[field.name] = clean_field(field, raw.get(field.name))
        except ValueError as error:
            errors[field.name] = str(error)
    if not errors and section.single is False and not any(cleaned.values()):
        errors["__all__"] = _("Fill in at least one field.")
    if errors:
        raise InvalidValues(errors)
    return cleaned


def display_value(field: Field, value: str) -> str:
    """A stored value as people read it: the label of a choice, a date in words, a unit."""
    if not value:
        return ""
    if field.type == "choice":
        return str(dict(field.choices).get(value, value))
    if field.type == "date":
        try:
            return short_date(datetime.date.fromisoformat(value), "j M Y")
        except ValueError:
            return value
    if field.type == "nhs_number" and len(value) == 10:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    if field.unit:
        return f"{value} {field.unit}"
    return value

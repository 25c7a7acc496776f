"""Importing referrals from a CSV file, row by row: a bad row is reported and never loses the good ones.

Each row is received on its own (referral_services.referral_create, its own transaction), so the
report lists, for every row, the referral it became, the one it already was (the same referrer's
reference), or what is wrong with it.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.lib.errors import InvalidFields
from carecircle.lib.text import TextRefused, refuse_nul
from carecircle.orgs.languages import site_language
from carecircle.orgs.models import ConsentGivenBy, Need, Organisation, Referral, ReferralSource, Urgency
from carecircle.orgs.referral_services import ReferralInput, referral_create

LARGEST_FILE = 2 * 1024 * 1024
MOST_ROWS = 5000
COLUMNS = [
    "person_name",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "email",
    "contact_preference",
    "needs",
    "needs_detail",
    "urgency",
    "source",
    "referrer_name",
    "referrer_organisation",
    "referrer_email",
    "referrer_phone",
    "referrer_reference",
    "referrer_language",
    "consent_given_by",
    "consent_given_at",
    "consent_to",
]
REQUIRED = {"person_name", "consent_given_by", "consent_to"}


class ImportRefused(Exception):
    """The whole file can't be read; the message says what to do."""


@dataclass
class RowResult:
    line: int
    name: str
    referral: Referral | None = None
    already_there: bool = False
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[RowResult]

    @property
    def added(self) -> int:
        return sum(1 for row in self.rows if row.referral is not None and not row.already_there)

    @property
    def already(self) -> int:
        return sum(1 for row in self.rows if row.already_there)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _choice(value: str, choices: type[Urgency] | type[ReferralSource] | type[ConsentGivenBy], default: str) -> str:
    value = value.strip()
    if not value:
        return default
    for key, label in choices.choices:
        if value.lower() in {str(key).lower(), str(label).lower()}:
            return str(key)
    return value


def _needs(value: str) -> list[str]:
    found = []
    for part in value.replace(",", ";").split(";"):
        part = part.strip()
        if part:
            found.append(_choice(part, Need, part))  # type: ignore[arg-type]
    return found


def _date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    if len(value) == 10 and value[4] == "-":
        return datetime.date.fromisoformat(value)
    day, month, year = value.split("/")
    return datetime.date(int(year), int(month), int(day))


def _moment(value: str) -> datetime.datetime | None:
    day = _date(value[:10]) if value.strip() else None
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def _row_input(row: dict[str, str]) -> tuple[ReferralInput | None, dict[str, str]]:
    errors: dict[str, str] = {}
    cell = {key: (row.get(key) or "").strip() for key in COLUMNS}
    try:
        date_of_birth = _date(cell["date_of_birth"])
    except ValueError:
        errors["date_of_birth"] = gettext("Write the date of birth as 1942-06-30 or 30/06/1942.")
        date_of_birth = None
    try:
        consent_at = _moment(cell["consent_given_at"])
    except ValueError:
        errors["consent_given_at"] = gettext("Write the consent date as 2026-03-01 or 01/03/2026.")
        consent_at = None
    if errors:
        return None, errors
    return (
        ReferralInput(
            person_name=cell["person_name"],
            person_date_of_birth=date_of_birth,
            person_address=cell["address"],
            person_postcode=cell["postcode"],
            person_phone=cell["phone"],
            person_email=cell["email"],
            contact_preference=cell["contact_preference"] or "phone",
            needs=_needs(cell["needs"]),
            needs_detail=cell["needs_detail"],
            urgency=_choice(cell["urgency"], Urgency, Urgency.ROUTINE),
            source=_choice(cell["source"], ReferralSource, ReferralSource.OTHER),
            referrer_name=cell["referrer_name"],
            referrer_organisation=cell["referrer_organisation"],
            referrer_email=cell["referrer_email"],
            referrer_phone=cell["referrer_phone"],
            referrer_reference=cell["referrer_reference"],
            # "cy", "pl", "en-gb" (or "en"); anything else is kept so the row is refused with the choices.
            referrer_language=site_language(cell["referrer_language"]) or cell["referrer_language"],
            consent_given_by=_choice(cell["consent_given_by"], ConsentGivenBy, ""),
            consent_given_at=consent_at,
            consent_to=cell["consent_to"],
        ),
        {},
    )


def read_rows(content: bytes) -> list[dict[str, str]]:
    if len(content) > LARGEST_FILE:
        raise ImportRefused(gettext("This file is too big. Split it into files smaller than 2 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            gettext("This file isn't UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.")
        ) from None
    try:
        refuse_nul(text, "file")
    except TextRefused:
        raise ImportRefused(gettext("This file isn't a CSV file. Save it from your spreadsheet as CSV.")) from None
    reader = csv.DictReader(io.StringIO(text))
    headings = [name.strip() for name in reader.fieldnames or []]
    missing = REQUIRED - set(headings)
    if missing:
        raise ImportRefused(
            gettext(
                "The first row must name the columns. These are missing: %(columns)s. "
                "Download the template to see them all."
            )
            % {"columns": ", ".join(sorted(missing))}
        )
    reader.fieldnames = headings
    rows = []
    try:
        for row in reader:
            rows.append({key: value for key, value in row.items() if isinstance(key, str) and isinstance(value, str)})
            if len(rows) > MOST_ROWS:
                raise ImportRefused(
                    gettext("This file has more than %(most)s rows. Split it into smaller files.") % {"most": MOST_ROWS}
                )
    except csv.Error as error:
        raise ImportRefused(
            gettext("This file couldn't be read as CSV near line %(line)s: %(error)s.")
            % {"line": reader.line_num, "error": error}
        ) from None
    return rows


def referrals_import(*, actor: User, organisation: Organisation, content: bytes) -> ImportReport:
    """Receive every good row of a CSV file; report each row (line numbers as a spreadsheet shows them)."""
    results = []
    for number, row in enumerate(read_rows(content), start=2):
        result = RowResult(line=number, name=(row.get("person_name") or "").strip()[:120])
        data, errors = _row_input(row)
        if data is None:
            result.errors = errors
        else:
            try:
                result.referral, created = referral_create(
                    actor=actor, organisation=organisation, data=data, via="in a CSV import"
                )
                result.already_there = not created
            except InvalidFields as error:
                result.errors = error.field_errors
        results.append(result)
    return ImportReport(rows=results)

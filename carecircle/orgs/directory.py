"""Importing a local service directory published in Open Referral UK (HSDS) JSON.

A directory comes from a file or from a URL (fetched with a timeout and a size limit). Each
service is checked on its own: a bad one is reported with its position, id and reason and never
stops the good ones. Services are kept by their id in the directory, so importing the same feed
again changes nothing and a changed service is updated in place. A service that a complete,
readable feed no longer lists is hidden from searches (kept, since a referral may point at it).

Both shapes in use are read: the first Open Referral UK API (a page with "content", services with
"service_taxonomys", "service_areas" and "physical_addresses") and HSDS 3 (a page with "contents",
"attributes" with "taxonomy_term", "addresses"). A bare list of services works too.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone

from carecircle.lib.postcodes import district_of
from carecircle.orgs.directory_reasons import ServiceProblem, reason_text
from carecircle.orgs.models import DirectoryService, Need

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT_SECONDS = 20
# Words in a directory's category names that mean one of our needs. Directories use different
# vocabularies (LGA service types, their own lists), so names are matched by words, not by codes;
# a category already named by our own code ("carer") is taken as it is.
NEED_WORDS: dict[str, tuple[str, ...]] = {
    Need.LONELINESS: ("lonel", "befriend", "isolation", "social group", "lunch club", "companionship"),
    Need.SHOPPING: ("shopping", "errand", "food bank", "prescription collection"),
    Need.TRANSPORT: ("transport", "lift", "driving", "community car", "dial-a-ride", "travel"),
    Need.HOME: ("home help", "cleaning", "gardening", "handyperson", "home adaptation", "housing", "repairs"),
    Need.MONEY: ("money", "benefit", "debt", "financial", "welfare", "pension"),
    Need.CARER: ("carer", "caring for", "respite", "young carer"),
    Need.HEALTH: ("health", "wellbeing", "well-being", "mental", "exercise", "dementia", "falls"),
    Need.HOSPITAL: ("hospital", "discharge", "home from hospital", "reablement"),
}
INACTIVE_STATUSES = {"inactive", "defunct", "temporarily closed"}


class DirectoryRefused(ValueError):
    """The whole directory can't be read; its code and values say why (directory_reasons.py)."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code, self.values = code, values

    def __str__(self) -> str:
        return reason_text(self.code, self.values)


class ServiceSkipped(ValueError):
    """One service can't be imported; its code and values say why (directory_reasons.py)."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code, self.values = code, values

    def __str__(self) -> str:
        return reason_text(self.code, self.values)


@dataclass
class ServiceRow:
    external_id: str
    name: str
    organisation_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    needs: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    active: bool = True


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    hidden: int = 0
    problems: list[ServiceProblem] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.hidden} no longer listed, {len(self.problems)} with problems."
        )


def max_bytes() -> int:
    return int(getattr(settings, "ORGS_DIRECTORY_MAX_BYTES", DEFAULT_MAX_BYTES))


def fetch(url: str, *, timeout: float | None = None, limit: int | None = None) -> bytes:
    """The directory's bytes from an http or https URL, refused past the timeout or the size limit."""
    limit = limit or max_bytes()
    timeout = timeout or float(getattr(settings, "ORGS_DIRECTORY_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    if not url.lower().startswith(("http://", "https://")):
        raise DirectoryRefused("not_web_address")
    headers = {"Accept": "application/json", "User-Agent": "CareCircle"}
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    except ValueError:
        raise DirectoryRefused("bad_address") from None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > limit:
                raise DirectoryRefused("too_big", kilobytes=limit // 1024)
            content: bytes = response.read(limit + 1)
            if announced and announced.isdigit() and len(content) < int(announced):
                # The connection closed before the length the server announced: a copy cut short.
                raise DirectoryRefused("broken_reply")
    except urllib.error.HTTPError as error:
        raise DirectoryRefused("server_answered", status=error.code) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise not_fetched(error) from None
    except http.client.InvalidURL:
        raise DirectoryRefused("bad_address") from None
    except http.client.HTTPException:
        # Not HTTP (a status line of garbage) or a reply cut short of its length: a refusal the admin can act
        # on, never a crashed refresh job.
        raise DirectoryRefused("broken_reply") from None
    if len(content) > limit:
        raise DirectoryRefused("too_big", kilobytes=limit // 1024)
    return content


def not_fetched(error: OSError) -> DirectoryRefused:
    """Why the fetch failed, as a code an admin can read in their language, for the failures that are common.

    The system's own words (English, from the operating system or urllib) are kept only for the rest.
    """
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return DirectoryRefused("timed_out")
    if isinstance(reason, socket.gaierror):
        return DirectoryRefused("unknown_host")
    if isinstance(reason, ConnectionRefusedError):
        return DirectoryRefused("connection_refused")
    return DirectoryRefused("not_fetched", detail=str(error)[:200])


def services_in(content: bytes) -> list[Any]:
    """The list of services in a directory's JSON, whatever its page shape."""
    if len(content) > max_bytes():
        raise DirectoryRefused("too_big", kilobytes=max_bytes() // 1024)
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DirectoryRefused("not_utf8") from None
    except json.JSONDecodeError as error:
        raise DirectoryRefused("not_json", line=error.lineno) from None
    if isinstance(document, dict):
        for key in ("content", "contents", "services"):
            if isinstance(document.get(key), list):
                return list(document[key])
        raise DirectoryRefused("no_service_list")
    if isinstance(document, list):
        return document
    raise DirectoryRefused("not_a_list")


def _text(value: Any, longest: int) -> str:
    return " ".join(value.split())[:longest] if isinstance(value, str) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def needs_from(names: Iterable[str]) -> list[str]:
    found: set[str] = set()
    for name in names:
        plain = name.strip().lower()
        if plain in Need.values:
            found.add(plain)
            continue
        found.update(need for need, words in NEED_WORDS.items() if any(word in plain for word in words))
    return sorted(found)


def _category_names(service: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for link in _dicts(service.get("service_taxonomys")):
        taxonomy = link.get("taxonomy")
        if isinstance(taxonomy, dict):
            names += [_text(taxonomy.get(key), 200) for key in ("name", "id")]
    for attribute in _dicts(service.get("attributes")):
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict):
            names += [_text(term.get(key), 200) for key in ("name", "code")]
    return [name for name in names if name]


def _addresses(service: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for link in _dicts(service.get("service_at_locations")):
        nested = link.get("location")
        location: dict[str, Any] = nested if isinstance(nested, dict) else link
        for key in ("physical_addresses", "addresses"):
            found += _dicts(location.get(key))
    for location in _dicts(service.get("locations")):
        for key in ("physical_addresses", "addresses"):
            found += _dicts(location.get(key))
    return found


def _phones(service: dict[str, Any]) -> list[str]:
    phones = [_text(phone.get("number"), 40) for phone in _dicts(service.get("phones"))]
    for contact in _dicts(service.get("contacts")):
        phones += [_text(phone.get("number"), 40) for phone in _dicts(contact.get("phones"))]
    return [phone for phone in phones if phone]


def row_from(service: Any) -> ServiceRow:
    """One service, checked; raises ServiceSkipped with the reason's code."""
    if not isinstance(service, dict):
        raise ServiceSkipped("not_a_service")
    external_id = service.get("id")
    if isinstance(external_id, int):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        raise ServiceSkipped("field_missing", field="id")
    if len(external_id) > 200:
        raise ServiceSkipped("field_too_long", field="id", longest=200)
    name = _text(service.get("name"), 201)
    if not name:
        raise ServiceSkipped("field_missing", field="name")
    if len(name) > 200:
        raise ServiceSkipped("field_too_long", field="name", longest=200)
    url = _text(service.get("url"), 501)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ServiceSkipped("bad_web_address", field="url", value=repr(url[:60])) from None
        if len(url) > 500:
            raise ServiceSkipped("field_too_long", field="url", longest=500)
    email = _text(service.get("email"), 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise ServiceSkipped("bad_email", field="email", value=repr(email[:60])) from None
    organisation = service.get("organization")
    addresses = _addresses(service)
    postcodes = [_text(address.get("postal_code"), 12) for address in addresses]
    areas = [_text(area.get("service_area") or area.get("name"), 80) for area in _dicts(service.get("service_areas"))]
    areas += [_text(address.get("city"), 80) for address in addresses]
    address_lines = []
    for address in addresses[:1]:
        parts = (address.get(key) for key in ("address_1", "address_2", "city", "postal_code"))
        address_lines = [_text(part, 120) for part in parts if _text(part, 120)]
    status = _text(service.get("status"), 40).lower()
    return ServiceRow(
        external_id=external_id.strip(),
        name=name,
        organisation_name=_text(organisation.get("name"), 200) if isinstance(organisation, dict) else "",
        description=service["description"].strip()[:5000] if isinstance(service.get("description"), str) else "",
        url=url,
        email=email,
        phone=(_phones(service) or [""])[0],
        address="\n".join(address_lines),
        needs=needs_from(_category_names(service)) or [Need.OTHER],
        districts=sorted({district for district in map(district_of, postcodes) if district}),
        areas=sorted({area.lower() for area in areas if area}),
        active=status not in INACTIVE_STATUSES,
    )


def _padded(values: Iterable[str]) -> str:
    joined = " ".join(values)
    return f" {joined} " if joined else ""


def _fields(row: ServiceRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "organisation_name": row.organisation_name,
        "description": row.description,
        "url": row.url,
        "email": row.email,
        "phone": row.phone,
        "address": row.address,
        "needs": _padded(row.needs)[:200],
        "districts": _padded(row.districts)[:400],
        "areas": "; ".join(row.areas),
        "active": row.active,
    }


def directory_import(content: bytes) -> ImportReport:
    """Add and update the directory's services by id; report each bad one; hide the ones no longer listed."""
    report = ImportReport()
    services = services_in(content)
    seen: set[str] = set()
    kept: set[str] = set()
    rows: list[ServiceRow] = []
    for position, service in enumerate(services, start=1):
        try:
            row = row_from(service)
        except ServiceSkipped as skipped:
            label = service.get("id") if isinstance(service, dict) else None
            if isinstance(label, str | int):
                # Still listed, only unreadable this time: its last good version stays visible.
                seen.add(str(label).strip())
            name = str(label).strip()[:200] if isinstance(label, str | int) else ""
            report.problems.append(ServiceProblem(position, name, skipped.code, skipped.values))
            continue
        if row.external_id in kept:
            report.problems.append(ServiceProblem(position, row.external_id, "duplicate_id"))
            continue
        seen.add(row.external_id)
        kept.add(row.external_id)
        rows.append(row)
    now = timezone.now()
    with transaction.atomic():
        existing = {service.external_id: service for service in DirectoryService.objects.select_for_update()}
        for row in rows:
            values = _fields(row)
            current = existing.get(row.external_id)
            if current is None:
                DirectoryService.objects.create(external_id=row.external_id, imported_at=now, **values)
                report.added += 1
            elif any(getattr(current, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(current, name, value)
                current.imported_at = now
                current.save(update_fields=[*values, "imported_at"])
                report.updated += 1
            else:
                report.unchanged += 1
        if rows:
            # Only a feed with services in it can say which are gone; an empty one changes nothing.
            report.hidden = (
                DirectoryService.objects.filter(active=True).exclude(external_id__in=seen).update(active=False)
            )
    return report

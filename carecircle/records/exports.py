"""The one-page essentials summary (HTML and PDF) and the FHIR R4 bundle, for any reader."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from carecircle.circles.conditional import reader_settings, release
from carecircle.circles.models import Membership, Role
from carecircle.records.access import Reader
from carecircle.records.models import RecordEntry
from carecircle.records.sections import IDENTITY_FIELDS, SECTION_BY_KEY, Section
from carecircle.records.selectors import ShownEntry, show
from carecircle.records.values import display_value

ESSENTIAL_SECTIONS = ("about", "conditions", "allergies", "medications", "contacts", "emergency")


@dataclass
class Essentials:
    person_name: str
    date_of_birth: datetime.date | None
    made_at: datetime.datetime
    sections: dict[str, list[ShownEntry]]
    readable: list[Section]
    # About me's identity fields as shown ({"full_name": "James Smith", …}), when the reader may read them.
    identity: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return self.identity.get("full_name") or self.person_name


def identity_of(entry: RecordEntry | None) -> dict[str, str]:
    """About me's identity fields as people read them (an NHS number spaced 3-3-4), the empty ones left out."""
    if entry is None:
        return {}
    about = SECTION_BY_KEY["about"]
    return {
        spec.name: display_value(spec, str(entry.data.get(spec.name, "")))
        for spec in about.fields
        if spec.name in IDENTITY_FIELDS and entry.data.get(spec.name)
    }


def essentials_for(reader: Reader) -> Essentials:
    """One query: the current entries of the essential sections the reader may read."""
    readable = [SECTION_BY_KEY[key] for key in ESSENTIAL_SECTIONS if reader.can_read(SECTION_BY_KEY[key])]
    entries = RecordEntry.objects.filter(
        circle=reader.circle,
        section__in=[section.key for section in readable],
        audience__in=reader.audiences,
        deleted_at__isnull=True,
    ).order_by("id")
    grouped: dict[str, list[ShownEntry]] = {section.key: [] for section in readable}
    about: RecordEntry | None = None
    for entry in entries:
        section = SECTION_BY_KEY[entry.section]
        if section.key == "medications" and entry.data.get("stopped"):
            continue
        if section.key == "about":
            about = entry
            shown = show(reader, section, entry)
            shown.values = [value for value in shown.values if value.name not in IDENTITY_FIELDS]
            if shown.values:
                grouped[section.key].append(shown)
            continue
        grouped[section.key].append(show(reader, section, entry))
    for items in grouped.values():
        items.sort(key=lambda item: item.title.lower())
    born = about.data.get("date_of_birth") if about is not None else None
    return Essentials(
        person_name=reader.circle.person_name,
        date_of_birth=datetime.date.fromisoformat(born) if born else reader.circle.person_date_of_birth,
        made_at=timezone.now(),
        sections=grouped,
        readable=readable,
        identity=identity_of(about),
    )


class PdfUnavailable(Exception):
    """WeasyPrint can't run here (its Pango library is missing); the printable page still works."""


def pdf_key(reader: Reader) -> str:
    """The key of a reader's PDF (its `PdfJob`): everything the PDF is drawn from but the reader's identity.

    The release, the circle and its event sequence (every entry change records one, so a changed
    record is drawn again), the reader's full capability set and audiences (which sections, entries
    and sensitive fields they see), the sections a share link was made for, and the reader's time
    zone, language and today's date there (`reader_settings`). Two readers share a copy only when
    every one of these is the same, and then their PDFs would be the same anyway.
    """
    circle = reader.circle
    link = reader.share_link
    material = [
        release(),
        "records:essentials_pdf",
        str(circle.pk),
        str(circle.event_seq),
        str(circle.closed_at),
        ",".join(sorted(reader.capabilities)),
        ",".join(sorted(reader.audiences)),
        "link:" + ",".join(sorted(link.sections)) if link is not None else "member",
        *reader_settings(),
    ]
    return "records-pdf:" + hashlib.sha256("\n".join(material).encode()).hexdigest()


def draw_pdf(reader: Reader) -> bytes:
    """The essentials as an A4 PDF, drawn now: only the worker calls this (records/pdf_jobs.py).

    WeasyPrint takes about 15 ms a line of the summary (docs/performance.md), so a request never
    draws it; the job keeps the drawn PDF under `pdf_key` for a day.
    """
    # Imported here: WeasyPrint loads Pango when imported, which every other page can do without.
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:
        raise PdfUnavailable(str(error)) from error
    html = render_to_string("records/essentials_pdf.html", {"essentials": essentials_for(reader)})
    return _pdf_of(HTML, html)


def _pdf_of(html_class: Any, html: str) -> bytes:
    """WeasyPrint's PDF of the summary's HTML (one place, so tests can count and see what is drawn)."""
    return bytes(html_class(string=html).write_pdf())


# FHIR R4.

ALLERGY_CRITICALITY = {"mild": "low", "moderate": "low", "severe": "high", "life_threatening": "high"}
ALLERGY_SEVERITY = {"mild": "mild", "moderate": "moderate", "severe": "severe", "life_threatening": "severe"}
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MEASUREMENTS = (
    ("weight", "29463-7", "Body weight", "kg", "kg"),
    ("temperature", "8310-5", "Body temperature", "Cel", "°C"),
)


def _urn(kind: str, key: object) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"carecircle:{kind}:{key}"))


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _text(value: str) -> str | None:
    return value or None


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty values: drop keys whose value is None, "" or empty."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def _people(reader: Reader, patient: str) -> list[dict[str, Any]]:
    members = Membership.objects.filter(circle=reader.circle).select_related("user").order_by("id")
    bundle_entries: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    for member in members:
        if member.role == Role.PERSON:
            continue
        name = {"text": member.user.display_name}
        if member.role in {Role.PROFESSIONAL, Role.PAID_CARER}:
            practitioner = _urn("practitioner", member.user_id)
            role_url = _urn("practitioner-role", member.pk)
            bundle_entries.append(_entry(practitioner, {"resourceType": "Practitioner", "name": [name]}))
            bundle_entries.append(
                _entry(
                    role_url,
                    _clean(
                        {
                            "resourceType": "PractitionerRole",
                            "practitioner": {"reference": practitioner},
                            "code": [{"text": member.relationship}] if member.relationship else None,
                        }
                    ),
                )
            )
            participants.append({"role": [{"text": str(Role(member.role).label)}], "member": {"reference": role_url}})
        elif member.role in {Role.ORGANISER, Role.HELPER}:
            related = _urn("related-person", member.pk)
            bundle_entries.append(
                _entry(
                    related,
                    _clean(
                        {
                            "resourceType": "RelatedPerson",
                            "patient": {"reference": patient},
                            "name": [name],
                            "relationship": [{"text": member.relationship}] if member.relationship else None,
                        }
                    ),
                )
            )
            participants.append({"role": [{"text": str(Role(member.role).label)}], "member": {"reference": related}})
    team = _clean(
        {
            "resourceType": "CareTeam",
            "status": "active",
            "name": f"The people helping {reader.circle.person_name}",
            "subject": {"reference": patient},
            "participant": participants,
        }
    )
    bundle_entries.append(_entry(_urn("care-team", reader.circle.pk), team))
    return bundle_entries


def _condition(entry: RecordEntry, patient: str) -> dict[str, Any]:
    data = entry.data
    return _clean(
        {
            "resourceType": "Condition",
            "subject": {"reference": patient},
            "code": {"text": data.get("name") or "Condition"},
            "onsetDateTime": _text(data.get("since", "")),
            "note": [{"text": data["notes"]}] if data.get("notes") else None,
        }
    )


def _allergy(entry: RecordEntry, patient: str) -> dict[str, Any]:
    data = entry.data
    severity = data.get("severity", "")
    reaction = _clean(
        {
            "manifestation": [{"text": data.get("reaction") or "Reaction"}],
            "severity": ALLERGY_SEVERITY.get(severity),
        }
    )
    return _clean(
        {
            "resourceType": "AllergyIntolerance",
            "patient": {"reference": patient},
            "code": {"text": data.get("substance") or "Allergy"},
            "criticality": ALLERGY_CRITICALITY.get(severity),
            "reaction": [reaction] if data.get("reaction") or severity else None,
            "note": [{"text": data["notes"]}] if data.get("notes") else None,
        }
    )


def _medication(entry: RecordEntry, patient: str) -> dict[str, Any]:
    data = entry.data
    dosage = " ".join(
        part for part in (data.get("strength", ""), data.get("dose", ""), data.get("schedule", "")) if part
    )
    period = _clean({"start": _text(data.get("started", "")), "end": _text(data.get("stopped", ""))})
    return _clean(
        {
            "resourceType": "MedicationStatement",
            "status": "stopped" if data.get("stopped") else "active",
            "subject": {"reference": patient},
            "medicationCodeableConcept": {"text": data.get("name") or "Medicine"},
            "effectivePeriod": period or None,
            "reasonCode": [{"text": data["reason"]}] if data.get("reason") else None,
            "dosage": [{"text": dosage}] if dosage else None,
            "note": [{"text": f"Prescribed by {data['prescriber']}"}] if data.get("prescriber") else None,
        }
    )


def _observations(entry: RecordEntry, patient: str) -> list[dict[str, Any]]:
    data = entry.data
    when = entry.created_at.isoformat()
    found: list[dict[str, Any]] = []
    for name, code, label, unit_code, unit in MEASUREMENTS:
        if data.get(name):
            found.append(
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": LOINC, "code": code, "display": label}], "text": label},
                    "subject": {"reference": patient},
                    "effectiveDateTime": when,
                    "valueQuantity": {"value": float(data[name]), "unit": unit, "system": UCUM, "code": unit_code},
                }
            )
    if data.get("systolic") and data.get("diastolic"):
        components = [
            ("8480-6", "Systolic blood pressure", data["systolic"]),
            ("8462-4", "Diastolic blood pressure", data["diastolic"]),
        ]
        found.append(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure"}]},
                "subject": {"reference": patient},
                "effectiveDateTime": when,
                "component": [
                    {
                        "code": {"coding": [{"system": LOINC, "code": code, "display": label}]},
                        "valueQuantity": {"value": float(value), "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
                    }
                    for code, label, value in components
                ],
            }
        )
    return found


def _document(entry: RecordEntry, patient: str, base_url: str) -> dict[str, Any]:
    document = getattr(entry, "document", None)
    attachment: dict[str, Any] = {"title": entry.data.get("title") or "Document"}
    if document is not None:
        attachment.update(contentType=document.content_type, size=document.size, url=f"{base_url}{entry.pk}/file/")
    return _clean(
        {
            "resourceType": "DocumentReference",
            "status": "current",
            "subject": {"reference": patient},
            "date": entry.created_at.isoformat(),
            "description": _text(entry.data.get("description", "")),
            "content": [{"attachment": attachment}],
        }
    )


NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"


def _patient(circle: Any, about: RecordEntry | None) -> dict[str, Any]:
    """The Patient: About me's identity when the reader may read it, else only the circle's name for them."""
    data = about.data if about is not None else {}
    names = [{"use": "official", "text": data["full_name"]}] if data.get("full_name") else []
    preferred = data.get("preferred_name") or ("" if names else circle.person_name)
    if preferred:
        names.append({"use": "usual", "text": preferred})
    born = data.get("date_of_birth") or (
        circle.person_date_of_birth.isoformat() if circle.person_date_of_birth else None
    )
    return _clean(
        {
            "resourceType": "Patient",
            "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": data["nhs_number"]}]
            if data.get("nhs_number")
            else None,
            "name": names,
            "birthDate": born,
            "address": [{"use": "home", "text": data["address"]}] if data.get("address") else None,
            "generalPractitioner": [{"display": data["gp_practice"]}] if data.get("gp_practice") else None,
        }
    )


def fhir_bundle(reader: Reader, *, document_url: str) -> dict[str, Any]:
    """A FHIR R4 collection Bundle of what the reader may read; a fixed number of queries."""
    circle = reader.circle
    patient = _urn("patient", circle.pk)
    wanted = ("about", "conditions", "allergies", "medications", "notes", "documents")
    readable = [key for key in wanted if reader.can_read(SECTION_BY_KEY[key])]
    rows = list(
        RecordEntry.objects.filter(
            circle=circle, section__in=readable, audience__in=reader.audiences, deleted_at__isnull=True
        )
        .select_related("document")
        .order_by("id")
    )
    about = next((row for row in rows if row.section == "about"), None)
    entries: list[dict[str, Any]] = [_entry(patient, _patient(circle, about))]
    if reader.access is not None and reader.can("members.view"):
        entries += _people(reader, patient)
    for row in rows:
        url = _urn("entry", row.pk)
        if row.section == "conditions":
            entries.append(_entry(url, _condition(row, patient)))
        elif row.section == "allergies":
            entries.append(_entry(url, _allergy(row, patient)))
        elif row.section == "medications":
            entries.append(_entry(url, _medication(row, patient)))
        elif row.section == "notes":
            for number, observation in enumerate(_observations(row, patient)):
                entries.append(_entry(_urn(f"observation-{number}", row.pk), observation))
        elif row.section == "documents":
            entries.append(_entry(url, _document(row, patient, document_url)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": entries,
    }

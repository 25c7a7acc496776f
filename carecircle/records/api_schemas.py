"""Request and response schemas of the record API, and how entries become responses."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Schema
from ninja.params.functions import Path, Query
from pydantic import ConfigDict, Field, StringConstraints, model_validator

from carecircle.lib.errors import InvalidFields
from carecircle.lib.schemas import MAX_ID, InputSchema, NoNul, Trimmed, enum_named
from carecircle.records import services
from carecircle.records.access import Reader
from carecircle.records.models import Audience as EntryAudience
from carecircle.records.models import RecordEntry
from carecircle.records.sections import SECTIONS, Section
from carecircle.records.values import InvalidValues, clean_values


def file_answer(description: str, *content_types: str) -> dict[str, Any]:
    """OpenAPI for an operation answering with a file rather than JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = dict.fromkeys(content_types, binary)
    return {"responses": {200: {"description": description, "content": content}}}


# Who may read a record entry (records.models.Audience), named apart from check-ins' audience.
Audience = Annotated[
    EntryAudience,
    enum_named("RecordAudience", EntryAudience, "Who may read the entry, on top of the section's consent."),
]
SectionKey = Literal["about", "conditions", "allergies", "medications", "contacts", "notes", "documents", "emergency"]
SectionPath = Annotated[SectionKey, Path(description="The section: " + ", ".join(s.key for s in SECTIONS) + ".")]
# Documents are added with their file (record_document_upload), never as plain values.
WritableSectionKey = Literal["about", "conditions", "allergies", "medications", "contacts", "notes", "emergency"]
WritableSectionPath = Annotated[
    WritableSectionKey, Path(description="The section (documents are uploaded with record_document_upload).")
]
EntryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The entry's id.")]
ShareId = Annotated[int, Path(ge=1, le=MAX_ID, description="The share link's id.")]
Before = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only entries older than this id.")]
Recipient = Annotated[str, Trimmed(80, min_length=1), NoNul]
FieldValue = Annotated[str, StringConstraints(max_length=2000), NoNul]


class SectionOut(Schema):
    key: str
    title: str
    entries: int = Field(description="Entries you may see (for medications: those taken now).")
    single: bool


class DocumentOut(Schema):
    filename: str
    content_type: str
    size: int


class EntryOut(Schema):
    id: int
    section: str
    title: str
    values: dict[str, str] = Field(
        description="Field values as text; sensitive ones only for organisers and the person."
    )
    audience: Audience
    version: int = Field(description="Send it back when changing the entry.")
    updated_at: datetime.datetime
    updated_by: str
    deleted: bool
    document: DocumentOut | None = None


class VersionOut(Schema):
    number: int
    change: str
    by: str
    at: datetime.datetime
    changes: list[dict[str, str]]


class EntryIn(InputSchema):
    values: dict[str, FieldValue | None] = Field(description="Field values by name; see the section's fields.")
    audience: Audience = EntryAudience.EVERYONE
    client_id: uuid.UUID | None = Field(default=None, description="Send the same id when retrying: no duplicate.")


class EntryUpdateIn(InputSchema):
    values: dict[str, FieldValue | None] = Field(default_factory=dict, description="Only the fields to change.")
    audience: Audience | None = None
    version: int = Field(ge=1, le=MAX_ID, description="The version you read; another one means someone else saved.")


class ShareLinkIn(InputSchema):
    recipient: Recipient
    sections: list[SectionKey] = Field(min_length=1, max_length=len(SECTIONS))
    hours: Literal[24, 168]
    code_channel: Literal["", "email", "sms"] = ""
    code_to: Annotated[str, Trimmed(254), NoNul] = Field(
        default="",
        description="Where the code goes: required (an email address or a mobile number) with a code_channel.",
    )

    @model_validator(mode="after")
    def _code_needs_somewhere_to_go(self) -> ShareLinkIn:
        if self.code_channel and not self.code_to:
            raise InvalidFields({"code_to": gettext("Enter where to send the code, or choose no code.")})
        return self

    client_id: uuid.UUID | None = None


class ShareLinkOut(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: int
    recipient: str
    sections: list[str]
    status: str
    created_by_name: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    code_channel: str


class ShareLinkCreatedOut(ShareLinkOut):
    url: str | None = Field(description="Shown once: only a hash is kept. Null on a retry.")


class RecordViewOut(Schema):
    id: int
    who: str
    kind: str
    what: str
    at: datetime.datetime


def entry_out(reader: Reader, section: Section, entry: RecordEntry) -> EntryOut:
    visible = {
        field.name: str(entry.data.get(field.name, ""))
        for field in section.fields
        if reader.can_sensitive or not field.sensitive
    }
    document = getattr(entry, "document", None) if section.key == "documents" else None
    return EntryOut(
        id=entry.pk,
        section=section.key,
        title=services.entry_title(section, entry.data),
        values=visible,
        audience=EntryAudience(entry.audience),
        version=entry.version,
        updated_at=entry.updated_at,
        updated_by=entry.updated_by_name,
        deleted=entry.deleted_at is not None,
        document=DocumentOut(filename=document.filename, content_type=document.content_type, size=document.size)
        if document is not None
        else None,
    )


def checked_values(section: Section, values: dict[str, str | None], reader: Reader, *, partial: bool) -> dict[str, str]:
    raw: dict[str, Any] = dict(values)
    if partial:
        # A change names only what changes; required fields it leaves out keep their value.
        for field in section.fields:
            if field.required and field.name not in raw:
                raw[field.name] = "keep"
    try:
        cleaned = clean_values(section, raw, may_change_sensitive=reader.can_sensitive)
    except InvalidValues as error:
        raise InvalidFields(
            {f"values.{name}" if name != "__all__" else "values": m for name, m in error.errors.items()}
        ) from error
    sensitive = {field.name for field in section.fields if field.sensitive}
    if not reader.can_sensitive and sensitive & set(values):
        raise InvalidFields(
            {
                f"values.{name}": gettext("Only organisers and the person may change this.")
                for name in sensitive & set(values)
            }
        )
    return {name: value for name, value in cleaned.items() if name in values or not partial}

"""Every write to the shared record (ARCHITECTURE rule 3).

Each service: keyword-only arguments, an explicit actor, one transaction, one audit row, a version
for every change of an entry, and a live event published after commit. Callers check access first
(records/access.py); values arrive checked by records/values.py.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.circles.models import Circle
from carecircle.lib.errors import Conflict, DomainError
from carecircle.lib.hooks import delivery_enqueue
from carecircle.lib.idempotency import create_once, replayed
from carecircle.lib.text import TextRefused, single_line
from carecircle.lib.tokens import secret_hash
from carecircle.realtime.events import circle_event_record
from carecircle.records.models import Audience, RecordDocument, RecordEntry, RecordVersion, RecordView, ShareLink
from carecircle.records.sections import SECTION_BY_KEY, SECTIONS, Section
from carecircle.records.values import clean_values

if TYPE_CHECKING:
    from carecircle.accounts.models import User

SHARE_HOURS = (24, 24 * 7)
CODE_DIGITS = 6


class RecordError(DomainError):
    """A request that breaks a rule of the record; the message says what to do instead."""


class RecordConflict(RecordError, Conflict):
    """A change the entry's current state refuses, such as changing a deleted entry (409)."""


class EditConflict(RecordConflict):
    """Someone else saved the entry since the form was drawn; `current` is what they saved."""

    def __init__(self, current: RecordEntry) -> None:
        self.current = current
        super().__init__(
            gettext(
                "Someone else changed this while you were editing. Compare the two versions and choose which to keep."
            )
        )


def entry_title(section: Section, data: Mapping[str, str]) -> str:
    """How an entry is named in lists and the activity log."""
    if section.single:
        return str(section.title)
    value = str(data.get(section.title_field, "") or "")
    return value[:60] + ("…" if len(value) > 60 else "") if value else section.noun.capitalize()


def _version(entry: RecordEntry, *, actor: User, change: str) -> RecordVersion:
    return RecordVersion.objects.create(
        entry=entry,
        number=entry.version,
        change=change,
        data=entry.data,
        audience=entry.audience,
        author=actor,
        author_name=actor.display_name,
        created_at=entry.updated_at,
    )


def _changed(entry: RecordEntry, *, actor: User, action: str, change: str) -> None:
    section = SECTION_BY_KEY[entry.section]
    _version(entry, actor=actor, change=change)
    audit_record(
        actor=actor,
        action=action,
        circle=entry.circle,
        data={"section": entry.section, "entry": entry.pk, "title": entry_title(section, entry.data)},
    )
    circle_event_record(circle=entry.circle, type="record.changed", entry=entry.pk, section=entry.section)


def _existing(actor: User, client_id: uuid.UUID | None, circle: Circle, section_key: str) -> RecordEntry | None:
    """The entry this client_id created, when the request repeats it (same circle, same section)."""
    if client_id is None:
        return None

    def used_for(entry: RecordEntry) -> str:
        words = {"section": SECTION_BY_KEY[entry.section].title, "id": entry.pk}
        if entry.circle_id == circle.pk:
            # Translators: what a client_id was used for; %(section)s is a section of the record ("Medications").
            return gettext("an entry in “%(section)s” (id %(id)s)") % words
        return gettext("an entry in “%(section)s” in another circle (id %(id)s)") % words

    return replayed(
        RecordEntry.objects.filter(created_by=actor, client_id=client_id).first(),
        matches=lambda entry: entry.circle_id == circle.pk and entry.section == section_key,
        used_for=used_for,
    )


@transaction.atomic
def entry_create(
    *,
    actor: User,
    circle: Circle,
    section: Section,
    values: Mapping[str, str],
    audience: str = Audience.EVERYONE,
    client_id: uuid.UUID | None = None,
) -> RecordEntry:
    """Add an entry; a retry with the same client_id returns the first one."""
    existing = _existing(actor, client_id, circle, section.key)
    if existing is not None:
        return existing
    if section.key == "documents":
        raise RecordError(gettext("Add a document with its file."))
    entry, _ = _create(
        actor=actor, circle=circle, section=section, values=values, audience=audience, client_id=client_id
    )
    return entry


def _create(
    *,
    actor: User,
    circle: Circle,
    section: Section,
    values: Mapping[str, str],
    audience: str,
    client_id: uuid.UUID | None,
) -> tuple[RecordEntry, bool]:
    """The new entry and True; or, when a simultaneous retry stored first, its entry and False."""
    # Callers check values first (forms, the API); checking again keeps every stored value clean
    # whoever calls. Cleaning is idempotent: cleaned values come back unchanged.
    cleaned = clean_values(section, values, may_change_sensitive=True)
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = RecordEntry.objects.create(
                circle=circle,
                section=section.key,
                data={field.name: cleaned.get(field.name, "") for field in section.fields},
                audience=Audience(audience),
                created_by=actor,
                created_at=now,
                updated_by=actor,
                updated_by_name=actor.display_name,
                updated_at=now,
                client_id=client_id,
            )
    except IntegrityError as error:
        # A simultaneous request with the same client_id stored first: answer with its entry.
        earlier = _existing(actor, client_id, circle, section.key)
        if earlier is not None:
            return earlier, False
        if section.single:
            current = RecordEntry.objects.get(circle=circle, section=section.key, deleted_at__isnull=True)
            raise EditConflict(current) from error
        raise
    _changed(entry, actor=actor, action="record.entry_created", change=RecordVersion.Change.CREATED)
    return entry, True


@transaction.atomic
def entry_update(
    *,
    actor: User,
    entry: RecordEntry,
    values: Mapping[str, str],
    audience: str | None = None,
    expected_version: int,
) -> RecordEntry:
    """Change an entry that is at `expected_version`; otherwise raise EditConflict, never overwrite.

    Fields left out of `values` keep their value (the sensitive ones a helper can't see, for example).
    Raises InvalidValues when the result breaks a field's rules.
    """
    locked = RecordEntry.objects.select_for_update().select_related("circle").get(pk=entry.pk)
    if locked.deleted_at is not None:
        raise RecordConflict(gettext("This entry was deleted. Restore it from its history before changing it."))
    if locked.version != expected_version:
        raise EditConflict(locked)
    section = SECTION_BY_KEY[locked.section]
    merged = {field.name: locked.data.get(field.name, "") for field in section.fields} | dict(values)
    data = {field.name: "" for field in section.fields} | clean_values(section, merged, may_change_sensitive=True)
    new_audience = Audience(audience) if audience else locked.audience
    if data == locked.data and new_audience == locked.audience:
        return locked
    locked.data = data
    locked.audience = new_audience
    locked.version += 1
    locked.updated_by = actor
    locked.updated_by_name = actor.display_name
    locked.updated_at = timezone.now()
    locked.save(update_fields=["data", "audience", "version", "updated_by", "updated_by_name", "updated_at"])
    _changed(locked, actor=actor, action="record.entry_updated", change=RecordVersion.Change.EDITED)
    return locked


def _set_deleted(*, actor: User, entry: RecordEntry, deleted: bool) -> RecordEntry:
    locked = RecordEntry.objects.select_for_update().select_related("circle").get(pk=entry.pk)
    if (locked.deleted_at is not None) == deleted:
        return locked
    section = SECTION_BY_KEY[locked.section]
    if (
        not deleted
        and section.single
        and RecordEntry.objects.filter(circle=locked.circle, section=locked.section, deleted_at__isnull=True).exists()
    ):
        raise RecordConflict(
            # Translators: %(section)s is the name of a part of the care record, such as "About me".
            gettext("There is already a newer “%(section)s”. Change that one instead.") % {"section": section.title}
        )
    locked.deleted_at = timezone.now() if deleted else None
    locked.version += 1
    locked.updated_by = actor
    locked.updated_by_name = actor.display_name
    locked.updated_at = timezone.now()
    locked.save(update_fields=["deleted_at", "version", "updated_by", "updated_by_name", "updated_at"])
    _changed(
        locked,
        actor=actor,
        action="record.entry_deleted" if deleted else "record.entry_restored",
        change=RecordVersion.Change.DELETED if deleted else RecordVersion.Change.RESTORED,
    )
    return locked


@transaction.atomic
def entry_delete(*, actor: User, entry: RecordEntry) -> RecordEntry:
    """Soft delete: the entry and its history stay, and anyone who may write can restore it."""
    return _set_deleted(actor=actor, entry=entry, deleted=True)


@transaction.atomic
def entry_restore(*, actor: User, entry: RecordEntry) -> RecordEntry:
    return _set_deleted(actor=actor, entry=entry, deleted=False)


@transaction.atomic
def document_add(
    *,
    actor: User,
    circle: Circle,
    values: Mapping[str, str],
    content: bytes,
    content_type: str,
    filename: str,
    audience: str = Audience.EVERYONE,
    client_id: uuid.UUID | None = None,
) -> RecordEntry:
    """Add a document whose content was already checked and cleaned (records/documents.py)."""
    existing = _existing(actor, client_id, circle, "documents")
    if existing is not None:
        return existing
    section = SECTION_BY_KEY["documents"]
    entry, new = _create(
        actor=actor, circle=circle, section=section, values=values, audience=audience, client_id=client_id
    )
    if not new:
        return entry
    document = RecordDocument(entry=entry, content_type=content_type, size=len(content), filename=filename)
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    return entry


# Share links for professionals without an account.


def _share_expiry(hours: int) -> datetime.datetime:
    if hours not in SHARE_HOURS:
        raise RecordError(gettext("Choose 24 hours or 7 days."))
    return timezone.now() + datetime.timedelta(hours=hours)


def _share_link_replayed(actor: User, client_id: uuid.UUID | None, circle: Circle) -> ShareLink | None:
    if client_id is None:
        return None
    return replayed(
        ShareLink.objects.filter(created_by=actor, client_id=client_id).first(),
        matches=lambda link: link.circle_id == circle.pk,
        used_for=lambda link: gettext("a share link in another circle (id %(id)s)") % {"id": link.pk},
    )


@transaction.atomic
def share_link_create(
    *,
    actor: User,
    circle: Circle,
    recipient: str,
    sections: list[str],
    hours: int,
    code_channel: str = "",
    code_to: str = "",
    client_id: uuid.UUID | None = None,
) -> tuple[ShareLink, str | None]:
    """A read-only link to the chosen sections; returns it with its token (None on a retry: never stored).

    With a code channel, a 6-digit code goes to the recipient's email or phone, so a link that
    reaches the wrong person opens nothing by itself.
    """
    existing = _share_link_replayed(actor, client_id, circle)
    if existing is not None:
        return existing, None
    try:
        recipient = single_line(recipient, limit=80, what="name of who it's for")
    except TextRefused as error:
        raise RecordError(str(error)) from error
    if not recipient:
        raise RecordError(gettext("Say who the link is for, so the people in the circle know who looked."))
    chosen = [section.key for section in SECTIONS if section.key in set(sections)]
    if not chosen or len(chosen) != len(set(sections)):
        raise RecordError(gettext("Choose at least one section of the record to share."))
    channel = ShareLink.CodeChannel(code_channel)
    if channel and not code_to:
        raise RecordError(gettext("Enter where to send the code, or choose no code."))
    token = secrets.token_urlsafe(24)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS)) if channel else ""
    link, new = create_once(
        lambda: ShareLink.objects.create(
            circle=circle,
            recipient=recipient,
            sections=chosen,
            token_hash=secret_hash(token),
            code_channel=channel,
            code_to=code_to if channel else "",
            code_hash=secret_hash(code) if code else "",
            created_by=actor,
            created_by_name=actor.display_name,
            expires_at=_share_expiry(hours),
            client_id=client_id,
        ),
        find=lambda: _share_link_replayed(actor, client_id, circle),
    )
    if not new:
        # A simultaneous request with the same client_id stored its link first.
        return link, None
    if code:
        # The person receiving the code has no account, so it goes in the language of the member sharing.
        body = gettext(
            "Your code to read %(person)s's care record, shared by %(name)s, is %(code)s. "
            "Enter it on the page the link opens."
        ) % {"person": circle.person_name, "name": actor.display_name, "code": code}
        delivery_enqueue(
            channel="email" if channel == ShareLink.CodeChannel.EMAIL else "sms",
            to=code_to,
            subject=gettext("Your code for a shared care record"),
            body=body,
            idempotency_key=f"records.share_code.{link.pk}",
        )
    audit_record(
        actor=actor,
        action="record.share_created",
        circle=circle,
        subject_name=recipient,
        data={"sections": chosen, "hours": hours, "code": channel.value},
    )
    circle_event_record(circle=circle, type="record.share_changed", share_link=link.pk)
    return link, token


@transaction.atomic
def share_link_revoke(*, actor: User, link: ShareLink) -> ShareLink:
    locked = ShareLink.objects.select_for_update().select_related("circle").get(pk=link.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="record.share_revoked", circle=locked.circle, subject_name=locked.recipient)
    circle_event_record(circle=locked.circle, type="record.share_changed", share_link=locked.pk)
    return locked


@transaction.atomic
def export_record(*, actor: User, circle: Circle, kind: str) -> None:
    """Note in the activity log that someone downloaded the whole circle's data (or the FHIR bundle)."""
    audit_record(actor=actor, action="record.exported", circle=circle, data={"kind": kind})


def record_view_log(
    *,
    circle: Circle,
    what: str,
    kind: str,
    viewer: User | None = None,
    share_link: ShareLink | None = None,
    entry: RecordEntry | None = None,
) -> RecordView:
    """Write one line of "who looked at what, when"; the access log is its own record, not the audit log."""
    if share_link is not None:
        name = f"{share_link.recipient} (link from {share_link.created_by_name})"
    else:
        name = viewer.display_name if viewer is not None else "Someone"
    return RecordView.objects.create(
        circle=circle,
        viewer=viewer,
        viewer_name=name[:120],
        viewer_kind=kind,
        share_link=share_link,
        what=what[:120],
        entry=entry,
    )

"""Turning audit entries into plain sentences: "Olivia invited Priya as a helper"."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import InvitationChannel, Role, role_noun
from carecircle.circles.permissions import CAPABILITY_BY_KEY

ROLE_GROUPS = {
    Role.PERSON.value: "the person being helped",
    Role.ORGANISER.value: "organisers",
    Role.HELPER.value: "helpers",
    Role.PAID_CARER.value: "paid carers",
    Role.PROFESSIONAL.value: "professionals",
    Role.WELL_WISHER.value: "well-wishers",
}
CHANNEL_WORDS = {
    InvitationChannel.EMAIL.value: "by email",
    InvitationChannel.SMS.value: "by text message",
}
CIRCLE_FIELDS = {"person_name": "name", "person_date_of_birth": "date of birth"}


@dataclass(frozen=True)
class LogLine:
    id: int
    sentence: str
    when: str
    iso: str


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or "Someone"


def _subject(entry: AuditEntry) -> str:
    return entry.subject_name or "someone"


def _role_name(role: Any) -> str:
    """ "helper", "paid carer": a role without an article."""
    try:
        return Role(role).label.lower()
    except ValueError:
        return str(role)


def _capability_words(key: str) -> str:
    capability = CAPABILITY_BY_KEY.get(key)
    if capability is None:
        return key
    return capability.label[0].lower() + capability.label[1:]


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _circle_created(entry: AuditEntry) -> str:
    person = entry.data.get("person_name") or "someone"
    return f"{_actor(entry)} started the circle for {person}"


def _circle_updated(entry: AuditEntry) -> str:
    changed = entry.data.get("changed") or {}
    parts = []
    for field, words in CIRCLE_FIELDS.items():
        if field not in changed:
            continue
        if field == "person_name" and isinstance(changed[field], list) and len(changed[field]) == 2:
            before, after = changed[field]
            parts.append(f"the {words} from {before} to {after}")
        else:
            parts.append(f"the {words}")
    if not parts:
        return f"{_actor(entry)} changed the circle's details"
    return f"{_actor(entry)} changed {_join(parts)}"


def _circle_photo_changed(entry: AuditEntry) -> str:
    verb = {"added": "added a photo", "removed": "removed the photo"}.get(entry.data.get("change"), "changed the photo")
    return f"{_actor(entry)} {verb}"


def _member_added(entry: AuditEntry) -> str:
    return f"{_actor(entry)} added {_subject(entry)} as {role_noun(entry.data.get('role', ''))}"


def _member_role_changed(entry: AuditEntry) -> str:
    data = entry.data
    subject = _subject(entry)
    sentence = (
        f"{_actor(entry)} changed {subject}'s role from {_role_name(data.get('from'))} to {_role_name(data.get('to'))}"
    )
    if "relationship" in data:
        sentence += " and " + _relationship_phrase(data["relationship"], "their")
    return sentence


def _relationship_phrase(change: Any, owner: str) -> str:
    if isinstance(change, list) and len(change) == 2:
        before, after = change
        if after and before:
            return f'{owner} relationship from "{before}" to "{after}"'
        if after:
            return f'set {owner} relationship to "{after}"'
        return f"cleared {owner} relationship"
    return f"changed {owner} relationship"


def _member_relationship_changed(entry: AuditEntry) -> str:
    change = entry.data.get("relationship")
    phrase = _relationship_phrase(change, f"{_subject(entry)}'s")
    if phrase.startswith(("set ", "cleared ", "changed ")):
        return f"{_actor(entry)} {phrase}"
    return f"{_actor(entry)} changed {phrase}"


def _member_removed(entry: AuditEntry) -> str:
    return f"{_actor(entry)} removed {_subject(entry)} from the circle"


def _member_left(entry: AuditEntry) -> str:
    return f"{_actor(entry)} left the circle"


LINK_RECIPIENT = "Anyone with the link"


def _link_for(entry: AuditEntry) -> str:
    """ "a shareable link" or "a shareable link for Priya"."""
    named = entry.subject_name and entry.subject_name != LINK_RECIPIENT
    return f"a shareable link for {entry.subject_name}" if named else "a shareable link"


def _invitation_created(entry: AuditEntry) -> str:
    role = role_noun(entry.data.get("role", ""))
    if entry.data.get("channel") == InvitationChannel.LINK.value:
        return f"{_actor(entry)} made {_link_for(entry)} to join as {role}"
    how = CHANNEL_WORDS.get(entry.data.get("channel", ""), "")
    return f"{_actor(entry)} invited {_subject(entry)} as {role}" + (f" {how}" if how else "")


def _invitation_revoked(entry: AuditEntry) -> str:
    role = role_noun(entry.data.get("role", ""))
    if entry.subject_name == LINK_RECIPIENT:
        return f"{_actor(entry)} cancelled a shareable link to join as {role}"
    return f"{_actor(entry)} cancelled the invitation for {_subject(entry)} to join as {role}"


def _invitation_accepted(entry: AuditEntry) -> str:
    sentence = f"{_actor(entry)} joined as {role_noun(entry.data.get('role', ''))}"
    inviter = entry.data.get("invited_by")
    return sentence + (f", invited by {inviter}" if inviter else "")


def _consent_changed(entry: AuditEntry) -> str:
    changes = entry.data.get("changes") or {}
    parts = []
    # Roles in the order the consent page lists them, however the entry stored them.
    order = list(ROLE_GROUPS)
    for role, change in sorted(changes.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99):
        group = ROLE_GROUPS.get(role, role)
        granted = [_capability_words(key) for key in change.get("granted", [])]
        withdrawn = [_capability_words(key) for key in change.get("withdrawn", [])]
        if granted:
            parts.append(f"{group} can now {_join(granted)}")
        if withdrawn:
            parts.append(f"{group} can no longer {_join(withdrawn)}")
    if not parts:
        return f"{_actor(entry)} changed who can see what"
    return f"{_actor(entry)} changed who can see what: " + "; ".join(parts)


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "circle.created": _circle_created,
    "circle.updated": _circle_updated,
    "circle.photo_changed": _circle_photo_changed,
    "member.added": _member_added,
    "member.role_changed": _member_role_changed,
    "member.relationship_changed": _member_relationship_changed,
    "member.removed": _member_removed,
    "member.left": _member_left,
    "invitation.created": _invitation_created,
    "invitation.revoked": _invitation_revoked,
    "invitation.accepted": _invitation_accepted,
    "consent.changed": _consent_changed,
}


def register_sentences(sentences: dict[str, Callable[[AuditEntry], str]]) -> None:
    """Let another app describe its own actions; called from that app's AppConfig.ready()."""
    clash = set(sentences) & set(SENTENCES)
    if clash:
        raise ValueError(f"Audit actions described twice: {sorted(clash)}")
    SENTENCES.update(sentences)


def entry_sentence(entry: AuditEntry) -> str:
    """What happened, as a sentence without the time: "Olivia invited Priya as a helper by email"."""
    describe = SENTENCES.get(entry.action)
    if describe is not None:
        try:
            return describe(entry)
        except (AttributeError, KeyError, TypeError, ValueError):
            # An entry written by older code may hold data in another shape; it still gets a line.
            pass
    subject = f" ({entry.subject_name})" if entry.subject_name else ""
    return f"{_actor(entry)} made a change: {entry.action}{subject}"


def when_text(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "Tue 12 Mar, 10:30" in the active (viewer's) time zone; the year too when it isn't this year."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now())
    pattern = "D j M, H:i" if local.year == today.year else "D j M Y, H:i"
    return formats.date_format(local, pattern)


def log_lines(entries: Iterable[AuditEntry]) -> list[LogLine]:
    now = timezone.now()
    return [
        LogLine(
            id=entry.pk,
            sentence=entry_sentence(entry),
            when=when_text(entry.created_at, now=now),
            iso=entry.created_at.isoformat(),
        )
        for entry in entries
    ]

"""Turning audit entries into plain sentences: "Olivia invited Priya as a helper"."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import InvitationChannel, Role, role_noun
from carecircle.circles.permissions import CAPABILITY_BY_KEY
from carecircle.lib.date_words import short_date

ROLE_GROUPS = {
    Role.PERSON.value: gettext_lazy("the person being helped"),
    Role.ORGANISER.value: gettext_lazy("organisers"),
    Role.HELPER.value: gettext_lazy("helpers"),
    Role.PAID_CARER.value: gettext_lazy("paid carers"),
    Role.PROFESSIONAL.value: gettext_lazy("professionals"),
    Role.WELL_WISHER.value: gettext_lazy("well-wishers"),
}
CHANNEL_WORDS = {
    InvitationChannel.EMAIL.value: gettext_lazy("by email"),
    InvitationChannel.SMS.value: gettext_lazy("by text message"),
}
CIRCLE_FIELDS = {
    "person_name": gettext_lazy("the name"),
    "person_date_of_birth": gettext_lazy("the date of birth"),
    "person_district": gettext_lazy("the first part of the postcode"),
}


@dataclass(frozen=True)
class LogLine:
    id: int
    sentence: str
    when: str
    iso: str


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or _("Someone")


def _subject(entry: AuditEntry) -> str:
    return entry.subject_name or _("someone")


def _role_name(role: Any) -> str:
    """ "helper", "paid carer": a role without an article."""
    try:
        return str(Role(role).label).lower()
    except ValueError:
        return str(role)


def _role_noun(role: Any) -> str:
    return str(role_noun(str(role or "")))


def _capability_words(key: str) -> str:
    capability = CAPABILITY_BY_KEY.get(key)
    if capability is None:
        return key
    label = str(capability.label)
    return label[0].lower() + label[1:]


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    # Translators: the last two items of a list, as in "the name and the date of birth".
    return _("%(first)s and %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def _circle_created(entry: AuditEntry) -> str:
    person = entry.data.get("person_name") or _("someone")
    return _("%(name)s started the circle for %(person)s") % {"name": _actor(entry), "person": person}


def _circle_updated(entry: AuditEntry) -> str:
    changed = entry.data.get("changed") or {}
    parts = []
    for field, words in CIRCLE_FIELDS.items():
        if field not in changed:
            continue
        if field == "person_name" and isinstance(changed[field], list) and len(changed[field]) == 2:
            before, after = changed[field]
            # Translators: a change to the circle's details, as in "the name from Jim to James".
            parts.append(
                _("%(field)s from %(before)s to %(after)s") % {"field": words, "before": before, "after": after}
            )
        else:
            parts.append(str(words))
    if not parts:
        return _("%(name)s changed the circle's details") % {"name": _actor(entry)}
    return _("%(name)s changed %(what)s") % {"name": _actor(entry), "what": _join(parts)}


def _circle_photo_changed(entry: AuditEntry) -> str:
    sentence = {
        "added": gettext_lazy("%(name)s added a photo"),
        "removed": gettext_lazy("%(name)s removed the photo"),
    }.get(entry.data.get("change"), gettext_lazy("%(name)s changed the photo"))
    return str(sentence) % {"name": _actor(entry)}


def _member_added(entry: AuditEntry) -> str:
    return _("%(name)s added %(subject)s as %(role)s") % {
        "name": _actor(entry),
        "subject": _subject(entry),
        "role": _role_noun(entry.data.get("role", "")),
    }


def _member_role_changed(entry: AuditEntry) -> str:
    data = entry.data
    words = {
        "name": _actor(entry),
        "subject": _subject(entry),
        "before": _role_name(data.get("from")),
        "after": _role_name(data.get("to")),
    }
    sentence = _("%(name)s changed %(subject)s's role from %(before)s to %(after)s") % words
    if "relationship" in data:
        # Translators: joins two changes to a member, as in "… to helper and set their relationship to "son"".
        sentence = _("%(first)s and %(second)s") % {
            "first": sentence,
            "second": _relationship_phrase(data["relationship"], _("their")),
        }
    return sentence


def _relationship_phrase(change: Any, owner: str) -> str:
    if isinstance(change, list) and len(change) == 2:
        before, after = change
        if after and before:
            return _('%(owner)s relationship from "%(before)s" to "%(after)s"') % {
                "owner": owner,
                "before": before,
                "after": after,
            }
        if after:
            return _('set %(owner)s relationship to "%(after)s"') % {"owner": owner, "after": after}
        return _("cleared %(owner)s relationship") % {"owner": owner}
    return _("changed %(owner)s relationship") % {"owner": owner}


def _member_relationship_changed(entry: AuditEntry) -> str:
    change = entry.data.get("relationship")
    words = {"name": _actor(entry), "subject": _subject(entry)}
    if isinstance(change, list) and len(change) == 2:
        before, after = change
        if after and before:
            return _('%(name)s changed %(subject)s\'s relationship from "%(before)s" to "%(after)s"') % {
                **words,
                "before": before,
                "after": after,
            }
        if after:
            return _('%(name)s set %(subject)s\'s relationship to "%(after)s"') % {**words, "after": after}
        return _("%(name)s cleared %(subject)s's relationship") % words
    return _("%(name)s changed %(subject)s's relationship") % words


def _member_removed(entry: AuditEntry) -> str:
    return _("%(name)s removed %(subject)s from the circle") % {"name": _actor(entry), "subject": _subject(entry)}


def _member_left(entry: AuditEntry) -> str:
    return _("%(name)s left the circle") % {"name": _actor(entry)}


LINK_RECIPIENT = "Anyone with the link"


def _invitation_created(entry: AuditEntry) -> str:
    words = {"name": _actor(entry), "subject": _subject(entry), "role": _role_noun(entry.data.get("role", ""))}
    if entry.data.get("channel") == InvitationChannel.LINK.value:
        if entry.subject_name and entry.subject_name != LINK_RECIPIENT:
            return _("%(name)s made a shareable link for %(subject)s to join as %(role)s") % words
        return _("%(name)s made a shareable link to join as %(role)s") % words
    how = CHANNEL_WORDS.get(entry.data.get("channel", ""))
    if how:
        # Translators: %(how)s is "by email" or "by text message".
        return _("%(name)s invited %(subject)s as %(role)s %(how)s") % {**words, "how": how}
    return _("%(name)s invited %(subject)s as %(role)s") % words


def _invitation_revoked(entry: AuditEntry) -> str:
    words = {"name": _actor(entry), "subject": _subject(entry), "role": _role_noun(entry.data.get("role", ""))}
    if entry.subject_name == LINK_RECIPIENT:
        return _("%(name)s cancelled a shareable link to join as %(role)s") % words
    return _("%(name)s cancelled the invitation for %(subject)s to join as %(role)s") % words


def _invitation_accepted(entry: AuditEntry) -> str:
    words = {
        "name": _actor(entry),
        "role": _role_noun(entry.data.get("role", "")),
        "inviter": entry.data.get("invited_by"),
    }
    if words["inviter"]:
        return _("%(name)s joined as %(role)s, invited by %(inviter)s") % words
    return _("%(name)s joined as %(role)s") % words


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
            # Translators: as in "helpers can now read the record and see the calendar".
            parts.append(_("%(group)s can now %(what)s") % {"group": group, "what": _join(granted)})
        if withdrawn:
            parts.append(_("%(group)s can no longer %(what)s") % {"group": group, "what": _join(withdrawn)})
    if not parts:
        return _("%(name)s changed who can see what") % {"name": _actor(entry)}
    return _("%(name)s changed who can see what: %(changes)s") % {"name": _actor(entry), "changes": "; ".join(parts)}


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
    words = {"name": _actor(entry), "action": entry.action, "subject": entry.subject_name}
    if entry.subject_name:
        return _("%(name)s made a change: %(action)s (%(subject)s)") % words
    return _("%(name)s made a change: %(action)s") % words


def when_text(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "Tue 12 Mar, 10:30" in the active (viewer's) time zone; the year too when it isn't this year."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now())
    pattern = "D j M, H:i" if local.year == today.year else "D j M Y, H:i"
    return short_date(local, pattern)


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

"""Who may read which part of the record: a member (through circles/access.py) or a share link.

Both become a `Reader`, so pages, exports and the API filter entries the same way: the section's
capability (consent decides) and then the entry's audience. An entry outside the reader's audience
is answered with 404, exactly like one that doesn't exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from carecircle.circles.access import CapabilityRefused, CircleAccess, access_circle
from carecircle.circles.models import Circle, Role
from carecircle.records.models import Audience, RecordEntry, RecordView, ShareLink, audiences_for
from carecircle.records.sections import SECTION_BY_KEY, Section
from carecircle.records.services import record_view_log

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from carecircle.accounts.models import User

SENSITIVE = "records.read.sensitive"
WRITE = "records.write"
DELETE = "records.delete"
# About me and the emergency plan are one entry each: deleting one takes it away from everyone.
DELETE_SINGLE = "records.delete.single"


@dataclass(frozen=True)
class Reader:
    circle: Circle
    capabilities: frozenset[str]
    audiences: tuple[str, ...]
    access: CircleAccess | None = None
    share_link: ShareLink | None = None

    @property
    def can_sensitive(self) -> bool:
        return SENSITIVE in self.capabilities

    @property
    def can_write(self) -> bool:
        return WRITE in self.capabilities

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def can_delete(self, section: Section) -> bool:
        return DELETE in self.capabilities and (not section.single or DELETE_SINGLE in self.capabilities)

    def can_read(self, section: Section) -> bool:
        if self.share_link is not None:
            # Conditions and allergies share a capability, but a link names each section it shows.
            return section.key in self.share_link.sections
        return section.capability in self.capabilities

    def require_section(self, section: Section) -> None:
        if not self.can_read(section):
            message = _("Your role in this circle doesn't allow reading %(section)s.") % {
                "section": str(section.title).lower()
            }
            if self.access is not None:
                # A member: the refusal page names the permission and who can give it.
                raise CapabilityRefused(
                    message,
                    capability=section.capability,
                    role=self.access.role,
                    closed=self.circle.closed_at is not None,
                )
            raise PermissionDenied(message)

    @property
    def watched(self) -> str:
        """The kind of viewer whose every look is logged, or "" for the circle's own people."""
        if self.share_link is not None:
            return RecordView.ViewerKind.SHARE_LINK
        if self.access is not None and self.access.role == Role.PROFESSIONAL:
            return RecordView.ViewerKind.PROFESSIONAL
        return ""

    def log(self, what: str, *, entry: RecordEntry | None = None) -> None:
        """Record a look at the record by a professional or a share link ("who looked at what, when")."""
        kind = self.watched
        if not kind:
            return
        viewer = None
        if self.access is not None:
            viewer = self.access.membership.user
        record_view_log(
            circle=self.circle, what=what, kind=kind, viewer=viewer, share_link=self.share_link, entry=entry
        )


def member_reader(access: CircleAccess) -> Reader:
    return Reader(
        circle=access.circle,
        capabilities=access.capabilities,
        audiences=tuple(audiences_for(access.role)),
        access=access,
    )


def share_reader(link: ShareLink) -> Reader:
    """Read-only access to the link's sections; a link sees what professionals may see."""
    sections = [SECTION_BY_KEY[key] for key in link.sections if key in SECTION_BY_KEY]
    return Reader(
        circle=link.circle,
        capabilities=frozenset(section.capability for section in sections),
        audiences=(Audience.EVERYONE, Audience.PROFESSIONALS),
        share_link=link,
    )


def section_named(key: str) -> Section:
    try:
        return SECTION_BY_KEY[key]
    except KeyError as error:
        raise Http404(_("No such section.")) from error


def access_record(*, user: User | AnonymousUser, circle_id: int, capability: str = "circle.view") -> Reader:
    return member_reader(access_circle(user=user, circle_id=circle_id, capability=capability))


def access_section(
    *, user: User | AnonymousUser, circle_id: int, section_key: str, write: bool = False
) -> tuple[Reader, Section]:
    """A section of a circle's record, for a member who may read it (and write to it when asked)."""
    reader = access_record(user=user, circle_id=circle_id)
    section = section_named(section_key)
    reader.require_section(section)
    if write and not reader.can_write:
        raise PermissionDenied(_("Your role in this circle doesn't allow changing the record."))
    return reader, section


def entry_in(reader: Reader, section: Section, entry_id: int) -> RecordEntry:
    """An entry of this section the reader's audience includes; anything else is 404."""
    entry = (
        RecordEntry.objects.select_related("document")
        .filter(pk=entry_id, circle=reader.circle, section=section.key, audience__in=reader.audiences)
        .first()
    )
    if entry is None:
        raise Http404(_("No such entry."))
    return entry


def access_entry(
    *,
    user: User | AnonymousUser,
    circle_id: int,
    section_key: str,
    entry_id: int,
    write: bool = False,
    delete: bool = False,
) -> tuple[Reader, Section, RecordEntry]:
    """An entry the member may read (write to, or delete, when asked)."""
    reader, section = access_section(user=user, circle_id=circle_id, section_key=section_key, write=write or delete)
    if delete and not reader.can_delete(section):
        raise PermissionDenied(
            _("Your role in this circle doesn't allow deleting from %(section)s.") % {"section": section.title}
        )
    return reader, section, entry_in(reader, section, entry_id)


def address_for(access: CircleAccess) -> str:
    """The address in About me, when this member may read it (section's consent, entry's audience); else "".

    Registered with circles for the offer of support (orgs keeps only its postcode district, shown
    to this member alone). Read without a log entry: only the circle's own people are offered
    support, and their looks are not logged (`Reader.watched`).
    """
    reader = member_reader(access)
    section = SECTION_BY_KEY["about"]
    if not reader.can_read(section):
        return ""
    data = (
        RecordEntry.objects.filter(
            circle_id=access.circle.pk, section=section.key, deleted_at__isnull=True, audience__in=reader.audiences
        )
        .values_list("data", flat=True)
        .first()
    )
    address = (data or {}).get("address") if isinstance(data, dict) else None
    return address if isinstance(address, str) else ""


def entry_comments_rule(access: CircleAccess, entry_id: int, write: bool) -> None:
    """Who may read the comments on a record entry (whoever may read the entry) and add to them
    (who may also change the record). Registered with the conversations app as "record_entry"."""
    reader = member_reader(access)
    section_key = (
        RecordEntry.objects.filter(pk=entry_id, circle=access.circle, deleted_at__isnull=True)
        .values_list("section", flat=True)
        .first()
    )
    section = SECTION_BY_KEY.get(section_key or "")
    if section is None:
        raise Http404(_("No such entry."))
    reader.require_section(section)
    entry_in(reader, section, entry_id)
    if write and not reader.can_write:
        raise PermissionDenied(_("Your role in this circle doesn't allow commenting on the record."))


def entry_comments_label(entry_id: int) -> str:
    entry = RecordEntry.objects.filter(pk=entry_id).only("section", "data").first()
    section = SECTION_BY_KEY.get(entry.section) if entry is not None else None
    if entry is None or section is None:
        return _("Comments")
    from carecircle.records.services import entry_title

    return _("Comments on %(title)s") % {"title": entry_title(section, entry.data)}

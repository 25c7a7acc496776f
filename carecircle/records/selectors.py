"""Reading the record: entries as people see them, history with diffs, summaries. A fixed number of queries each."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.circles.models import Circle
from carecircle.lib.tokens import secret_hash
from carecircle.records.access import Reader
from carecircle.records.models import Audience, RecordEntry, RecordVersion, RecordView, ShareLink
from carecircle.records.sections import SECTIONS, Section
from carecircle.records.services import entry_title
from carecircle.records.values import display_value

NOTES_PAGE = 50
# The share links listed on the page and in the API, newest first.
SHARE_LINKS_SHOWN = 100
# Looks at the record per page of the access log, newest first.
VIEWS_PAGE = 100


@dataclass(frozen=True)
class ShownValue:
    name: str
    label: str
    value: str
    type: str


@dataclass
class ShownEntry:
    """An entry as one reader may see it: sensitive fields left out unless they may read them."""

    entry: RecordEntry
    section: Section
    title: str
    values: list[ShownValue]
    audience_label: str
    extra: dict[str, str] = field(default_factory=dict)
    # The card as drawn, when a list's part was weighed by drawing it (views.py _card_weigher).
    card: str = ""

    @property
    def pk(self) -> int:
        return self.entry.pk

    @property
    def stopped(self) -> bool:
        return bool(self.entry.data.get("stopped"))

    @property
    def line(self) -> list[ShownValue]:
        """The values on the card's one line, in the order the section declares them."""
        by_name = {value.name: value for value in self.values}
        return [by_name[name] for name in self.section.card_line if name in by_name]

    @property
    def rest(self) -> list[ShownValue]:
        """The other values, labelled below the line; the title shows once, as the heading."""
        skip = set(self.section.card_line)
        if self.section.key != "notes":
            skip.add(self.section.title_field)
        return [value for value in self.values if value.name not in skip]


@dataclass(frozen=True)
class Part:
    """A part of a list shown on a record page: the entries from `start`, and where the list goes on."""

    items: list[ShownEntry]
    start: int
    # None when the list was read only as far as the part (the deleted entries): then `more` says
    # whether there is a next part.
    total: int | None
    more: bool

    @property
    def first(self) -> int:
        return self.start + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.start + len(self.items)

    @property
    def following(self) -> int | None:
        return self.last if self.more else None


# Entries a part of a list section (medications, contacts, conditions, allergies, documents, and
# each section's deleted entries) shows at a time, with "Show more" for the next part: ten compact
# cards keep a section page within the 14,336-byte first round trip uncompressed, however long the
# list (docs/architecture/records.md, "Long lists a part at a time").
LIST_PART = 10
# Daily notes shown at a time, newest first; "Older notes" goes on from the last one shown.
NOTES_PART = 10


def part_of(items: list[ShownEntry], start: int, weigh: Callable[[ShownEntry], int], budget: int) -> Part:
    """The part of an already-sorted list from `start`: up to LIST_PART entries weighing up to `budget`.

    The first entry is always shown, however heavy; a start past the end shows the first part.
    """
    if start >= len(items):
        start = 0
    shown: list[ShownEntry] = []
    used = 0
    for item in items[start : start + LIST_PART]:
        weight = weigh(item)
        if shown and used + weight > budget:
            break
        shown.append(item)
        used += weight
    return Part(items=shown, start=start, total=len(items), more=start + len(shown) < len(items))


def shown_values(section: Section, data: dict[str, str], *, can_sensitive: bool) -> list[ShownValue]:
    return [
        ShownValue(name=f.name, label=str(f.label), value=display_value(f, str(data.get(f.name, ""))), type=f.type)
        for f in section.fields
        if (can_sensitive or not f.sensitive) and data.get(f.name)
    ]


def show(reader: Reader, section: Section, entry: RecordEntry) -> ShownEntry:
    return ShownEntry(
        entry=entry,
        section=section,
        title=entry_title(section, entry.data),
        values=shown_values(section, entry.data, can_sensitive=reader.can_sensitive),
        audience_label=str(Audience(entry.audience).label),
    )


def entries_for(
    *,
    reader: Reader,
    section: Section,
    deleted: bool = False,
    before: int | None = None,
    limit: int | None = None,
    by_deletion: bool = False,
) -> list[ShownEntry]:
    """One query: the entries of a section the reader's audience includes, newest first.

    `by_deletion` (with `deleted`): most recently deleted first, so the one just deleted leads.
    """
    entries = RecordEntry.objects.filter(
        circle=reader.circle, section=section.key, audience__in=reader.audiences, deleted_at__isnull=not deleted
    )
    if section.key == "documents":
        entries = entries.select_related("document")
    if before is not None:
        entries = entries.filter(pk__lt=before)
    ordered = entries.order_by("-deleted_at", "-id") if by_deletion else entries.order_by("-id")
    rows = list(ordered[:limit] if limit else ordered)
    shown = [show(reader, section, entry) for entry in rows]
    if section.key in {"medications", "contacts", "conditions", "allergies"} and not by_deletion:
        shown.sort(key=lambda item: item.title.lower())
    return shown


def single_entry(*, reader: Reader, section: Section) -> ShownEntry | None:
    found = entries_for(reader=reader, section=section, limit=1)
    return found[0] if found else None


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionLine:
    number: int
    change: str
    author_name: str
    created_at: datetime.datetime
    changes: list[FieldChange]


def history_for(*, reader: Reader, section: Section, entry: RecordEntry) -> list[VersionLine]:
    """One query: every version, newest first, each with what changed since the one before."""
    versions = list(RecordVersion.objects.filter(entry=entry).order_by("number"))
    lines: list[VersionLine] = []
    previous: dict[str, str] = {}
    previous_audience = ""
    for version in versions:
        changes = [
            FieldChange(
                label=str(f.label),
                before=display_value(f, str(previous.get(f.name, ""))),
                after=display_value(f, str(version.data.get(f.name, ""))),
            )
            for f in section.fields
            if (reader.can_sensitive or not f.sensitive) and previous.get(f.name, "") != version.data.get(f.name, "")
        ]
        if previous_audience and version.audience != previous_audience:
            changes.append(
                FieldChange(
                    label=_("Who can see it"),
                    before=str(Audience(previous_audience).label),
                    after=str(Audience(version.audience).label),
                )
            )
        lines.append(
            VersionLine(
                number=version.number,
                change=str(RecordVersion.Change(version.change).label),
                author_name=version.author_name,
                created_at=version.created_at,
                changes=changes,
            )
        )
        previous = version.data
        previous_audience = version.audience
    lines.reverse()
    return lines


@dataclass(frozen=True)
class SectionCount:
    section: Section
    count: int


def section_counts(reader: Reader) -> list[SectionCount]:
    """One query: how many visible entries each readable section has (current medications only)."""
    readable = [section for section in SECTIONS if reader.can_read(section)]
    if not readable:
        return []
    rows = (
        RecordEntry.objects.filter(
            circle=reader.circle,
            section__in=[section.key for section in readable],
            audience__in=reader.audiences,
            deleted_at__isnull=True,
        )
        .exclude(Q(section="medications") & ~Q(data__stopped=""))
        .values("section")
        .annotate(count=Count("id"))
    )
    counts = {row["section"]: row["count"] for row in rows}
    return [SectionCount(section=section, count=counts.get(section.key, 0)) for section in readable]


def has_emergency_plan(*, circle: Circle | int) -> bool:
    """Whether the circle has an emergency plan; the tasks app's "I can't cover" request links to it."""
    circle_id = circle if isinstance(circle, int) else circle.pk
    return RecordEntry.objects.filter(circle_id=circle_id, section="emergency", deleted_at__isnull=True).exists()


def emergency_plan_path(circle: Circle) -> str | None:
    """The emergency plan's page, when the circle has written one (circles.registries.emergency_plan_path)."""
    if not has_emergency_plan(circle=circle):
        return None
    return reverse("records:section", args=[circle.pk, "emergency"])


def share_link_find(*, token: str) -> ShareLink | None:
    """The link a token opens, whatever its state (the page explains an expired or revoked one)."""
    if not token or len(token) > 100:
        return None
    return ShareLink.objects.select_related("circle").filter(token_hash=secret_hash(token)).first()


def share_code_matches(*, link: ShareLink, code: str) -> bool:
    return bool(link.code_hash) and secrets.compare_digest(link.code_hash, secret_hash(code.strip()))


def share_links_for(*, circle: Circle) -> list[ShareLink]:
    """The circle's share links, newest first, at most SHARE_LINKS_SHOWN (the page and the API alike)."""
    return list(ShareLink.objects.filter(circle=circle).order_by("-id")[:SHARE_LINKS_SHOWN])


def share_link_in(*, circle: Circle, share_id: int) -> ShareLink:
    """One share link of the circle; Http404 when it isn't one of the circle's."""
    link = ShareLink.objects.filter(pk=share_id, circle=circle).first()
    if link is None:
        raise Http404("No such link.")
    return link


def record_views_page(*, circle: Circle, before: int | None = None) -> list[RecordView]:
    """Who looked at the record, newest first, VIEWS_PAGE at a time; `before` is the last id already shown."""
    views = RecordView.objects.filter(circle=circle)
    if before is not None:
        views = views.filter(pk__lt=before)
    return list(views.order_by("-id")[:VIEWS_PAGE])

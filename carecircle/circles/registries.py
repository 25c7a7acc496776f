"""Where the domain apps meet without importing each other (docs/architecture/layers.md).

tasks, records and conversations never import one another. Each registers what it offers here
from its AppConfig.ready(), and the others find it here:

- comment threads: an app says who may read and write the thread on its things ("task",
  "record_entry"); conversations keeps the threads and draws them on the app's page;
- thanks: conversations sends thanks for something done in another app;
- daily notes: an app adds items to the record's daily notes page (tasks: paid carers' visits);
- export parts: an app adds files to the circle's full export;
- the emergency plan: records says where a circle's plan is, for the messages tasks sends;
- organisation staff: orgs gives the rows that make an account staff of an organisation;
- requests waiting for someone: orgs lists, on the circles page, an organisation's request to join
  a circle that was asked of the person's own confirmed address;
- the record's address: records gives a member the address in About me, only when that member
  may read it (orgs takes the postcode district from it for the offer of support).

Audit sentences are registered with audit (`audit.display.register_sentences`), which sits below
the domain apps.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Circle

if TYPE_CHECKING:
    from carecircle.accounts.models import User

# Comment threads.

# A thread rule: may this member (read, or write when write=True) the thread about subject_id?
# It raises Http404 when the subject doesn't exist in the circle, PermissionDenied when not allowed.
ThreadRule = Callable[[CircleAccess, int, bool], None]
THREAD_RULES: dict[str, ThreadRule] = {}
# A thread's page title from its subject's id ("Comments on Metformin"); "Comments" without one.
ThreadLabel = Callable[[int], str]
THREAD_LABELS: dict[str, ThreadLabel] = {}


def register_thread_subject(kind: str, rule: ThreadRule, label: ThreadLabel | None = None) -> None:
    """Let an app hang comment threads on its things ("task", "record_entry"); call from AppConfig.ready()."""
    if kind in THREAD_RULES and THREAD_RULES[kind] is not rule:
        raise ValueError(f"Comment threads on {kind!r} are registered twice.")
    THREAD_RULES[kind] = rule
    if label is not None:
        THREAD_LABELS[kind] = label


class ThreadContext(Protocol):
    def __call__(
        self, request: HttpRequest, *, access: CircleAccess, subject_kind: str, subject_id: int, heading: str = ...
    ) -> dict[str, Any]: ...


class ThanksSend(Protocol):
    def __call__(
        self,
        *,
        actor: User,
        circle: Circle,
        recipient: User,
        subject_kind: str = ...,
        subject_id: int | None = ...,
        subject_label: str = ...,
        note: str = ...,
        client_id: uuid.UUID | None = ...,
    ) -> object: ...


@dataclass
class _Conversations:
    thread_context: ThreadContext | None = None
    thanks_send: ThanksSend | None = None


_conversations = _Conversations()


def register_conversations(*, thread_context: ThreadContext, thanks_send: ThanksSend) -> None:
    """conversations offers its comment threads and its thanks to the other apps (from its ready())."""
    _conversations.thread_context = thread_context
    _conversations.thanks_send = thanks_send


def comment_thread(
    request: HttpRequest, *, access: CircleAccess, subject_kind: str, subject_id: int, heading: str = "Comments"
) -> dict[str, Any]:
    """The comment thread on one thing, for its page: {% comment_thread thread %} (conversations.pages)."""
    if _conversations.thread_context is None:
        raise Http404("No such thread.")
    return _conversations.thread_context(
        request, access=access, subject_kind=subject_kind, subject_id=subject_id, heading=heading
    )


def thanks_send(
    *,
    actor: User,
    circle: Circle,
    recipient: User,
    subject_kind: str,
    subject_id: int,
    subject_label: str,
    note: str,
    client_id: uuid.UUID | None,
) -> None:
    """Thank someone for something done (conversations.services.thanks_send); refusals are its DomainErrors."""
    if _conversations.thanks_send is None:
        raise RuntimeError("Thanks need the conversations app.")
    _conversations.thanks_send(
        actor=actor,
        circle=circle,
        recipient=recipient,
        subject_kind=subject_kind,
        subject_id=subject_id,
        subject_label=subject_label,
        note=note,
        client_id=client_id,
    )


# Items on the record's daily notes page from other apps.


class NoteReader(Protocol):
    """Who is reading the daily notes: a member (with their access) or a share link (access None)."""

    @property
    def circle(self) -> Circle: ...

    @property
    def access(self) -> CircleAccess | None: ...


@dataclass(frozen=True)
class NoteItem:
    when: datetime.datetime
    title: str
    text: str
    author_name: str = ""


NoteProvider = Callable[[NoteReader], Iterable[NoteItem]]
NOTE_PROVIDERS: list[NoteProvider] = []


def register_note_provider(provider: NoteProvider) -> None:
    """Let another app add items to the daily notes page (called from its AppConfig.ready())."""
    if provider not in NOTE_PROVIDERS:
        NOTE_PROVIDERS.append(provider)


def extra_note_items(reader: NoteReader) -> list[NoteItem]:
    """Every registered app's items for this reader, newest first."""
    items: list[NoteItem] = []
    for provider in NOTE_PROVIDERS:
        items.extend(provider(reader))
    return sorted(items, key=lambda item: item.when, reverse=True)


# Files other apps add to the full export: (name in the zip, fn(circle) -> chunks).
ExportPart = Callable[[Circle], Iterable[bytes]]
EXPORT_PARTS: list[tuple[str, ExportPart]] = []


def register_export_part(name: str, part: ExportPart) -> None:
    """Let another app put its data in the full export (called from its AppConfig.ready())."""
    if all(existing != name for existing, _ in EXPORT_PARTS):
        EXPORT_PARTS.append((name, part))


# The circle's emergency plan, which records keeps and tasks links to.
EmergencyPlanPath = Callable[[Circle], str | None]
_emergency_plan: list[EmergencyPlanPath] = []


def register_emergency_plan(path: EmergencyPlanPath) -> None:
    """records says where a circle's emergency plan is (None when it has none); from its ready()."""
    _emergency_plan[:] = [path]


def emergency_plan_path(circle: Circle) -> str | None:
    """The address of the circle's emergency plan on this site, or None when it has none."""
    return _emergency_plan[0](circle) if _emergency_plan else None


# Landing pages: where someone in no circle goes instead (orgs: staff to their organisation).
Landing = Callable[["User"], "str | None"]
LANDINGS: list[Landing] = []


def register_landing(landing: Landing) -> None:
    """Offer a page for people who are in no circle; call from AppConfig.ready()."""
    if landing not in LANDINGS:
        LANDINGS.append(landing)


def landing_for(user: User) -> str | None:
    """The first registered page for someone in no circle, or None to show "You're not in a circle yet"."""
    for landing in LANDINGS:
        found = landing(user)
        if found:
            return found
    return None


# Whether an account is on an organisation's staff (orgs), for what is offered to staff only: the
# notifications preferences page lists "Referrals and organisation work" only to staff. An app gives
# the rows that make an account staff, not a yes or no, so a caller can fold the question into a
# query it makes anyway (the preferences page reads it with the member's circle roles, in one query).
StaffRows = Callable[[int], "QuerySet[Any]"]
STAFF_CHECKS: list[StaffRows] = []


def register_staff_check(rows: StaffRows) -> None:
    """Let an app give the rows that make an account (by id) staff of an organisation; from AppConfig.ready()."""
    if rows not in STAFF_CHECKS:
        STAFF_CHECKS.append(rows)


def organisation_staff_rows(user_id: int) -> list[QuerySet[Any]]:
    """The querysets of every registered app whose rows make this account organisation staff; no query run."""
    return [rows(user_id) for rows in STAFF_CHECKS]


def is_organisation_staff(user_id: int) -> bool:
    """Whether any registered app counts this account as organisation staff (one query per app)."""
    return any(rows.exists() for rows in organisation_staff_rows(user_id))


# Requests waiting for the signed-in person's own answer, on their circles page (orgs: an organisation
# asking to join a circle they organise). The registering app decides what is safe to show: it is
# asked about the account, not a circle, so it checks the account's confirmed address itself.


@dataclass(frozen=True)
class WaitingRequest:
    """One thing waiting for the person's answer: a heading, a line saying more, and where to answer it."""

    title: str
    text: str
    url: str


WaitingFinder = Callable[["User"], "list[WaitingRequest]"]
WAITING_FINDERS: list[WaitingFinder] = []


def register_waiting_requests(finder: WaitingFinder) -> None:
    """Let an app list requests waiting for someone's answer on their circles page; from AppConfig.ready()."""
    if finder not in WAITING_FINDERS:
        WAITING_FINDERS.append(finder)


def waiting_requests_for(user: User) -> list[WaitingRequest]:
    """Every registered app's requests waiting for this person's answer."""
    return [found for finder in WAITING_FINDERS for found in finder(user)]


# Figures for commissioners (orgs/uptake.py): what other apps count about a set of circles, totals only.


@dataclass(frozen=True)
class HelpGiven:
    """Tasks marked done, and the minutes they were planned to take, in a span of time."""

    tasks_done: int
    minutes: int


HelpCounter = Callable[["QuerySet[Circle]", datetime.datetime, datetime.datetime], HelpGiven]
_help_counters: list[HelpCounter] = []


def register_help_counter(counter: HelpCounter) -> None:
    """tasks says how much help was given in some circles between two moments; from its ready()."""
    _help_counters[:] = [counter]


def help_given(circles: QuerySet[Circle], start: datetime.datetime, end: datetime.datetime) -> HelpGiven | None:
    """The registered count of help given in these circles, or None when no app counts it."""
    return _help_counters[0](circles, start, end) if _help_counters else None


@dataclass(frozen=True)
class ActivitySource:
    """Rows that show someone did something in a circle: the queryset and its user, circle and time fields."""

    rows: QuerySet[Any]
    user_field: str
    circle_field: str
    moment_field: str


ActivityFinder = Callable[["QuerySet[Circle]", datetime.datetime, datetime.datetime], ActivitySource]
ACTIVITY_FINDERS: list[ActivityFinder] = []


def register_activity(finder: ActivityFinder) -> None:
    """Let an app say who did something in which circle and when (conversations: messages); from ready()."""
    if finder not in ACTIVITY_FINDERS:
        ACTIVITY_FINDERS.append(finder)


def activity_sources(
    circles: QuerySet[Circle], start: datetime.datetime, end: datetime.datetime
) -> list[ActivitySource]:
    return [finder(circles, start, end) for finder in ACTIVITY_FINDERS]


@dataclass(frozen=True)
class PersonalHelp:
    """Minutes of help one person gave in one circle in the week starting on `week` (a Monday, UK time)."""

    user_id: int
    circle_id: int
    week: datetime.date
    minutes: int


PersonalHelpCounter = Callable[[datetime.datetime, datetime.datetime], Iterable[PersonalHelp]]
_personal_help_counters: list[PersonalHelpCounter] = []


def register_personal_help_counter(counter: PersonalHelpCounter) -> None:
    """tasks says who gave how much help, week by week, between two moments; from its ready()."""
    _personal_help_counters[:] = [counter]


def personal_help(start: datetime.datetime, end: datetime.datetime) -> list[PersonalHelp]:
    """The registered count of each person's help per circle and week (empty when no app counts it)."""
    return list(_personal_help_counters[0](start, end)) if _personal_help_counters else []


# The person's address as the record holds it, for one member: "" when the member may not read it
# (the section's consent and the entry's audience decide, as on the record's own pages) or none is kept.
RecordAddress = Callable[[CircleAccess], str]
_record_addresses: list[RecordAddress] = []


def register_record_address(finder: RecordAddress) -> None:
    """records says where the person lives, as far as a member may read it; from its ready()."""
    _record_addresses[:] = [finder]


def record_address_for(access: CircleAccess) -> str:
    """The address in the record this member may read, or "" (also when no app keeps a record)."""
    return _record_addresses[0](access) if _record_addresses else ""


# Sections an app draws on the circle home in a {% region name part… %} whose parts only the app can
# work out (tasks: the summary's version and "you're going"). Before the page is drawn the home asks
# each what to read ahead: cache keys its parts come from (tasks: the circle's tasks version) and the
# parts it expects them to give, so every kept section and those keys are read in one round trip.
# Then it hands each the values read and gets its real parts and what its template needs (the
# summary, worked out once). None when the viewer doesn't see the section.


@dataclass(frozen=True)
class HomeSectionAhead:
    """What the home reads ahead for an app's section, and how the section settles on what was read.

    `keys` are read with the kept sections. `parts` are the region's parts expected from them (a
    guess: the section is read under them with the others), or None without a guess. `settle` is
    given the keys' values (a key missing when it wasn't found or couldn't be read) and `keep`, for a
    value it works out to be written with the page's drawn sections (`Keep`), and returns the
    region's real parts and the template's context: a section whose real parts aren't the guess is
    drawn, never served from the guessed key. A section that changes with the clock puts the moment
    it next does in its context under `HOLDS_UNTIL`.
    """

    keys: list[str]
    parts: list[str] | None
    settle: Callable[[Mapping[str, object], Keep], tuple[list[str], dict[str, Any]]]


# The key under which a section's context gives the moment it would next read otherwise with nothing
# recorded (a datetime; what the tasks summary shows ends with the clock): the home's ETag holds until
# the earliest of them (circles/conditional.py), and it is not passed to the template.
HOLDS_UNTIL = "holds_until"


# How a home section hands the home a value to write with its drawn sections, in one round trip:
# keep(key, value, seconds) (circles.fragments.KeptRegions.keep).
Keep = Callable[[str, object, int], None]


HomeSection = Callable[[CircleAccess], HomeSectionAhead | None]
HOME_SECTIONS: dict[str, HomeSection] = {}


def register_home_section(name: str, section: HomeSection) -> None:
    """Let an app read its home section ahead with the others; call from AppConfig.ready()."""
    if name in HOME_SECTIONS and HOME_SECTIONS[name] is not section:
        raise ValueError(f"The home section {name!r} is registered twice.")
    HOME_SECTIONS[name] = section


def home_sections(access: CircleAccess) -> list[tuple[str, HomeSectionAhead]]:
    """The registered sections this viewer sees, by name, with what to read ahead for each."""
    found = ((name, section(access)) for name, section in sorted(HOME_SECTIONS.items()))
    return [(name, ahead) for name, ahead in found if ahead is not None]

"""Access helpers: every fetch of circle data goes through these (ARCHITECTURE rules 1 and 2).

Outsiders get Http404, exactly as if the thing did not exist; members without the capability get
PermissionDenied (403).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import Http404
from django.utils.translation import gettext, pgettext

from carecircle.circles.models import Circle, Invitation, Membership, Role
from carecircle.circles.permissions import CAPABILITY_BY_KEY, capabilities_for, capabilities_when_closed
from carecircle.lib import rows

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from carecircle.accounts.models import User


class CapabilityRefused(PermissionDenied):
    """A member's role lacks a capability. Raised only once membership is known, so the refusal page
    may name the capability and who can change access without telling a non-member anything."""

    def __init__(self, message: str, *, capability: str, role: str, closed: bool) -> None:
        super().__init__(message)
        self.capability = capability
        self.role = role
        self.closed = closed


@dataclass(frozen=True)
class CircleAccess:
    """A viewer's standing in one circle: their membership and what it allows."""

    circle: Circle
    membership: Membership
    capabilities: frozenset[str]
    person_is_member: bool

    @property
    def user_id(self) -> int:
        return self.membership.user_id

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        if capability not in self.capabilities:
            raise CapabilityRefused(
                # Translators: %(capability)s is a code such as "tasks.volunteer"; it stays in English.
                gettext("Your role in this circle doesn't allow this (%(capability)s).") % {"capability": capability},
                capability=capability,
                role=self.role,
                closed=self.circle.closed_at is not None,
            )


class _AccessQuery:
    """The access query's SQL and column converters, made once per database connection.

    Every circle page runs this query first. Built through the ORM it cost ≈ 1 ms of Python a
    request to compile (its run ≈ 0.1 ms), so its SQL is written once from the models' own
    columns and its row turned into models as the ORM does (lib/rows.py, circles-pages.md).
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.membership = rows.Columns(connection, Membership, "m")
        self.circle = rows.Columns(connection, Circle, "c")
        membership, circle = rows.quoted(connection, Membership), rows.quoted(connection, Circle)
        circle_id, user_id, role = (rows.quoted(connection, Membership, name) for name in ("circle", "user", "role"))
        circle_pk = rows.quoted(connection, Circle, "id")
        # Table and column names come from the models, never from input; the ids are parameters. The
        # person's role is written in the SQL, not bound: it matches the partial unique index on the
        # person's membership, and SQLite re-prepares a statement on every run when a bound value
        # decides whether a partial index applies (≈ 0.4 M instructions a page; circles-pages.md).
        person = rows.code_literal(Role.PERSON.value)
        self.sql = (
            f"SELECT {self.membership.sql}, {self.circle.sql}, EXISTS(SELECT 1 FROM {membership} p"  # noqa: S608
            f" WHERE p.{circle_id} = m.{circle_id} AND p.{role} = {person})"
            f" FROM {membership} m INNER JOIN {circle} c ON c.{circle_pk} = m.{circle_id}"
            f" WHERE m.{user_id} = %s AND m.{circle_id} = %s"
        )

    def run(self, connection: BaseDatabaseWrapper, user_id: int, circle_id: int) -> Membership | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [user_id, circle_id])
            row = cursor.fetchone()
        if row is None:
            return None
        split = len(self.membership.fields)
        membership: Membership = self.membership.instance(connection, row)
        circle: Circle = self.circle.instance(connection, row[split:])
        Membership.circle.field.set_cached_value(membership, circle)
        membership.person_is_member = bool(row[-1])  # type: ignore[attr-defined]
        return membership


_ACCESS_QUERIES: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _AccessQuery] = weakref.WeakKeyDictionary()


def _membership_with_circle(user_id: int, circle_id: int) -> Membership | None:
    """The viewer's membership with its circle and whether the person is a member, in one query."""
    connection = connections[router.db_for_read(Membership)]
    query = _ACCESS_QUERIES.get(connection)
    if query is None:
        query = _ACCESS_QUERIES[connection] = _AccessQuery(connection)
    return query.run(connection, user_id, circle_id)


def access_circle(*, user: User | AnonymousUser, circle_id: int, capability: str = "circle.view") -> CircleAccess:
    """The viewer's access to a circle, checked for `capability`."""
    if not user.is_authenticated or not isinstance(circle_id, int):
        raise Http404("No such circle.")
    membership = _membership_with_circle(user.pk, circle_id)
    if membership is None:
        raise Http404("No such circle.")
    person_is_member = bool(getattr(membership, "person_is_member", False))
    capabilities = capabilities_for(
        role=membership.role, consent=membership.circle.consent, person_is_member=person_is_member
    )
    if membership.circle.closed_at is not None:
        capabilities = capabilities_when_closed(capabilities)
    access = CircleAccess(
        circle=membership.circle,
        membership=membership,
        capabilities=capabilities,
        person_is_member=person_is_member,
    )
    access.require(capability)
    return access


def access_membership(
    *, user: User | AnonymousUser, circle_id: int, membership_id: int, capability: str
) -> tuple[CircleAccess, Membership]:
    """Another member of a circle the viewer is in, checked for `capability`."""
    access = access_circle(user=user, circle_id=circle_id, capability=capability)
    try:
        member = Membership.objects.select_related("user").get(pk=membership_id, circle_id=circle_id)
    except Membership.DoesNotExist as error:
        raise Http404("No such member.") from error
    return access, member


def access_invitation(
    *, user: User | AnonymousUser, circle_id: int, invitation_id: int, capability: str = "members.invite"
) -> tuple[CircleAccess, Invitation]:
    """An invitation of a circle the viewer may invite people to."""
    access = access_circle(user=user, circle_id=circle_id, capability=capability)
    try:
        invitation = Invitation.objects.select_related("invited_by").get(pk=invitation_id, circle_id=circle_id)
    except Invitation.DoesNotExist as error:
        raise Http404("No such invitation.") from error
    return access, invitation


# A refusal page names at most this many organisers; the rest are counted.
_NAMED_ORGANISERS = 3


def who_decides_access(*, user: User | AnonymousUser, circle_id: int) -> str | None:
    """For a refusal page: who decides what the viewer's role may do, in a sentence; None for non-members.

    The person decides when they are in the circle, otherwise the organisers (permissions.CONSENT_MANAGE).
    """
    if not user.is_authenticated:
        return None
    membership = _membership_with_circle(user.pk, circle_id)
    if membership is None:
        return None
    if getattr(membership, "person_is_member", False):
        if membership.role == Role.PERSON:
            return None
        return gettext(
            "%(person)s decides what each role in this circle can see and do. Ask them if you need to do this."
        ) % {"person": membership.circle.person_name}
    if membership.role == Role.ORGANISER:
        return None
    organisers = list(
        Membership.objects.filter(circle_id=circle_id, role=Role.ORGANISER)
        .order_by("user__display_name", "pk")
        .values_list("user__display_name", flat=True)[: _NAMED_ORGANISERS + 1]
    )
    if not organisers:
        return None
    if len(organisers) == 1:
        return gettext("%(name)s, the organiser, decides what each role in this circle can see and do. Ask them.") % {
            "name": organisers[0]
        }
    named = organisers[:_NAMED_ORGANISERS]
    if len(organisers) > _NAMED_ORGANISERS:
        named = [*named, pgettext("the end of a list of organisers' names", "the other organisers")]
    names = pgettext("the last two of a list", "%(first)s and %(last)s") % {
        "first": ", ".join(named[:-1]),
        "last": named[-1],
    }
    return gettext(
        "The organisers (%(names)s) decide what each role in this circle can see and do. Ask one of them."
    ) % {"names": names}


def why_refused(*, user: User | AnonymousUser, circle_id: int, refusal: CapabilityRefused) -> tuple[str, str] | None:
    """For the refusal page: what the role lacks and who can change that, in two sentences; None for non-members.

    A closed circle can't be changed by anyone until it is reopened. A capability the consent settings
    can give the viewer's role is decided by the person when they are in the circle, otherwise the
    organisers (`who_decides_access`). One that only the owners ever have is theirs alone: the person,
    when they are in the circle, and the organisers.
    """
    capability = CAPABILITY_BY_KEY.get(refusal.capability)
    if capability is None or not user.is_authenticated:
        return None
    membership = _membership_with_circle(user.pk, circle_id)
    if membership is None:
        return None
    # Translators: %(permission)s is a permission as the consent page lists it ("Invite new people").
    reason = gettext("Your role in this circle doesn't include “%(permission)s”.") % {"permission": capability.label}
    person_is_member = bool(getattr(membership, "person_is_member", False))
    if refusal.closed:
        return gettext("This circle is closed, so nothing in it can be added or changed."), (
            gettext("%(person)s or an organiser can reopen it.") % {"person": membership.circle.person_name}
            if person_is_member
            else gettext("An organiser can reopen it.")
        )
    if Role(membership.role) in capability.consentable:
        decider = who_decides_access(user=user, circle_id=circle_id)
        return reason, decider or gettext("Go back to the circle to carry on.")
    if person_is_member:
        return reason, gettext("Only %(person)s and the circle's organisers can do this.") % {
            "person": membership.circle.person_name
        }
    return reason, gettext("Only the circle's organisers can do this.")


def is_member(*, user_id: int, circle_id: int) -> bool:
    """Used by the live-events consumer to re-check membership for every event."""
    return Membership.objects.filter(user_id=user_id, circle_id=circle_id).exists()


def circle_member_ids(*, circle_id: int) -> frozenset[int]:
    """The people in a circle now: the live-events consumer asks once for all its connections there."""
    return frozenset(Membership.objects.filter(circle_id=circle_id).values_list("user_id", flat=True))

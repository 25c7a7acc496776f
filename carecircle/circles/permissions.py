"""The capability map: what each role may see and do, given the circle's consent settings.

Call sites ask for a capability ("members.invite"), never for a role name. A capability is
either fixed for a role (always granted), consentable for a role (the consent owner switches it
on or off; `default` says how a new circle starts), or never granted to that role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carecircle.circles.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ALL_ROLES = frozenset(Role)
OWNERS = frozenset({Role.PERSON, Role.ORGANISER})
EVERYONE_ELSE = frozenset({Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL, Role.WELL_WISHER})


@dataclass(frozen=True)
class Capability:
    key: str
    label: StrOrPromise
    group: StrOrPromise
    fixed: frozenset[Role]
    consentable: frozenset[Role] = frozenset()
    default: frozenset[Role] = frozenset()


# Headings on the consent page that gather capabilities.
IN_CIRCLE = pgettext_lazy("group of permissions", "Circle")
IN_HELP = pgettext_lazy("group of permissions", "Help")
IN_KEEPING_IN_TOUCH = pgettext_lazy("group of permissions", "Keeping in touch")
IN_PEOPLE = pgettext_lazy("group of permissions", "People")
IN_RECORD = pgettext_lazy("group of permissions", "Record")


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


CAPABILITIES: tuple[Capability, ...] = (
    # The circle and its people.
    Capability("circle.view", _("See the circle"), IN_CIRCLE, fixed=ALL_ROLES),
    Capability("circle.edit", _("Change the circle's details"), IN_CIRCLE, fixed=OWNERS),
    Capability("circle.close", _("Close the circle when it has come to an end"), IN_CIRCLE, fixed=OWNERS),
    Capability("events.view", _("Receive live updates"), IN_CIRCLE, fixed=ALL_ROLES),
    Capability(
        "members.view",
        _("See who else is in the circle"),
        IN_PEOPLE,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "members.contact",
        _("See members' email addresses and phone numbers"),
        IN_PEOPLE,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER),
    ),
    Capability(
        "members.invite",
        _("Invite new people"),
        IN_PEOPLE,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER),
    ),
    Capability("members.manage", _("Change roles and remove people"), IN_PEOPLE, fixed=OWNERS),
    Capability("audit.view", _("Read the circle's activity log"), IN_CIRCLE, fixed=OWNERS),
    # Help and tasks.
    Capability(
        "tasks.view",
        _("See help that's needed and who's going"),
        IN_HELP,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER),
    ),
    Capability(
        "tasks.volunteer",
        _("Volunteer for help that's needed"),
        IN_HELP,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER, Role.PAID_CARER),
    ),
    Capability("tasks.manage", _("Add, change and assign help"), IN_HELP, fixed=OWNERS),
    # The shared care record.
    Capability(
        "records.read.about",
        _('Read "About me"'),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.health",
        _("Read health conditions and allergies"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.medications",
        _("Read medications"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.contacts",
        _("Read key contacts"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.notes",
        _("Read daily notes"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.documents",
        _("Read documents"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.emergency",
        _("Read the emergency plan"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    # Key-safe codes and similar details of the emergency plan: never consentable to anyone else.
    Capability("records.read.sensitive", _("Read key-safe codes and other sensitive details"), IN_RECORD, fixed=OWNERS),
    Capability("records.share", _("Share the record with a time-limited link"), IN_RECORD, fixed=OWNERS),
    Capability(
        "records.write",
        _("Add to and update the record"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    # Deleting is its own capability, not a side effect of writing: an entry deleted is gone for
    # everyone until restored. About me and the emergency plan only the owners may delete.
    Capability(
        "records.delete",
        _("Delete entries from the record (they can be restored)"),
        IN_RECORD,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
        default=_roles(Role.HELPER),
    ),
    Capability("records.delete.single", _("Delete About me and the emergency plan"), IN_RECORD, fixed=OWNERS),
    # Keeping in touch. Professionals never see the family conversation.
    Capability(
        "conversations.read",
        _("Read the family conversation"),
        IN_KEEPING_IN_TOUCH,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "conversations.post",
        _("Write in the family conversation"),
        IN_KEEPING_IN_TOUCH,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "updates.read",
        _("Read updates about how things are going"),
        IN_KEEPING_IN_TOUCH,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=EVERYONE_ELSE,
    ),
    Capability(
        "updates.post",
        _("Post updates"),
        IN_KEEPING_IN_TOUCH,
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "support.send",
        _("Send reactions and messages of support"),
        IN_KEEPING_IN_TOUCH,
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=EVERYONE_ELSE,
    ),
)

CAPABILITY_BY_KEY: dict[str, Capability] = {capability.key: capability for capability in CAPABILITIES}
CONSENT_MANAGE = "consent.manage"


def default_consent() -> dict[str, list[str]]:
    """The consent settings a new circle starts with."""
    return {
        role.value: sorted(c.key for c in CAPABILITIES if role in c.default and role in c.consentable)
        for role in EVERYONE_ELSE
    }


def effective_consent(consent: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """What each role is granted: a role missing from the stored settings has the defaults."""
    defaults = default_consent()
    return {
        role.value: sorted(consent[role.value]) if role.value in consent else defaults[role.value]
        for role in EVERYONE_ELSE
    }


def consentable_for(role: Role) -> list[Capability]:
    return [capability for capability in CAPABILITIES if role in capability.consentable]


def capabilities_for(*, role: str, consent: Mapping[str, Iterable[str]], person_is_member: bool) -> frozenset[str]:
    """Every capability a member with `role` has in a circle with these consent settings."""
    member_role = Role(role)
    granted_by_consent = set(consent.get(member_role.value, ())) if member_role.value in consent else None
    result: set[str] = set()
    for capability in CAPABILITIES:
        if member_role in capability.fixed:
            result.add(capability.key)
        elif member_role in capability.consentable:
            if granted_by_consent is None:
                if member_role in capability.default:
                    result.add(capability.key)
            elif capability.key in granted_by_consent:
                result.add(capability.key)
    if member_role == Role.PERSON or (member_role == Role.ORGANISER and not person_is_member):
        result.add(CONSENT_MANAGE)
    return frozenset(result)


# What stays possible in a closed circle: reading, the export, and reopening it.
CLOSED_CIRCLE_ALLOWED = frozenset(
    {
        "circle.view",
        "circle.close",
        "events.view",
        "members.view",
        "members.contact",
        "audit.view",
        "tasks.view",
        "conversations.read",
        "updates.read",
        "records.share",
    }
)


def capabilities_when_closed(capabilities: frozenset[str]) -> frozenset[str]:
    """A closed circle is read-only: only reading, exporting and reopening remain."""
    return frozenset(key for key in capabilities if key in CLOSED_CIRCLE_ALLOWED or key.startswith("records.read."))


def clean_consent(grants: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Validate consent settings; raise ValueError naming the first unknown role or capability."""
    cleaned: dict[str, list[str]] = {}
    for role_value, keys in grants.items():
        try:
            role = Role(role_value)
        except ValueError as error:
            raise ValueError(f"There is no role called {role_value!r}.") from error
        if role in OWNERS:
            raise ValueError("The person and organisers can always see and do everything.")
        allowed = {c.key for c in consentable_for(role)}
        chosen = set(keys)
        unknown = chosen - allowed
        if unknown:
            raise ValueError(f"{role.label} cannot be given {sorted(unknown)[0]!r}.")
        cleaned[role.value] = sorted(chosen)
    for role in EVERYONE_ELSE:
        cleaned.setdefault(role.value, default_consent()[role.value])
    return cleaned

"""The capability map: what each role may see and do, given the circle's consent settings.

Call sites ask for a capability ("members.invite"), never for a role name. A capability is
either fixed for a role (always granted), consentable for a role (the consent owner switches it
on or off; `default` says how a new circle starts), or never granted to that role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carecircle.circles.models import Role

ALL_ROLES = frozenset(Role)
OWNERS = frozenset({Role.PERSON, Role.ORGANISER})
EVERYONE_ELSE = frozenset({Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL, Role.WELL_WISHER})


@dataclass(frozen=True)
class Capability:
    key: str
    label: str
    group: str
    fixed: frozenset[Role]
    consentable: frozenset[Role] = frozenset()
    default: frozenset[Role] = frozenset()


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


CAPABILITIES: tuple[Capability, ...] = (
    # The circle and its people.
    Capability("circle.view", "See the circle", "Circle", fixed=ALL_ROLES),
    Capability("circle.edit", "Change the circle's details", "Circle", fixed=OWNERS),
    Capability("circle.close", "Close the circle when it has come to an end", "Circle", fixed=OWNERS),
    Capability("events.view", "Receive live updates", "Circle", fixed=ALL_ROLES),
    Capability(
        "members.view",
        "See who else is in the circle",
        "People",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "members.contact",
        "See members' email addresses and phone numbers",
        "People",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER),
    ),
    Capability(
        "members.invite",
        "Invite new people",
        "People",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER),
    ),
    Capability("members.manage", "Change roles and remove people", "People", fixed=OWNERS),
    Capability("audit.view", "Read the circle's activity log", "Circle", fixed=OWNERS),
    # Help and tasks.
    Capability(
        "tasks.view",
        "See help that's needed and who's going",
        "Help",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER),
    ),
    Capability(
        "tasks.volunteer",
        "Volunteer for help that's needed",
        "Help",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER, Role.PAID_CARER),
    ),
    Capability("tasks.manage", "Add, change and assign help", "Help", fixed=OWNERS),
    # The shared care record.
    Capability(
        "records.read.about",
        'Read "About me"',
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.health",
        "Read health conditions and allergies",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.medications",
        "Read medications",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.contacts",
        "Read key contacts",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.notes",
        "Read daily notes",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.documents",
        "Read documents",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PROFESSIONAL),
    ),
    Capability(
        "records.read.emergency",
        "Read the emergency plan",
        "Record",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    # Key-safe codes and similar details of the emergency plan: never consentable to anyone else.
    Capability("records.read.sensitive", "Read key-safe codes and other sensitive details", "Record", fixed=OWNERS),
    Capability("records.share", "Share the record with a time-limited link", "Record", fixed=OWNERS),
    Capability(
        "records.write",
        "Add to and update the record",
        "Record",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
        default=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
    ),
    # Deleting is its own capability, not a side effect of writing: an entry deleted is gone for
    # everyone until restored. About me and the emergency plan only the owners may delete.
    Capability(
        "records.delete",
        "Delete entries from the record (they can be restored)",
        "Record",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.PROFESSIONAL),
        default=_roles(Role.HELPER),
    ),
    Capability("records.delete.single", "Delete About me and the emergency plan", "Record", fixed=OWNERS),
    # Keeping in touch. Professionals never see the family conversation.
    Capability(
        "conversations.read",
        "Read the family conversation",
        "Keeping in touch",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "conversations.post",
        "Write in the family conversation",
        "Keeping in touch",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER, Role.WELL_WISHER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "updates.read",
        "Read updates about how things are going",
        "Keeping in touch",
        fixed=OWNERS,
        consentable=EVERYONE_ELSE,
        default=EVERYONE_ELSE,
    ),
    Capability(
        "updates.post",
        "Post updates",
        "Keeping in touch",
        fixed=OWNERS,
        consentable=_roles(Role.HELPER, Role.PAID_CARER),
        default=_roles(Role.HELPER),
    ),
    Capability(
        "support.send",
        "Send reactions and messages of support",
        "Keeping in touch",
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

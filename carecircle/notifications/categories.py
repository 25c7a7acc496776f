"""What members can be told about, and who hears what until they choose otherwise.

Each category has defaults per role, so nobody is flooded and nobody misses what matters; a
member's own choices (NotificationPreference) override them one category and channel at a time.
Urgent categories go out during quiet hours too (the preferences page says so).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from carecircle.circles.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The channels a member chooses between, in the order the preferences page shows them.
IN_APP, EMAIL, SMS, PUSH = "app", "email", "sms", "push"
CHANNELS: tuple[tuple[str, StrOrPromise], ...] = (
    (IN_APP, _("In the app")),
    (EMAIL, _("Email")),
    (SMS, _("Text message")),
    (PUSH, _("Push notification")),
)

ALL = frozenset(Role)
OWNERS = frozenset({Role.PERSON, Role.ORGANISER})
HANDS_ON = frozenset({Role.ORGANISER, Role.HELPER, Role.PAID_CARER, Role.PERSON})
NOBODY: frozenset[Role] = frozenset()
# Not a circle role: anyone on an organisation's staff (circles.registries.is_organisation_staff).
# Categories for staff only take their defaults from it and are offered only to staff.
STAFF = "organisation_staff"


@dataclass(frozen=True)
class Category:
    key: str
    label: StrOrPromise
    description: StrOrPromise
    email: frozenset[str]
    sms: frozenset[str] = NOBODY
    app: frozenset[str] = ALL
    urgent: bool = False
    # Push reaches only devices a member turned it on for, so by default it follows email.
    push: frozenset[str] | None = None
    # About work for an organisation, not a circle: offered only to staff, defaults from STAFF.
    staff_only: bool = False

    def default(self, channel: str, role: str) -> bool:
        return role in self._roles_by_channel[channel]

    @functools.cached_property
    def _roles_by_channel(self) -> dict[str, frozenset[str]]:
        # Asked for each member and channel of every fan-out: the mapping is made once per category.
        pushed = self.email if self.push is None else self.push
        return {IN_APP: self.app, EMAIL: self.email, SMS: self.sms, PUSH: pushed}


CATEGORIES: tuple[Category, ...] = (
    Category(
        "help_needed",
        _("Help that's needed"),
        _("A new task, a visit back to needing help, or someone asking you to stand in."),
        email=HANDS_ON,
        sms=frozenset({Role.ORGANISER, Role.HELPER}),
    ),
    Category(
        "reminder",
        _("Reminders"),
        _("Before help you said you'd give."),
        email=ALL,
        sms=frozenset({Role.HELPER, Role.PAID_CARER}),
    ),
    Category(
        "help_changed",
        _("Help you organise"),
        _("Someone took or gave up help you organise."),
        email=OWNERS,
    ),
    Category(
        "message",
        _("New messages"),
        _("A new message in a conversation you're in (at most one email per conversation while you haven't read it)."),
        email=ALL - {Role.PROFESSIONAL},
    ),
    Category("mention", _("Mentions"), _("Someone mentioned you by name."), email=ALL, sms=NOBODY),
    Category("news", _("News updates"), _("An update in the circle's news."), email=ALL - {Role.PROFESSIONAL}),
    Category(
        "checkin",
        _("Someone is struggling"),
        _("A check-in saying someone is finding it hard (to organisers and the person)."),
        email=OWNERS,
        sms=OWNERS,
        urgent=True,
    ),
    Category(
        "visit_concern",
        _("Visit concerns"),
        _("A carer or helper was worried after a visit."),
        email=OWNERS,
        sms=OWNERS,
        urgent=True,
    ),
    Category(
        "record_change",
        _("Changes to the record"),
        _("A change in a section of the care record you follow."),
        email=NOBODY,
    ),
    Category("joining", _("People joining"), _("Invitations accepted and people joining the circle."), email=OWNERS),
    Category("thanks", _("Thanks"), _("Someone thanked you."), email=ALL),
    Category(
        "organisation_work",
        _("Referrals and organisation work"),
        _("A referral you were given went to someone else, or your role at an organisation changed."),
        email=frozenset({STAFF}),
        app=frozenset({STAFF}),
        staff_only=True,
    ),
)
CATEGORY_BY_KEY: dict[str, Category] = {category.key: category for category in CATEGORIES}
# The daily or weekly digest email: not a category members choose per channel, but its own
# "stop these emails" link turns off the email of every category that would fill it.
DIGEST = Category(
    "digest",
    _("The digest email"),
    _("One email a day or a week about everything that isn't urgent."),
    email=NOBODY,
)
# Messages about the member's own account (an address that stopped working): always in the app, never switched off.
ACCOUNT = "account"


def categories_for(roles: set[str]) -> list[Category]:
    """The categories offered to someone with these roles: staff-only ones only to staff."""
    return [category for category in CATEGORIES if not category.staff_only or STAFF in roles]


def category_named(key: str) -> Category:
    try:
        return CATEGORY_BY_KEY[key]
    except KeyError:
        raise ValueError(f"No such notification category: {key!r}.") from None

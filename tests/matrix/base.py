"""The world every matrix row runs in: the cast plus the ids and secrets the rows need."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carecircle.accounts.models import ApiToken, SignedInSession
from carecircle.circles.models import Invitation, Membership
from tests.cast import Cast

COLUMNS = (
    "person",
    "organiser",
    "helper",
    "paid_carer",
    "professional",
    "well_wisher",
    "org_staff",
    "outsider",
    "anonymous",
)


@dataclass
class World:
    cast: Cast
    invitation: Invitation
    invitation_token: str
    helper_membership: Membership
    organiser_token: ApiToken
    organiser_session: SignedInSession
    api_secrets: dict[str, str]
    media_root: Path
    # URL keyword arguments added by the areas' prepare() hooks.
    extra: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        return {
            "circle_id": self.cast.circle.pk,
            "member_id": self.helper_membership.pk,
            "invitation_id": self.invitation.pk,
            "token": self.invitation_token,
            "token_id": self.organiser_token.pk,
            **self.extra,
        }


@dataclass(frozen=True)
class Write:
    """A valid form for a page's POST row, and what it changes.

    `changes(world)` reads what the POST should change (a count, a field): every member the row
    allows must change it, and nobody refused may. `unchanged_for` lists the columns whose allowed
    answer rightly changes nothing (say, the organiser can't leave and is told so).
    """

    form: dict[str, Any] | Callable[[World], dict[str, Any]]
    changes: Callable[[World], object]
    unchanged_for: tuple[str, ...] = ()

    def data(self, world: World) -> dict[str, Any]:
        return self.form(world) if callable(self.form) else dict(self.form)

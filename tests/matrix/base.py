"""The world every matrix row runs in: the cast plus the ids and secrets the rows need."""

from __future__ import annotations

from dataclasses import dataclass, field
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

"""Request and response schemas of the circles API, and how models become responses."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field, field_validator

from carecircle.accounts.models import User
from carecircle.circles.access import CircleAccess
from carecircle.circles.models import Invitation, InvitationChannel, Membership, Role
from carecircle.circles.services import INVITATION_DAYS_DEFAULT, INVITATION_DAYS_MAX
from carecircle.lib.postcodes import district_of
from carecircle.lib.schemas import (
    DateOfBirth,
    DisplayName,
    Email,
    InputSchema,
    Key,
    NoNul,
    Note,
    PersonName,
    Phone,
    Relationship,
    Trimmed,
)

InvitationToken = Annotated[str, Trimmed(100, min_length=1), NoNul]


class CircleSummaryOut(Schema):
    id: int
    person_name: str
    role: Role
    relationship: str


class CircleOut(CircleSummaryOut):
    person_date_of_birth: datetime.date | None
    person_district: str = Field(description='The first part of their postcode ("LL11"), or "".')
    created_at: datetime.datetime
    latest_event: int = Field(description="Sequence number of the circle's latest live event.")
    capabilities: list[str] = Field(description="What you may see and do in this circle.")


class CircleCreateIn(InputSchema):
    person_name: PersonName
    person_date_of_birth: DateOfBirth | None = None
    relationship: Relationship = Field(default="", description='How you know them: "daughter", "neighbour".')
    joining_as: Literal["organiser", "person"] = Field(
        default="organiser", description='"person" when the circle is about you.'
    )
    client_id: uuid.UUID | None = Field(default=None, description="Send the same id when retrying: no duplicate.")


class CircleUpdateIn(InputSchema):
    person_name: PersonName | None = None
    person_date_of_birth: DateOfBirth | None = None
    person_district: str | None = Field(
        default=None,
        max_length=8,
        description='The first part of their postcode ("LL11"; a whole postcode keeps only that), or "" for none.',
    )

    @field_validator("person_name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str:
        if value is None:
            raise ValueError(gettext("The name can't be empty."))
        return value

    @field_validator("person_district")
    @classmethod
    def _a_district(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None if value is None else ""
        district = district_of(value)
        if not district:
            raise ValueError(gettext("Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty."))
        return district


def circle_out(access: CircleAccess) -> CircleOut:
    circle = access.circle
    return CircleOut(
        id=circle.pk,
        person_name=circle.person_name,
        role=Role(access.role),
        relationship=access.membership.relationship,
        person_date_of_birth=circle.person_date_of_birth,
        person_district=circle.person_district,
        created_at=circle.created_at,
        latest_event=circle.event_seq,
        capabilities=sorted(access.capabilities),
    )


class MemberOut(Schema):
    id: int = Field(description="The membership's id.")
    user_id: int
    display_name: str
    role: Role
    relationship: str
    joined_at: datetime.datetime
    is_you: bool
    email: str | None = Field(description="Only for viewers allowed to see members' contact details.")
    phone: str | None = Field(description="Only for viewers allowed to see members' contact details.")


class MemberUpdateIn(InputSchema):
    role: Role | None = None
    relationship: Relationship | None = None


def member_out(member: Membership, *, viewer_id: int, with_contact: bool) -> MemberOut:
    user: User = member.user
    return MemberOut(
        id=member.pk,
        user_id=user.pk,
        display_name=user.display_name,
        role=Role(member.role),
        relationship=member.relationship,
        joined_at=member.joined_at,
        is_you=user.pk == viewer_id,
        email=user.email if with_contact else None,
        phone=(user.phone or None) if with_contact else None,
    )


class InvitationOut(Schema):
    id: int
    role: Role
    relationship: str
    channel: InvitationChannel
    recipient: str = Field(description="Who it is for, in words.")
    name: str
    email: str
    phone: str
    note: str
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: str | None
    created_at: datetime.datetime
    expires_at: datetime.datetime
    accepted_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class InvitationCreatedOut(InvitationOut):
    url: str | None = Field(
        description="For a shareable link, the link to share: shown in this response only. Null for email and text."
    )


class InvitationCreateIn(InputSchema):
    role: Role
    channel: InvitationChannel
    relationship: Relationship = ""
    name: DisplayName = ""
    email: Email | None = None
    phone: Phone | None = None
    note: Note = ""
    expires_in_days: int = Field(default=INVITATION_DAYS_DEFAULT, ge=1, le=INVITATION_DAYS_MAX)
    client_id: uuid.UUID | None = Field(default=None, description="Send the same id when retrying: no duplicate.")


class InvitationAcceptIn(InputSchema):
    token: InvitationToken


def invitation_fields(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "role": invitation.role,
        "relationship": invitation.relationship,
        "channel": invitation.channel,
        "recipient": invitation.recipient,
        "name": invitation.name,
        "email": invitation.email,
        "phone": invitation.phone,
        "note": invitation.note,
        "status": invitation.status,
        "invited_by": invitation.invited_by.display_name if invitation.invited_by else None,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }


class CapabilityOut(Schema):
    key: str
    label: str
    group: str


class ConsentRoleOut(Schema):
    role: Role
    label: str
    granted: list[str]
    available: list[CapabilityOut] = Field(description="What this role may be given.")


class ConsentOut(Schema):
    decided_by: Literal["person", "organisers"] = Field(
        description="The person decides when they are a member; otherwise the organisers do."
    )
    deciders: list[str] = Field(description="The names of the people who decide.")
    can_change: bool = Field(description="Whether you may change these settings.")
    roles: list[ConsentRoleOut]


class ConsentIn(InputSchema):
    grants: dict[Key, Annotated[list[Key], Field(max_length=50)]] = Field(
        max_length=10,
        description="Capabilities to grant, by role. Roles you leave out keep their current settings.",
    )

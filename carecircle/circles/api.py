"""The circles API: circles, members, invitations, consent and live-event catch-up.

Every operation fetches through circles/access.py (outsiders 404, members without the capability
403) and writes through circles/services.py.
"""

from __future__ import annotations

from typing import Literal

from django.db import IntegrityError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from ninja import Router, Status

from carecircle.accounts.api_auth import viewer
from carecircle.circles import selectors
from carecircle.circles.access import CircleAccess, access_circle, access_invitation, access_membership
from carecircle.circles.api_schemas import (
    CapabilityOut,
    CircleCreateIn,
    CircleOut,
    CircleSummaryOut,
    CircleUpdateIn,
    ConsentIn,
    ConsentOut,
    ConsentRoleOut,
    InvitationAcceptIn,
    InvitationCreatedOut,
    InvitationCreateIn,
    InvitationOut,
    MemberOut,
    MemberUpdateIn,
    circle_out,
    invitation_fields,
    member_out,
)
from carecircle.circles.messages import invitation_url
from carecircle.circles.models import Circle, Invitation, InvitationChannel, Membership, Role
from carecircle.circles.permissions import EVERYONE_ELSE, consentable_for, effective_consent
from carecircle.circles.services import (
    circle_create,
    circle_update,
    consent_update,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_change,
    membership_remove,
)
from carecircle.lib.errors import Conflict, InvalidFields
from carecircle.lib.schemas import CircleId, InvitationId, MemberId, is_mobile, responses

router = Router()


# Circles.


@router.get(
    "/circles",
    operation_id="circle_list",
    summary="List your circles",
    tags=["Circles"],
    response=responses({200: list[CircleSummaryOut]}),
)
def circle_list(request: HttpRequest) -> list[CircleSummaryOut]:
    memberships = selectors.circle_memberships_for(viewer=viewer(request))
    return [
        CircleSummaryOut(
            id=member.circle_id,
            person_name=member.circle.person_name,
            role=Role(member.role),
            relationship=member.relationship,
        )
        for member in memberships
    ]


@router.post(
    "/circles",
    operation_id="circle_create",
    summary="Start a circle",
    tags=["Circles"],
    response=responses({200: CircleOut, 201: CircleOut}, 400, 409, 422),
)
def circle_create_view(request: HttpRequest, payload: CircleCreateIn) -> Status[CircleOut]:
    """You join as organiser, or as the person. A retry with the same client_id returns the same circle (200)."""
    actor = viewer(request)
    replay = (
        payload.client_id is not None and Circle.objects.filter(created_by=actor, client_id=payload.client_id).exists()
    )
    try:
        circle = circle_create(
            actor=actor,
            person_name=payload.person_name,
            person_date_of_birth=payload.person_date_of_birth,
            relationship=payload.relationship,
            actor_is_person=payload.joining_as == "person",
            client_id=payload.client_id,
        )
    except IntegrityError:
        if payload.client_id is None:
            raise
        # Two retries raced; the other one created the circle.
        circle = Circle.objects.get(created_by=actor, client_id=payload.client_id)
        replay = True
    try:
        access = access_circle(user=actor, circle_id=circle.pk)
    except Http404 as error:
        raise Conflict(
            # Translators: client_id is the name of a field in the API; keep it in English.
            gettext("This client_id was used for a circle you are no longer in. Send a new client_id.")
        ) from error
    return Status(200 if replay else 201, circle_out(access))


@router.get(
    "/circles/{circle_id}",
    operation_id="circle_get",
    summary="A circle, with your role and what you may do",
    tags=["Circles"],
    response=responses({200: CircleOut}, 404, 422),
)
def circle_get(request: HttpRequest, circle_id: CircleId) -> CircleOut:
    return circle_out(access_circle(user=viewer(request), circle_id=circle_id))


@router.patch(
    "/circles/{circle_id}",
    operation_id="circle_update",
    summary="Change a circle's details",
    tags=["Circles"],
    response=responses({200: CircleOut}, 400, 403, 404, 422),
)
def circle_update_view(request: HttpRequest, circle_id: CircleId, payload: CircleUpdateIn) -> CircleOut:
    """Send only the fields to change; send person_date_of_birth as null, or person_district as "", to remove it."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="circle.edit")
    circle = access.circle
    circle_update(
        actor=actor,
        circle=circle,
        person_name=payload.person_name if payload.person_name is not None else circle.person_name,
        person_date_of_birth=payload.person_date_of_birth
        if "person_date_of_birth" in payload.model_fields_set
        else circle.person_date_of_birth,
        person_district=payload.person_district,
    )
    return circle_out(access)


# Members.


@router.get(
    "/circles/{circle_id}/members",
    operation_id="member_list",
    summary="List the members of a circle",
    tags=["Members"],
    response=responses({200: list[MemberOut]}, 403, 404, 422),
)
def member_list(request: HttpRequest, circle_id: CircleId) -> list[MemberOut]:
    """The person and organisers first, as on the page. Contact details are null unless your role may see them."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="members.view")
    with_contact = access.can("members.contact")
    members = selectors.member_list_for(circle=access.circle)
    return [member_out(member, viewer_id=actor.pk, with_contact=with_contact) for member in members]


@router.patch(
    "/circles/{circle_id}/members/{member_id}",
    operation_id="member_update",
    summary="Change a member's role or relationship",
    tags=["Members"],
    response=responses({200: MemberOut}, 400, 403, 404, 409, 422),
)
def member_update(request: HttpRequest, circle_id: CircleId, member_id: MemberId, payload: MemberUpdateIn) -> MemberOut:
    """A circle always keeps at least one organiser: 409 when a change would leave none."""
    actor = viewer(request)
    access, member = access_membership(
        user=actor, circle_id=circle_id, membership_id=member_id, capability="members.manage"
    )
    member = membership_change(
        actor=actor,
        member=member,
        role=payload.role.value if payload.role is not None else None,
        relationship=payload.relationship,
    )
    return member_out(member, viewer_id=actor.pk, with_contact=access.can("members.contact"))


@router.delete(
    "/circles/{circle_id}/members/{member_id}",
    operation_id="member_remove",
    summary="Remove someone from a circle",
    tags=["Members"],
    response=responses({204: None}, 403, 404, 409, 422),
)
def member_remove(request: HttpRequest, circle_id: CircleId, member_id: MemberId) -> Status[None]:
    actor = viewer(request)
    _, member = access_membership(user=actor, circle_id=circle_id, membership_id=member_id, capability="members.manage")
    membership_remove(actor=actor, member=member)
    return Status(204, None)


@router.post(
    "/circles/{circle_id}/leave",
    operation_id="circle_leave",
    summary="Leave a circle",
    tags=["Members"],
    response=responses({204: None}, 403, 404, 409, 422),
)
def circle_leave(request: HttpRequest, circle_id: CircleId) -> Status[None]:
    """The only organiser must make someone else an organiser first (409)."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id)
    membership_remove(actor=actor, member=access.membership)
    return Status(204, None)


# Invitations.


def _check_invitation_choices(payload: InvitationCreateIn) -> None:
    # Who may hand out the owners' roles is invitation_create's rule (PermissionDenied, so 403).
    if payload.channel == InvitationChannel.EMAIL and not payload.email:
        raise InvalidFields({"email": gettext("Give an email address to send the invitation to.")})
    if payload.channel == InvitationChannel.SMS:
        if not payload.phone:
            raise InvalidFields({"phone": gettext("Give a mobile number to text the invitation to.")})
        if not is_mobile(payload.phone):
            raise InvalidFields({"phone": gettext("Text messages need a mobile number, like 07911 123456.")})


@router.get(
    "/circles/{circle_id}/invitations",
    operation_id="invitation_list",
    summary="List a circle's invitations",
    tags=["Invitations"],
    response=responses({200: list[InvitationOut]}, 403, 404, 422),
)
def invitation_list(request: HttpRequest, circle_id: CircleId) -> list[InvitationOut]:
    """Newest first, whatever their status."""
    access = access_circle(user=viewer(request), circle_id=circle_id, capability="members.invite")
    invitations = selectors.invitations_for(circle=access.circle)
    return [InvitationOut.model_validate(invitation_fields(invitation)) for invitation in invitations]


@router.post(
    "/circles/{circle_id}/invitations",
    operation_id="invitation_create",
    summary="Invite someone by email, text message or shareable link",
    tags=["Invitations"],
    response=responses({200: InvitationCreatedOut, 201: InvitationCreatedOut}, 400, 403, 404, 409, 422),
)
def invitation_create_view(
    request: HttpRequest, circle_id: CircleId, payload: InvitationCreateIn
) -> Status[InvitationCreatedOut]:
    """A retry with the same client_id returns the same invitation (200) and sends nothing again.
    A shareable link's url is in the response only; a retry gets a fresh url and the old one stops working."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="members.invite")
    _check_invitation_choices(payload)
    replay = False
    if payload.client_id is not None:
        earlier = Invitation.objects.filter(invited_by=actor, client_id=payload.client_id).first()
        if earlier is not None and earlier.circle_id != access.circle.pk:
            raise Conflict(
                # Translators: client_id is the name of a field in the API; keep it in English.
                gettext("This client_id was already used for another invitation. Send a new client_id.")
            )
        replay = earlier is not None
    invitation, token = invitation_create(
        actor=actor,
        circle=access.circle,
        role=payload.role.value,
        channel=payload.channel.value,
        relationship=payload.relationship,
        name=payload.name,
        email=payload.email or "",
        phone=payload.phone or "",
        note=payload.note,
        expires_in_days=payload.expires_in_days,
        client_id=payload.client_id,
    )
    url = invitation_url(token) if token and invitation.channel == InvitationChannel.LINK else None
    out = InvitationCreatedOut.model_validate({**invitation_fields(invitation), "url": url})
    return Status(200 if replay else 201, out)


@router.delete(
    "/circles/{circle_id}/invitations/{invitation_id}",
    operation_id="invitation_revoke",
    summary="Cancel an invitation",
    tags=["Invitations"],
    response=responses({204: None}, 403, 404, 409, 422),
)
def invitation_revoke_view(request: HttpRequest, circle_id: CircleId, invitation_id: InvitationId) -> Status[None]:
    """Only a pending invitation can be cancelled (409 otherwise)."""
    actor = viewer(request)
    _, invitation = access_invitation(user=actor, circle_id=circle_id, invitation_id=invitation_id)
    invitation_revoke(actor=actor, invitation=invitation)
    return Status(204, None)


@router.post(
    "/invitations/accept",
    operation_id="invitation_accept",
    summary="Join a circle with an invitation",
    tags=["Invitations"],
    response=responses({200: CircleOut}, 400, 403, 409, 422),
)
def invitation_accept_view(request: HttpRequest, payload: InvitationAcceptIn) -> CircleOut:
    """The token is the last part of the invitation link. Accepting again as a member is harmless."""
    actor = viewer(request)
    member = invitation_accept(actor=actor, token=payload.token)
    return circle_out(access_circle(user=actor, circle_id=member.circle_id))


# Consent.


def _consent_out(access: CircleAccess) -> ConsentOut:
    circle = access.circle
    decided_by: Literal["person", "organisers"] = "person" if access.person_is_member else "organisers"
    decider_role = Role.PERSON if access.person_is_member else Role.ORGANISER
    deciders = list(
        Membership.objects.filter(circle_id=circle.pk, role=decider_role)
        .order_by("joined_at", "id")
        .values_list("user__display_name", flat=True)
    )
    granted = effective_consent(circle.consent or {})
    roles = [
        ConsentRoleOut(
            role=role,
            label=str(role.label),
            granted=granted[role.value],
            available=[CapabilityOut(key=c.key, label=str(c.label), group=str(c.group)) for c in consentable_for(role)],
        )
        for role in Role
        if role in EVERYONE_ELSE
    ]
    return ConsentOut(decided_by=decided_by, deciders=deciders, can_change=access.can("consent.manage"), roles=roles)


@router.get(
    "/circles/{circle_id}/consent",
    operation_id="consent_get",
    summary="What each role may see and do, and who decides",
    tags=["Consent"],
    response=responses({200: ConsentOut}, 404, 422),
)
def consent_get(request: HttpRequest, circle_id: CircleId) -> ConsentOut:
    return _consent_out(access_circle(user=viewer(request), circle_id=circle_id))


@router.put(
    "/circles/{circle_id}/consent",
    operation_id="consent_update",
    summary="Change what each role may see and do",
    tags=["Consent"],
    response=responses({200: ConsentOut}, 400, 403, 404, 422),
)
def consent_update_view(request: HttpRequest, circle_id: CircleId, payload: ConsentIn) -> ConsentOut:
    """Only the person (or, when they aren't a member, the organisers) may do this."""
    actor = viewer(request)
    access = access_circle(user=actor, circle_id=circle_id, capability="consent.manage")
    circle = access.circle
    current = effective_consent(circle.consent or {})
    consent_update(actor=actor, circle=circle, grants={**current, **payload.grants})
    return _consent_out(access)

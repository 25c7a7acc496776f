"""The organisations API: receive a referral (idempotent by the referrer's reference), list and read referrals;
record where a referral's person was sent (idempotent by the service) and whether they used it;
make, list and stop invite codes.

Authenticate with a personal API token of a member of the organisation's staff. Receiving
referrals needs a coordinator's or admin's token; volunteers see only what's assigned to them.
Anyone not on the organisation's staff gets 404, as if it didn't exist.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from ninja.params.functions import Path, Query
from pydantic import Field, field_validator

from carecircle.accounts.api_auth import viewer
from carecircle.lib.schemas import MAX_ID, DateOfBirth, InputSchema, NoNul, Trimmed, responses
from carecircle.orgs.access import access_organisation, access_referral
from carecircle.orgs.invite_codes import invite_code_create, invite_code_revoke
from carecircle.orgs.languages import site_language
from carecircle.orgs.models import DirectoryService, InviteCode, Need, Referral, ReferralSource, ServiceUse, Signposting
from carecircle.orgs.referral_selectors import ReferralFilters, referral_list_for
from carecircle.orgs.referral_services import ReferralInput, referral_create
from carecircle.orgs.signposting import (
    LONGEST_NOTE,
    SignpostingError,
    referral_signpost,
    signposting_use_record,
    signpostings_for,
)

router = Router(tags=["Organisations"])

OrganisationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The organisation's id.")]
ReferralId = Annotated[int, Path(ge=1, le=MAX_ID, description="The referral's id.")]
Text = Annotated[str, Trimmed(120), NoNul]
LongText = Annotated[str, Trimmed(5000), NoNul]


class ReferralIn(InputSchema):
    person_name: Annotated[str, Trimmed(120, min_length=1), NoNul]
    person_date_of_birth: DateOfBirth | None = None
    person_address: Annotated[str, Trimmed(500), NoNul] = ""
    person_postcode: Annotated[str, Trimmed(10), NoNul] = ""
    person_phone: Annotated[str, Trimmed(32), NoNul] = ""
    person_email: Annotated[str, Trimmed(254), NoNul] = ""
    contact_preference: Literal["phone", "text", "email", "letter", "referrer"] = "phone"
    needs: list[Literal[tuple(Need.values)]] = Field(default_factory=list, max_length=len(Need.values))  # type: ignore[valid-type]
    needs_detail: LongText = ""
    urgency: Literal["routine", "soon", "urgent"] = "routine"
    source: Literal[tuple(ReferralSource.values)] = "other"  # type: ignore[valid-type]
    referrer_name: Text = ""
    referrer_organisation: Text = ""
    referrer_email: Annotated[str, Trimmed(254), NoNul] = ""
    referrer_phone: Annotated[str, Trimmed(32), NoNul] = ""
    referrer_reference: Annotated[str, Trimmed(80), NoNul] = Field(
        default="", description="Your own reference: sending it again returns the first referral (200), not a copy."
    )
    consent_given_by: Literal["person", "representative"]
    consent_given_at: datetime.datetime | None = Field(
        default=None, description="When consent was given; now if left out."
    )
    consent_to: Annotated[str, Trimmed(1000, min_length=1), NoNul]
    language: Annotated[str, Trimmed(16), NoNul] = Field(
        default="",
        description=(
            "The referrer's language, for the emails telling them the referral was accepted, declined or closed: "
            "en-gb, cy or pl. Left out: the language of their CareCircle account at referrer_email, else en-gb."
        ),
    )

    @field_validator("language")
    @classmethod
    def _a_language_we_write(cls, value: str) -> str:
        if value and not site_language(value):
            raise ValueError(
                gettext("Choose one of these languages: %(languages)s.")
                % {"languages": ", ".join(dict(settings.LANGUAGES))}
            )
        return site_language(value) if value else ""

    def referral_input(self) -> ReferralInput:
        fields = self.model_dump()
        language = fields.pop("language")
        return ReferralInput(**fields, referrer_language=language)


class ReferralOut(Schema):
    id: int
    reference: str
    organisation_id: int
    status: str
    urgency: str
    person_name: str
    needs: list[str]
    referrer_reference: str
    language: str = Field(
        description="The language the referrer is written to in: en-gb, cy or pl; empty when none was given."
    )
    created_at: datetime.datetime
    first_contact_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    outcome: str
    assigned_to_id: int | None


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(
        id=referral.pk,
        reference=referral.reference,
        organisation_id=referral.organisation_id,
        status=referral.status,
        urgency=referral.urgency,
        person_name=referral.person_name,
        needs=list(referral.needs),
        referrer_reference=referral.referrer_reference,
        language=referral.referrer_language,
        created_at=referral.created_at,
        first_contact_at=referral.first_contact_at,
        closed_at=referral.closed_at,
        outcome=referral.outcome,
        assigned_to_id=referral.assigned_to_id,
    )


@router.post(
    "/organisations/{organisation_id}/referrals",
    operation_id="org_referral_create",
    summary="Send a referral",
    response=responses({200: ReferralOut, 201: ReferralOut}, 400, 403, 404, 422),
)
def org_referral_create(
    request: HttpRequest, organisation_id: OrganisationId, payload: ReferralIn
) -> Status[ReferralOut]:
    """Created: 201. The same referrer_reference again: the first referral, 200."""
    access = access_organisation(user=viewer(request), organisation_id=organisation_id, capability="referrals.manage")
    referral, created = referral_create(
        actor=access.user, organisation=access.organisation, data=payload.referral_input(), via="through the API"
    )
    return Status(201 if created else 200, referral_out(referral))


StatusFilter = Annotated[
    Literal["new", "triaged", "accepted", "declined", "assigned", "active", "closed"] | None,
    Query(description="Only referrals in this state."),
]
Limit = Annotated[int, Query(ge=1, le=200, description="How many, newest first (at most 200).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="How many to skip.")]


@router.get(
    "/organisations/{organisation_id}/referrals",
    operation_id="org_referral_list",
    summary="The organisation's referrals, newest first",
    response=responses({200: list[ReferralOut]}, 403, 404, 422),
)
def org_referral_list(
    request: HttpRequest,
    organisation_id: OrganisationId,
    status: StatusFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ReferralOut]:
    access = access_organisation(user=viewer(request), organisation_id=organisation_id)
    referrals = referral_list_for(access=access, filters=ReferralFilters(status=status or ""))
    return [referral_out(referral) for referral in referrals[offset : offset + limit]]


@router.get(
    "/organisations/{organisation_id}/referrals/{referral_id}",
    operation_id="org_referral_get",
    summary="A referral",
    response=responses({200: ReferralOut}, 403, 404, 422),
)
def org_referral_get(request: HttpRequest, organisation_id: OrganisationId, referral_id: ReferralId) -> ReferralOut:
    _, referral = access_referral(user=viewer(request), organisation_id=organisation_id, referral_id=referral_id)
    return referral_out(referral)


# Where a referral's person was sent (orgs/signposting.py): whoever may work on the referral, as on its page.

SignpostingId = Annotated[int, Path(ge=1, le=MAX_ID, description="The signposting's id.")]
# The API's words for whether they used it, as the reports API's keys; the model keeps "" for not known yet.
UseWord = Literal["used", "not-used", "not-known"]
USE_WORDS: dict[str, UseWord] = {
    ServiceUse.USED.value: "used",
    ServiceUse.NOT_USED.value: "not-used",
    ServiceUse.NOT_KNOWN.value: "not-known",
}
USE_VALUES = {word: value for value, word in USE_WORDS.items()}


class SignpostingIn(InputSchema):
    service_id: int = Field(
        ge=1,
        le=MAX_ID,
        description="The directory service's id. Sending the same service again returns the first record (200).",
    )
    for_carer: bool = Field(default=False, description="Sent was the person who helps them, not the person.")
    note: Annotated[str, Trimmed(LONGEST_NOTE), NoNul] = ""


class ServiceUseIn(InputSchema):
    use: Literal["used", "not-used", "not-known"]
    used_on: datetime.date | None = Field(
        default=None,
        description="The day it was known (UK date): needed for used and not-used, not after today nor before "
        "they were sent; ignored for not-known.",
    )


class SignpostingOut(Schema):
    id: int
    referral_id: int
    service_id: int | None = Field(description="Empty once the directory no longer has the service.")
    service_name: str
    for_carer: bool
    note: str
    created_at: datetime.datetime
    use: Literal["used", "not-used", "not-known"]
    used_on: datetime.date | None
    use_recorded_at: datetime.datetime | None


def signposting_out(signposting: Signposting) -> SignpostingOut:
    return SignpostingOut(
        id=signposting.pk,
        referral_id=signposting.referral_id,
        service_id=signposting.service_id,
        service_name=signposting.service_name,
        for_carer=signposting.for_carer,
        note=signposting.note,
        created_at=signposting.created_at,
        use=USE_WORDS.get(signposting.use, "not-known"),
        used_on=signposting.used_on,
        use_recorded_at=signposting.use_recorded_at,
    )


@router.get(
    "/organisations/{organisation_id}/referrals/{referral_id}/signpostings",
    operation_id="org_signposting_list",
    summary="Where a referral's person (or the person who helps them) was sent, and whether they used it",
    response=responses({200: list[SignpostingOut]}, 403, 404, 422),
)
def org_signposting_list(
    request: HttpRequest, organisation_id: OrganisationId, referral_id: ReferralId
) -> list[SignpostingOut]:
    _, referral = access_referral(user=viewer(request), organisation_id=organisation_id, referral_id=referral_id)
    return [signposting_out(signposting) for signposting in signpostings_for(referral=referral)]


@router.post(
    "/organisations/{organisation_id}/referrals/{referral_id}/signpostings",
    operation_id="org_signposting_create",
    summary="Record that a referral's person was sent to a service in the directory",
    response=responses({200: SignpostingOut, 201: SignpostingOut}, 400, 403, 404, 422),
)
def org_signposting_create(
    request: HttpRequest, organisation_id: OrganisationId, referral_id: ReferralId, payload: SignpostingIn
) -> Status[SignpostingOut]:
    """Created: 201. The same service for the same referral again: the first record, 200, unchanged."""
    access, referral = access_referral(user=viewer(request), organisation_id=organisation_id, referral_id=referral_id)
    service = DirectoryService.objects.filter(pk=payload.service_id).first()
    if service is None:
        raise SignpostingError(gettext("Choose a service from the directory."), field="service_id")
    signposting, created = referral_signpost(
        access=access, referral=referral, service=service, for_carer=payload.for_carer, note=payload.note
    )
    return Status(201 if created else 200, signposting_out(signposting))


@router.put(
    "/organisations/{organisation_id}/referrals/{referral_id}/signpostings/{signposting_id}/use",
    operation_id="org_signposting_use_record",
    summary="Record whether they used the service they were sent to",
    response=responses({200: SignpostingOut}, 400, 403, 404, 422),
)
def org_signposting_use_record(
    request: HttpRequest,
    organisation_id: OrganisationId,
    referral_id: ReferralId,
    signposting_id: SignpostingId,
    payload: ServiceUseIn,
) -> SignpostingOut:
    """The same answer again changes nothing (and adds nothing to the history): 200 either way."""
    access, referral = access_referral(user=viewer(request), organisation_id=organisation_id, referral_id=referral_id)
    signposting = Signposting.objects.filter(pk=signposting_id, referral=referral).first()
    if signposting is None:
        raise Http404(gettext("No such signposting."))
    signposting_use_record(access=access, signposting=signposting, use=USE_VALUES[payload.use], used_on=payload.used_on)
    signposting.refresh_from_db()
    return signposting_out(signposting)


# Invite codes (orgs/invite_codes.py): coordinators and admins.

CodeId = Annotated[int, Path(ge=1, le=MAX_ID, description="The invite code's id.")]


class InviteCodeIn(InputSchema):
    label: Annotated[str, Trimmed(80, min_length=1), NoNul] = Field(
        description="What it is for, for your staff (a leaflet, a surgery)."
    )
    max_uses: int = Field(ge=1, le=10_000, description="How many circles it can start.")
    valid_days: int = Field(ge=1, le=366, description="How many days it works for.")


class InviteCodeOut(Schema):
    id: int
    label: str
    hint: str = Field(description="The code's last four characters.")
    uses: int
    max_uses: int
    expires_at: datetime.datetime
    revoked_at: datetime.datetime | None


class NewInviteCodeOut(InviteCodeOut):
    code: str = Field(description="The code itself: shown only in this answer, never again.")


def invite_code_out(invite_code: InviteCode, *, code: str = "") -> InviteCodeOut:
    kind = NewInviteCodeOut if code else InviteCodeOut
    fields = {"code": code} if code else {}
    return kind(
        id=invite_code.pk,
        label=invite_code.label,
        hint=invite_code.hint,
        uses=invite_code.uses,
        max_uses=invite_code.max_uses,
        expires_at=invite_code.expires_at,
        revoked_at=invite_code.revoked_at,
        **fields,
    )


@router.get(
    "/organisations/{organisation_id}/invite-codes",
    operation_id="org_invite_code_list",
    summary="The organisation's invite codes, newest first",
    response=responses({200: list[InviteCodeOut]}, 403, 404, 422),
)
def org_invite_code_list(request: HttpRequest, organisation_id: OrganisationId) -> list[InviteCodeOut]:
    access = access_organisation(user=viewer(request), organisation_id=organisation_id, capability="invites.manage")
    codes = InviteCode.objects.filter(organisation=access.organisation)[:500]
    return [invite_code_out(invite_code) for invite_code in codes]


@router.post(
    "/organisations/{organisation_id}/invite-codes",
    operation_id="org_invite_code_create",
    summary="Make an invite code (the code is in this answer only)",
    response=responses({201: NewInviteCodeOut}, 400, 403, 404, 422),
)
def org_invite_code_create(
    request: HttpRequest, organisation_id: OrganisationId, payload: InviteCodeIn
) -> Status[InviteCodeOut]:
    access = access_organisation(user=viewer(request), organisation_id=organisation_id, capability="invites.manage")
    invite_code, code = invite_code_create(access=access, **payload.model_dump())
    return Status(201, invite_code_out(invite_code, code=code))


@router.post(
    "/organisations/{organisation_id}/invite-codes/{code_id}/stop",
    operation_id="org_invite_code_stop",
    summary="Stop an invite code at once (circles started with it stay)",
    response=responses({200: InviteCodeOut}, 403, 404, 409, 422),
)
def org_invite_code_stop(request: HttpRequest, organisation_id: OrganisationId, code_id: CodeId) -> InviteCodeOut:
    access = access_organisation(user=viewer(request), organisation_id=organisation_id, capability="invites.manage")
    invite_code = InviteCode.objects.filter(pk=code_id, organisation=access.organisation).first()
    if invite_code is None:
        raise Http404(gettext("No such invite code."))
    return invite_code_out(invite_code_revoke(access=access, invite_code=invite_code))

"""Linking a circle the family already has to an accepted referral, only if its organiser agrees.

Staff never see which circles exist: they send a request to an email address (the family member
the person named), with the person's consent recorded. The email carries a link (only its hash is
kept, 14 days); whoever opens it, signed in, may link one of the circles they organise, or say no.
Linking invites the staff member who asked and the assigned volunteer as helpers, by the
organiser's own invitations, so the family sees who comes in and can remove them; the circle's
activity log and the referral's history record it. Ending the link (orgs/bridge.py) removes the
staff at once and cancels their invitations still waiting.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle, InvitationChannel, Membership, Role
from carecircle.circles.registries import WaitingRequest
from carecircle.circles.services import CircleError, invitation_create
from carecircle.lib import hooks
from carecircle.lib.errors import Conflict, DomainError, Gone, NotFound
from carecircle.lib.tokens import secret_hash
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.languages import in_language_of_address
from carecircle.orgs.models import CircleLinkRequest, OrganisationStaff, Referral, ReferralEvent, ReferralStatus

REQUEST_DAYS = 14
# The most requests a list shows (the organisation's waiting ones; the family's own).
WAITING_SHOWN = 200
OPEN_STATES = {ReferralStatus.ACCEPTED, ReferralStatus.ASSIGNED, ReferralStatus.ACTIVE}
Status = CircleLinkRequest.Status


class CircleLinkError(DomainError):
    """A refusal about linking a circle; the message says what to do."""


class CircleLinkConflict(CircleLinkError, Conflict):
    """Not possible in the referral's or the request's current state (409)."""


class CircleLinkGone(CircleLinkError, Gone):
    """The request expired, was answered or was replaced (410)."""


def answer_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("orgs:circle_link_answer", kwargs={"token": token})


def _has_live_circle(referral: Referral) -> bool:
    return referral.circle_id is not None and referral.circle_link_ended_at is None


@transaction.atomic
def circle_link_request(
    *, access: OrganisationAccess, referral: Referral, email: str, consent_confirmed: bool
) -> tuple[CircleLinkRequest, str]:
    """Ask the organiser of the family's circle, by email, to link it; a new request replaces a waiting one."""
    access.require("referrals.manage")
    referral = Referral.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=referral.pk)
    if referral.status not in OPEN_STATES:
        raise CircleLinkConflict(gettext("Accept the referral before linking a circle."))
    if _has_live_circle(referral):
        raise CircleLinkConflict(gettext("This referral already has a circle."))
    if not consent_confirmed:
        raise CircleLinkError(
            gettext("Ask the person first: link their family's circle only when they agree."), field="consent"
        )
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CircleLinkError(
            gettext("Give the email address of the circle's organiser, like name@example.org."), field="email"
        ) from None
    now = timezone.now()
    CircleLinkRequest.objects.filter(referral=referral, status=Status.PENDING).update(
        status=Status.WITHDRAWN, answered_at=now
    )
    token = secrets.token_urlsafe(24)
    request = CircleLinkRequest.objects.create(
        referral=referral,
        email=email,
        token_hash=secret_hash(token),
        requested_by=access.user,
        expires_at=now + datetime.timedelta(days=REQUEST_DAYS),
    )
    organisation = referral.organisation
    # The organiser's language if they have an account (they usually do), else the asker's.
    with in_language_of_address(email, otherwise=access.user):
        subject = gettext("%(organisation)s asks to join your CareCircle circle") % {"organisation": organisation.name}
        body = gettext(
            "%(asker)s from %(organisation)s is helping %(person)s, who agreed that %(organisation)s may join "
            "the circle the family already has in CareCircle.\n\n"
            "If you organise that circle, open this link to choose the circle and say yes or no "
            "(it works for %(days)s days):\n%(link)s\n\n"
            "If you say yes, they are invited as helpers: you see them in the circle and can remove them "
            "at any time. If you don't know about this, ignore this email: nothing changes."
        ) % {
            "asker": access.user.display_name,
            "organisation": organisation.name,
            "person": referral.person_name,
            "days": REQUEST_DAYS,
            "link": answer_url(token),
        }
    hooks.delivery_enqueue(
        channel="email",
        to=email,
        subject=subject,
        body=body,
        idempotency_key=f"circle-link-request:{request.pk}",
    )
    _notify_in_app(request)
    referral_history_add(
        referral=referral,
        actor=access.user,
        kind=ReferralEvent.Kind.CIRCLE,
        text=f"Asked {email} to link the family's circle, with the person's agreement.",
    )
    audit_record(
        actor=access.user,
        action="referral.circle_link_requested",
        subject_name=referral.reference,
        data={"organisation": organisation.pk, "referral": referral.pk, "request": request.pk},
    )
    return request, token


def _notify_in_app(request: CircleLinkRequest) -> None:
    """Tell the account whose confirmed address was asked, in the app too ("People joining")."""
    asked = User.objects.filter(email=request.email, email_verified_at__isnull=False, is_active=True).first()
    if asked is not None:
        _tell(request, user_id=asked.pk)


def circle_link_requests_tell_confirmed(user: User) -> None:
    """An account just confirmed its address: tell it now of the requests already waiting for that address.

    Registered with accounts/confirmations.py. The notification's key is the one a request sent to
    a confirmed address uses, so nobody is told of one request twice.
    """
    for request in circle_link_requests_for(user=user):
        _tell(request, user_id=user.pk)


def _tell(request: CircleLinkRequest, *, user_id: int) -> None:
    organisation, person = request.referral.organisation.name, request.referral.person_name

    def render() -> tuple[str, str]:
        title = gettext("%(organisation)s asks to join your circle") % {"organisation": organisation}
        text = gettext("They are helping %(person)s, who agreed. Open it to say yes or no.") % {"person": person}
        return title, text

    hooks.notify_account(
        user_id=user_id,
        category="joining",
        key=f"circle-link-request-{request.pk}",
        render=render,
        url=reverse("orgs:circle_link_open", kwargs={"link_request_id": request.pk}),
    )


def _still_waiting(request: CircleLinkRequest) -> CircleLinkRequest:
    """The request itself when it can still be answered; raises (410) when answered, replaced or expired."""
    if request.status != Status.PENDING:
        raise CircleLinkGone(
            gettext("This request has already been answered or replaced (%(state)s).")
            % {"state": request.get_status_display().lower()}
        )
    if request.expires_at <= timezone.now():
        raise CircleLinkGone(gettext("This request has expired. Ask the organisation to send a new one."))
    return request


def _with_its_referral() -> QuerySet[CircleLinkRequest]:
    return CircleLinkRequest.objects.select_related("referral__organisation", "referral__assigned_to", "requested_by")


def circle_link_request_find(*, token: str) -> CircleLinkRequest:
    """The waiting request behind a link; raises when it is unknown, answered or expired."""
    request = _with_its_referral().filter(token_hash=secret_hash(token)).first()
    if request is None:
        raise CircleLinkGone(gettext("This link isn't valid. Ask the organisation to send a new one."))
    return _still_waiting(request)


def _addressed_to(user: User) -> str | None:
    """The address whose requests this account may see: its own, only once confirmed."""
    return user.email.strip().lower() if user.email and user.email_verified else None


def circle_link_request_for(*, user: User, link_request_id: int) -> CircleLinkRequest:
    """A waiting request asked of this account's confirmed address, to answer in the app.

    Anyone else (another address, or this one not yet confirmed: it could be someone else's) gets
    NotFound, whatever the request's state, so nothing of the referral shows; the one asked is
    told (410) when it was answered, withdrawn or has expired.
    """
    email = _addressed_to(user)
    request = _with_its_referral().filter(pk=link_request_id, email=email).first() if email else None
    if request is None:
        raise NotFound(gettext("There is no such request for you. It may have been sent to another address."))
    return _still_waiting(request)


def circle_link_requests_for(*, user: User) -> list[CircleLinkRequest]:
    """The requests waiting for this account's confirmed address (none while it is unconfirmed), oldest first."""
    email = _addressed_to(user)
    if email is None:
        return []
    return list(waiting_for_address(email)[:WAITING_SHOWN])


def waiting_for_address(email: str) -> QuerySet[CircleLinkRequest]:
    """The requests still waiting for an address, oldest first: read through the partial index on pending ones."""
    waiting = _with_its_referral().filter(email=email, status=Status.PENDING, expires_at__gt=timezone.now())
    return waiting.order_by("requested_at", "id")


def waiting_for_family(user: User) -> list[WaitingRequest]:
    """The requests on the person's circles page (circles.registries): only for their confirmed address."""
    waiting: list[WaitingRequest] = []
    for request in circle_link_requests_for(user=user):
        organisation, person = request.referral.organisation.name, request.referral.person_name
        waiting.append(
            WaitingRequest(
                title=gettext("%(organisation)s asks to join your circle") % {"organisation": organisation},
                text=gettext("They are helping %(person)s, who agreed. Open it to say yes or no, by %(date)s.")
                % {"person": person, "date": date_format(timezone.localtime(request.expires_at), "j E")},
                url=reverse("orgs:circle_link_open", kwargs={"link_request_id": request.pk}),
            )
        )
    return waiting


def circles_to_offer(*, user: User) -> list[Circle]:
    """The open circles the user may link: those they organise (or are the person of)."""
    memberships = Membership.objects.filter(
        user=user, role__in=[Role.ORGANISER, Role.PERSON], circle__closed_at__isnull=True
    ).select_related("circle")
    return [membership.circle for membership in memberships.order_by("circle__person_name", "circle_id")]


def _invite_staff(*, actor: User, circle: Circle, referral: Referral, requested_by: User | None) -> list[str]:
    organisation = referral.organisation
    invited: list[str] = []
    staff_ids = set(OrganisationStaff.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    for staff_user in (requested_by, referral.assigned_to):
        if staff_user is None or staff_user.pk not in staff_ids or staff_user.email in invited:
            continue
        if Membership.objects.filter(circle=circle, user=staff_user).exists() or not staff_user.email:
            continue
        try:
            invitation_create(
                actor=actor,
                circle=circle,
                role=Role.HELPER,
                channel=InvitationChannel.EMAIL,
                email=staff_user.email,
                name=staff_user.display_name,
                relationship=f"from {organisation.name}"[:60],
                note=f"You agreed to link this circle to {organisation.name}'s work with {referral.person_name}."[:500],
            )
        except CircleError:
            continue
        invited.append(staff_user.email)
    return invited


def _lock_waiting(link_request: CircleLinkRequest) -> CircleLinkRequest:
    """The request locked for the answer, checked again: a second answer at the same moment gets 410."""
    locked = CircleLinkRequest.objects.select_for_update().get(pk=link_request.pk)
    locked.referral = link_request.referral
    return _still_waiting(locked)


@transaction.atomic
def circle_link_accept(*, actor: User, link_request: CircleLinkRequest, circle_id: int) -> Referral:
    """The organiser links one of their circles to the referral; its staff are invited as helpers.

    The same for the emailed link and for the app: the caller found `link_request` by its token or
    by the actor's confirmed address.
    """
    request = _lock_waiting(link_request)
    access = access_circle(user=actor, circle_id=circle_id, capability="members.manage")
    if access.circle.closed_at is not None:
        raise CircleLinkError(gettext("That circle is closed. Choose another one."), field="circle")
    if not access.can("members.invite"):
        raise PermissionDenied(gettext("Only the circle's organisers can link it."))
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("organisation", "assigned_to")
        .get(pk=request.referral_id)
    )
    if referral.status not in OPEN_STATES or _has_live_circle(referral):
        raise CircleLinkConflict(
            gettext("The organisation's work with this person has changed. Ask them to send a new request.")
        )
    now = timezone.now()
    referral.circle, referral.circle_consent_at, referral.circle_link_ended_at = access.circle, now, None
    referral.updated_at = now
    referral.save(update_fields=["circle", "circle_consent_at", "circle_link_ended_at", "updated_at"])
    request.status, request.circle, request.answered_by, request.answered_at = (
        Status.ACCEPTED,
        access.circle,
        actor,
        now,
    )
    request.save(update_fields=["status", "circle", "answered_by", "answered_at"])
    invited = _invite_staff(actor=actor, circle=access.circle, referral=referral, requested_by=request.requested_by)
    referral_history_add(
        referral=referral,
        actor=actor,
        kind=ReferralEvent.Kind.CIRCLE,
        text=f"{actor.display_name} linked the family's circle; {len(invited)} of your staff invited as helpers.",
    )
    audit_record(
        actor=actor,
        action="referral.circle_linked",
        circle=access.circle,
        subject_name=referral.organisation.name,
        data={"organisation": referral.organisation_id, "referral": referral.pk, "request": request.pk},
    )
    return referral


@transaction.atomic
def circle_link_decline(*, actor: User, link_request: CircleLinkRequest) -> CircleLinkRequest:
    """The family says no: nothing is linked; the referral's history says so."""
    request = _lock_waiting(link_request)
    request.status, request.answered_by, request.answered_at = Status.DECLINED, actor, timezone.now()
    request.save(update_fields=["status", "answered_by", "answered_at"])
    referral_history_add(
        referral=request.referral,
        actor=actor,
        kind=ReferralEvent.Kind.CIRCLE,
        text="The family decided not to link their circle.",
    )
    audit_record(
        actor=actor,
        action="referral.circle_link_declined",
        subject_name=link_request.referral.reference,
        data={"organisation": link_request.referral.organisation_id, "referral": request.referral_id},
    )
    return request


def waiting_request_for(*, referral: Referral) -> CircleLinkRequest | None:
    return CircleLinkRequest.objects.filter(
        referral=referral, status=Status.PENDING, expires_at__gt=timezone.now()
    ).first()


def circle_link_requests_waiting(*, access: OrganisationAccess) -> list[CircleLinkRequest]:
    """This organisation's requests nobody has answered yet, oldest first; each says whether it has expired."""
    access.require("referrals.manage")
    expired = Case(
        When(Q(expires_at__lte=timezone.now()), then=Value(True)), default=Value(False), output_field=BooleanField()
    )
    waiting = (
        CircleLinkRequest.objects.filter(referral__organisation=access.organisation, status=Status.PENDING)
        .select_related("referral", "requested_by")
        .annotate(expired=expired)
        .order_by("requested_at", "id")
    )
    return list(waiting[:WAITING_SHOWN])


@transaction.atomic
def circle_link_withdraw(*, access: OrganisationAccess, link_request_id: int) -> CircleLinkRequest:
    """Withdraw a request still waiting: its emailed link stops working; the referral's history says so."""
    access.require("referrals.manage")
    request = (
        CircleLinkRequest.objects.select_for_update(of=("self",))
        .select_related("referral")
        .filter(pk=link_request_id, referral__organisation=access.organisation)
        .first()
    )
    if request is None:
        raise NotFound(gettext("There is no such request. It may have been withdrawn already."))
    if request.status != Status.PENDING:
        raise CircleLinkGone(gettext("This request has already been answered or replaced."))
    request.status, request.answered_at = Status.WITHDRAWN, timezone.now()
    request.save(update_fields=["status", "answered_at"])
    referral_history_add(
        referral=request.referral,
        actor=access.user,
        kind=ReferralEvent.Kind.CIRCLE,
        text=f"Withdrew the request to {request.email} to link the family's circle.",
    )
    audit_record(
        actor=access.user,
        action="referral.circle_link_withdrawn",
        subject_name=request.referral.reference,
        data={"organisation": access.organisation.pk, "referral": request.referral_id, "request": request.pk},
    )
    return request

"""Every write to circles, memberships, invitations and consent (ARCHITECTURE rule 3).

Each service: keyword-only arguments, an explicit actor, one transaction, validation, one audit
row, and live events published after commit. Callers check access first (circles/access.py).
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext

from carecircle.circles import messages, selectors
from carecircle.circles.access import access_circle
from carecircle.circles.models import Circle, Invitation, InvitationChannel, Membership, Role
from carecircle.circles.permissions import clean_consent, default_consent
from carecircle.lib.errors import Conflict, DomainError
from carecircle.lib.hooks import audit_record, circle_event_record, delivery_enqueue, notify, user_event_send
from carecircle.lib.idempotency import replayed
from carecircle.lib.postcodes import district_of
from carecircle.lib.text import TextRefused, single_line
from carecircle.lib.tokens import secret_hash

if TYPE_CHECKING:
    from carecircle.accounts.models import User

INVITATION_DAYS_DEFAULT = 14
INVITATION_DAYS_MAX = 30
# The audit actions of a membership ending: someone leaving, and an organiser removing someone.
LEAVING_ACTIONS = ("member.left", "member.removed")


class CircleError(DomainError):
    """A request that breaks a rule of circles; the message says what to do instead."""


class CircleConflict(CircleError, Conflict):
    """A change the circle's current state refuses, such as removing its last organiser (409)."""


def _one_line(value: str, limit: int, what: str) -> str:
    """A name or relationship as stored: one line (lib/text.py), so it is safe in email headers."""
    try:
        return single_line(value, limit=limit, what=what)
    except TextRefused as error:
        raise CircleError(str(error)) from error


@transaction.atomic
def circle_create(
    *,
    actor: User,
    person_name: str,
    relationship: str = "",
    person_date_of_birth: datetime.date | None = None,
    person_photo: UploadedFile[bytes] | None = None,
    actor_is_person: bool = False,
    client_id: uuid.UUID | None = None,
) -> Circle:
    """Create a circle about someone; the actor joins as organiser (or as the person themselves)."""
    if client_id is not None:
        existing = Circle.objects.filter(created_by=actor, client_id=client_id).first()
        if existing is not None:
            return existing
    person_name = _one_line(person_name, 80, "name")
    if not person_name:
        raise CircleError(gettext("Tell us the name of the person you're helping."))
    if person_date_of_birth and person_date_of_birth > timezone.localdate():
        raise CircleError(gettext("The date of birth can't be in the future."))
    circle = Circle.objects.create(
        person_name=person_name,
        person_date_of_birth=person_date_of_birth,
        consent=default_consent(),
        created_by=actor,
        client_id=client_id,
    )
    if person_photo is not None:
        circle.person_photo.save("photo.jpg", person_photo, save=False)
        circle.save(update_fields=["person_photo"])
    role = Role.PERSON if actor_is_person else Role.ORGANISER
    Membership.objects.create(
        circle=circle, user=actor, role=role, relationship=_one_line(relationship, 60, "relationship")
    )
    audit_record(actor=actor, action="circle.created", circle=circle, data={"person_name": person_name})
    circle_event_record(circle=circle, type="circle.created")
    return circle


@transaction.atomic
def circle_update(
    *,
    actor: User,
    circle: Circle,
    person_name: str,
    person_date_of_birth: datetime.date | None,
    person_district: str | None = None,
) -> Circle:
    """Change the circle's details; `person_district` None leaves the district as it is."""
    person_name = _one_line(person_name, 80, "name")
    if not person_name:
        raise CircleError(gettext("Tell us the name of the person you're helping."))
    if person_date_of_birth and person_date_of_birth > timezone.localdate():
        raise CircleError(gettext("The date of birth can't be in the future."))
    changed = {}
    if person_name != circle.person_name:
        changed["person_name"] = [circle.person_name, person_name]
    if person_date_of_birth != circle.person_date_of_birth:
        changed["person_date_of_birth"] = [
            str(circle.person_date_of_birth or ""),
            str(person_date_of_birth or ""),
        ]
    if person_district is not None:
        district = district_of(person_district)
        if person_district.strip() and not district:
            raise CircleError(gettext("Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty."))
        if district != circle.person_district:
            changed["person_district"] = [circle.person_district, district]
            circle.person_district = district
    if not changed:
        return circle
    circle.person_name = person_name
    circle.person_date_of_birth = person_date_of_birth
    circle.save(update_fields=["person_name", "person_date_of_birth", "person_district"])
    audit_record(actor=actor, action="circle.updated", circle=circle, data={"changed": changed})
    circle_event_record(circle=circle, type="circle.changed")
    return circle


@transaction.atomic
def circle_photo_update(*, actor: User, circle: Circle, photo: UploadedFile[bytes] | None) -> Circle:
    """Set the person's photo, or remove it with photo=None.

    The photo must already be re-encoded (circles.forms.photo_reencoded), so no location or camera
    details are ever stored. The old file is deleted once the change is committed.
    """
    # The stored name, not the caller's copy: the instance may be stale, and this locks the row.
    old_name = Circle.objects.select_for_update().values_list("person_photo", flat=True).get(pk=circle.pk) or ""
    if photo is None and not old_name:
        return circle
    if photo is None:
        circle.person_photo = None
        change = "removed"
    else:
        circle.person_photo.save("photo.jpg", photo, save=False)
        change = "changed" if old_name else "added"
    circle.save(update_fields=["person_photo"])
    audit_record(actor=actor, action="circle.photo_changed", circle=circle, data={"change": change})
    circle_event_record(circle=circle, type="circle.changed")
    if old_name:
        storage = circle.person_photo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return circle


def _organiser_count(circle: Circle) -> int:
    return Membership.objects.filter(circle=circle, role=Role.ORGANISER).count()


def _lock_circle(circle: Circle) -> None:
    # Serialises membership changes in one circle, so two organisers can't both step down at once.
    Circle.objects.select_for_update().filter(pk=circle.pk).values_list("pk", flat=True).get()


@transaction.atomic
def membership_change(
    *, actor: User, member: Membership, role: str | None = None, relationship: str | None = None
) -> Membership:
    """Change a member's role or relationship. The circle always keeps an organiser."""
    _lock_circle(member.circle)
    member.refresh_from_db()
    fields: list[str] = []
    data: dict[str, object] = {}
    if role is not None and role != member.role:
        new_role = Role(role)
        if member.role == Role.ORGANISER and _organiser_count(member.circle) <= 1:
            raise CircleConflict(
                gettext("A circle needs at least one organiser. Make someone else an organiser first.")
            )
        if new_role == Role.PERSON and Membership.objects.filter(circle=member.circle, role=Role.PERSON).exists():
            raise CircleConflict(gettext("This circle already has the person being helped as a member."))
        data["from"] = member.role
        data["to"] = new_role.value
        member.role = new_role
        fields.append("role")
    if relationship is not None and _one_line(relationship, 60, "relationship") != member.relationship:
        data["relationship"] = [member.relationship, _one_line(relationship, 60, "relationship")]
        member.relationship = _one_line(relationship, 60, "relationship")
        fields.append("relationship")
    if not fields:
        return member
    member.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="member.role_changed" if "role" in fields else "member.relationship_changed",
        circle=member.circle,
        subject=member.user,
        data=data,
    )
    circle_event_record(circle=member.circle, type="membership.changed", member=member.pk, user=member.user_id)
    user_event_send(user_id=member.user_id, type="access.changed", circle=member.circle_id)
    return member


def member_renamed(user: User) -> None:
    """A member changed their name: every circle that shows it shows the new one at once (accounts/renames.py).

    That is each circle they are in, and each circle they left or were removed from: its messages,
    tasks and history still show their name, and its pages (kept parts, a browser's 304) are only
    drawn again when its event sequence moves. Circles keep no membership once it ends, so the
    circles left are the ones whose audit log records it (its entries point at the circle).
    """
    for member in Membership.objects.filter(user=user).select_related("circle"):
        circle_event_record(circle=member.circle, type="membership.changed", member=member.pk, user=user.pk)
    left = (
        Circle.objects.filter(audit_entries__subject_user=user, audit_entries__action__in=LEAVING_ACTIONS)
        .exclude(memberships__user=user)
        .distinct()
    )
    for circle in left:
        circle_event_record(circle=circle, type="membership.changed", user=user.pk)


@transaction.atomic
def membership_remove(*, actor: User, member: Membership) -> None:
    """Remove someone from a circle (an organiser's action) or leave it (your own)."""
    _lock_circle(member.circle)
    if member.role == Role.ORGANISER and _organiser_count(member.circle) <= 1:
        if member.user_id == actor.pk:
            raise CircleConflict(gettext("You're the only organiser. Make someone else an organiser before you leave."))
        raise CircleConflict(gettext("A circle needs at least one organiser."))
    circle, user, member_id = member.circle, member.user, member.pk
    member.delete()
    leaving = user.pk == actor.pk
    audit_record(
        actor=actor,
        action=LEAVING_ACTIONS[0] if leaving else LEAVING_ACTIONS[1],
        circle=circle,
        subject=user,
        data={"role": member.role},
    )
    circle_event_record(circle=circle, type="membership.removed", member=member_id, user=user.pk)
    user_event_send(user_id=user.pk, type="access.revoked", circle=circle.pk)


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    circle: Circle,
    role: str,
    channel: str,
    relationship: str = "",
    name: str = "",
    email: str = "",
    phone: str = "",
    note: str = "",
    expires_in_days: int = INVITATION_DAYS_DEFAULT,
    client_id: uuid.UUID | None = None,
) -> tuple[Invitation, str | None]:
    """Invite someone with a role. Returns the invitation and its secret token.

    The token exists only in the message (or, for a shareable link, in this return value). A retry
    with the same client_id returns the same invitation: a link gets a fresh token, because the
    first answer never arrived; an email or text has already been queued, so no token is returned.
    """
    invitation_role = Role(role)
    invitation_channel = InvitationChannel(channel)
    if client_id is not None:
        existing = replayed(
            Invitation.objects.filter(invited_by=actor, client_id=client_id).first(),
            matches=lambda invitation: invitation.circle_id == circle.pk,
            used_for=lambda invitation: gettext("an invitation to another circle (id %(id)s)") % {"id": invitation.pk},
        )
        if existing is not None:
            if existing.channel == InvitationChannel.LINK and existing.status == "pending":
                token = secrets.token_urlsafe(24)
                existing.token_hash = secret_hash(token)
                existing.save(update_fields=["token_hash"])
                return existing, token
            return existing, None
    inviter = access_circle(user=actor, circle_id=circle.pk, capability="members.invite")
    if invitation_role in (Role.ORGANISER, Role.PERSON) and not inviter.can("members.manage"):
        # Helpers may be allowed to invite, but only organisers and the person hand out control.
        raise PermissionDenied(
            gettext("Only organisers and the person can invite someone as an organiser or as the person.")
        )
    if not 1 <= expires_in_days <= INVITATION_DAYS_MAX:
        raise CircleError(gettext("An invitation can last from 1 to %(most)s days.") % {"most": INVITATION_DAYS_MAX})
    if invitation_role == Role.PERSON and Membership.objects.filter(circle=circle, role=Role.PERSON).exists():
        raise CircleConflict(gettext("The person being helped is already a member of this circle."))
    if invitation_channel == InvitationChannel.EMAIL and not email:
        raise CircleError(gettext("Give an email address to send the invitation to."))
    if invitation_channel == InvitationChannel.SMS and not phone:
        raise CircleError(gettext("Give a mobile number to text the invitation to."))
    if email and Membership.objects.filter(circle=circle, user__email__iexact=email).exists():
        raise CircleConflict(gettext("%(email)s is already in this circle.") % {"email": email})
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        circle=circle,
        role=invitation_role,
        channel=invitation_channel,
        relationship=_one_line(relationship, 60, "relationship"),
        name=_one_line(name, 80, "name"),
        email=email.strip().lower() if invitation_channel == InvitationChannel.EMAIL else "",
        phone=phone if invitation_channel == InvitationChannel.SMS else "",
        note=note.strip(),
        token_hash=secret_hash(token),
        invited_by=actor,
        client_id=client_id,
        expires_at=timezone.now() + datetime.timedelta(days=expires_in_days),
    )
    if invitation_channel == InvitationChannel.EMAIL:
        subject, body = messages.invitation_email(invitation=invitation, inviter=actor, token=token)
        delivery_enqueue(
            channel="email",
            to=invitation.email,
            subject=subject,
            body=body,
            idempotency_key=f"invitation:{invitation.pk}",
        )
    elif invitation_channel == InvitationChannel.SMS:
        delivery_enqueue(
            channel="sms",
            to=invitation.phone,
            body=messages.invitation_sms(invitation=invitation, inviter=actor, token=token),
            idempotency_key=f"invitation:{invitation.pk}",
        )
    audit_record(
        actor=actor,
        action="invitation.created",
        circle=circle,
        subject_name=invitation.recipient,
        data={"role": invitation.role, "channel": invitation.channel, "invitation": invitation.pk},
    )
    circle_event_record(circle=circle, type="invitation.created", invitation=invitation.pk)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise CircleConflict(invitation.unusable_message(cancelling=True))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="invitation.revoked",
        circle=invitation.circle,
        subject_name=invitation.recipient,
        data={"role": invitation.role, "invitation": invitation.pk},
    )
    circle_event_record(circle=invitation.circle, type="invitation.revoked", invitation=invitation.pk)
    return invitation


@transaction.atomic
def invitation_accept(*, actor: User, token: str) -> Membership:
    """Join a circle through an invitation. Single use; an existing member just stays a member."""
    found = selectors.invitation_find(token=token)
    if found is None:
        raise CircleError(gettext("This invitation link isn't valid. Ask the person who invited you for a new one."))
    invitation = Invitation.objects.select_for_update().select_related("circle").get(pk=found.pk)
    existing = Membership.objects.filter(circle=invitation.circle, user=actor).first()
    if existing is not None:
        return existing
    if invitation.status != "pending":
        raise CircleError(invitation.unusable_message())
    role = Role(invitation.role)
    if role == Role.PERSON and Membership.objects.filter(circle=invitation.circle, role=Role.PERSON).exists():
        raise CircleConflict(gettext("The person being helped is already a member of this circle."))
    try:
        with transaction.atomic():
            member = Membership.objects.create(
                circle=invitation.circle, user=actor, role=role, relationship=invitation.relationship
            )
    except IntegrityError as error:
        raise CircleConflict(gettext("You're already in this circle.")) from error
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=actor,
        action="invitation.accepted",
        circle=invitation.circle,
        subject=actor,
        data={
            "role": role.value,
            "invitation": invitation.pk,
            "invited_by": invitation.invited_by.display_name if invitation.invited_by else "",
        },
    )
    circle_event_record(circle=invitation.circle, type="membership.added", member=member.pk, user=actor.pk)
    user_event_send(user_id=actor.pk, type="access.granted", circle=invitation.circle_id)
    notify(
        category="joining",
        circle=invitation.circle,
        key=f"joined-{member.pk}",
        # Made when notify() reads it, once per member, in each member's language.
        title=lazy(
            lambda: (
                gettext("%(name)s joined the circle for %(person)s")
                % {"name": actor.display_name, "person": invitation.circle.person_name}
            ),
            str,
        )(),
        url=reverse("circles:members", kwargs={"circle_id": invitation.circle_id}),
        actor=actor,
        capability="members.manage",
    )
    return member


@transaction.atomic
def consent_update(*, actor: User, circle: Circle, grants: Mapping[str, Iterable[str]]) -> Circle:
    """Set what each role may see and do. Only the consent owner's views call this."""
    try:
        cleaned = clean_consent(grants)
    except ValueError as error:
        raise CircleError(str(error)) from error
    before = circle.consent or default_consent()
    if cleaned == before:
        return circle
    changes = {
        role: {
            "granted": sorted(set(cleaned[role]) - set(before.get(role, []))),
            "withdrawn": sorted(set(before.get(role, [])) - set(cleaned[role])),
        }
        for role in cleaned
        if set(cleaned[role]) != set(before.get(role, []))
    }
    circle.consent = cleaned
    circle.save(update_fields=["consent"])
    audit_record(actor=actor, action="consent.changed", circle=circle, data={"changes": changes})
    circle_event_record(circle=circle, type="consent.changed")
    return circle


@transaction.atomic
def membership_add_directly(
    *, actor: User, circle: Circle, user: User, role: str, relationship: str = ""
) -> Membership:
    """Add an existing account to a circle without an invitation (demo data and tests only)."""
    member = Membership.objects.create(circle=circle, user=user, role=Role(role), relationship=relationship)
    audit_record(actor=actor, action="member.added", circle=circle, subject=user, data={"role": role})
    circle_event_record(circle=circle, type="membership.added", member=member.pk, user=user.pk)
    user_event_send(user_id=user.pk, type="access.granted", circle=circle.pk)
    return member

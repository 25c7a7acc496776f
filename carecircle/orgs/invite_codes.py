"""Invite codes: an organisation hands out a code that starts a circle already linked to it.

A code is 12 characters from an alphabet without look-alikes (60 random bits), shown to staff once
and kept only as its hash, so a copy of the database opens nothing. It works until it expires, is
revoked, or reaches its number of uses. A use is counted by one conditional UPDATE
(`uses < max_uses`), so two people using the last use at once can't both have it, on SQLite or
PostgreSQL; a check constraint backs it. Attempts are rate-limited per address (guessing) and
uses per code per hour (a code copied onto a forum can't start hundreds of circles at once).

Starting a circle records the person's consent to the link in plain words. The link lets the
organisation count the circle; it gives its staff no access to anything in it.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.circles.models import Circle
from carecircle.circles.services import CircleError, circle_create
from carecircle.lib import ratelimit
from carecircle.lib.errors import Conflict, DomainError, Gone
from carecircle.lib.tokens import secret_hash
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.models import ConsentGivenBy, InviteCode, Organisation, OrganisationCircle

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 12
LONGEST_DAYS = 366
MOST_USES = 10_000
WINDOW_SECONDS = 3600
NOT_FOUND = gettext_lazy(
    "That code doesn't work here. Check it against your letter or leaflet, or ask the organisation for a new one."
)


class InviteCodeError(DomainError):
    """A refusal about an invite code; the message says what to do."""


class InviteCodeGone(InviteCodeError, Gone):
    """The code expired, was revoked or is used up (410)."""


class InviteCodeConflict(InviteCodeError, Conflict):
    """Not possible in the code's current state (409)."""


def consent_wording(organisation: Organisation) -> str:
    """What the person agrees to, as it is shown and as it is recorded."""
    return (
        f"{organisation.name} will know that this circle was started with their code, and may count it "
        "(without names) in reports about their work. They will not see anything in the circle unless "
        "someone in it invites them."
    )


def normalise(code: str) -> str:
    return "".join(character for character in code.upper() if character.isalnum())


def display(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def attempts_per_hour() -> int:
    return int(getattr(settings, "ORGS_INVITE_CODE_TRIES_PER_HOUR", 20))


def uses_per_hour() -> int:
    return int(getattr(settings, "ORGS_INVITE_CODE_USES_PER_HOUR", 30))


def too_many_attempts(address: str) -> bool:
    """Count one attempt from this address; whether it is past the hourly limit."""
    return ratelimit.hit("orgs.invite_code", address or "unknown", window_seconds=WINDOW_SECONDS) > attempts_per_hour()


def retry_after_seconds() -> int:
    return ratelimit.seconds_left(window_seconds=WINDOW_SECONDS)


@transaction.atomic
def invite_code_create(
    *, access: OrganisationAccess, label: str, max_uses: int, valid_days: int
) -> tuple[InviteCode, str]:
    """Issue a code; returns it with the code itself, which is never shown again."""
    access.require("invites.manage")
    label = " ".join(label.split())
    if not label:
        raise InviteCodeError(gettext("Say what the code is for, like “Carers' centre leaflet”."), field="label")
    if len(label) > 80:
        raise InviteCodeError(gettext("Shorten the description to 80 characters or fewer."), field="label")
    if not 1 <= max_uses <= MOST_USES:
        raise InviteCodeError(
            gettext("A code can be used from 1 to %(most)s times.") % {"most": f"{MOST_USES:,}"}, field="max_uses"
        )
    if not 1 <= valid_days <= LONGEST_DAYS:
        raise InviteCodeError(
            gettext("A code can last from 1 to %(most)s days.") % {"most": LONGEST_DAYS}, field="valid_days"
        )
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    invite_code = InviteCode.objects.create(
        organisation=access.organisation,
        label=label,
        code_hash=secret_hash(code),
        hint=code[-4:],
        max_uses=max_uses,
        expires_at=timezone.now() + datetime.timedelta(days=valid_days),
        created_by=access.user,
    )
    audit_record(
        actor=access.user,
        action="organisation.invite_code_created",
        subject_name=str(invite_code),
        data={"organisation": access.organisation.pk, "invite_code": invite_code.pk, "max_uses": max_uses},
    )
    return invite_code, display(code)


@transaction.atomic
def invite_code_revoke(*, access: OrganisationAccess, invite_code: InviteCode) -> InviteCode:
    """Stop a code working at once; circles already started with it stay."""
    access.require("invites.manage")
    invite_code = InviteCode.objects.select_for_update().get(pk=invite_code.pk, organisation=access.organisation)
    if invite_code.revoked_at is not None:
        raise InviteCodeConflict(gettext("This code is already stopped."))
    invite_code.revoked_at, invite_code.revoked_by = timezone.now(), access.user
    invite_code.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=access.user,
        action="organisation.invite_code_revoked",
        subject_name=str(invite_code),
        data={"organisation": access.organisation.pk, "invite_code": invite_code.pk},
    )
    return invite_code


def _why_not_usable(invite_code: InviteCode, now: datetime.datetime) -> str | None:
    if invite_code.revoked_at is not None:
        return gettext("This code has been stopped by the organisation. Ask them for a new one.")
    if invite_code.expires_at <= now:
        return gettext("This code has expired. Ask the organisation for a new one.")
    if invite_code.uses >= invite_code.max_uses:
        return gettext("This code has been used as many times as it can be. Ask the organisation for a new one.")
    return None


def invite_code_find(*, organisation: Organisation, code: str) -> InviteCode:
    """The organisation's code that `code` is, if it can still be used; raises with what to do."""
    typed = normalise(code)
    if len(typed) != LENGTH:
        raise InviteCodeError(str(NOT_FOUND), field="code")
    invite_code = InviteCode.objects.filter(organisation=organisation, code_hash=secret_hash(typed)).first()
    if invite_code is None:
        raise InviteCodeError(str(NOT_FOUND), field="code")
    reason = _why_not_usable(invite_code, timezone.now())
    if reason is not None:
        raise InviteCodeGone(reason, field="code")
    return invite_code


def circle_start_with_code(
    *,
    actor: User,
    organisation: Organisation,
    code: str,
    person_name: str,
    for_self: bool,
    relationship: str,
    consent_given_by: str,
    consent_confirmed: bool,
    client_id: uuid.UUID | None = None,
) -> Circle:
    """Start a circle linked to the organisation with one use of its code, recording the consent.

    The same form posted twice (the same client_id) returns the first circle and uses the code once.
    """
    if client_id is not None:
        existing = OrganisationCircle.objects.filter(
            organisation=organisation, circle__created_by=actor, circle__client_id=client_id
        ).first()
        if existing is not None:
            return existing.circle
    invite_code = invite_code_find(organisation=organisation, code=code)
    if consent_given_by not in ConsentGivenBy.values:
        raise InviteCodeError(gettext("Say who agrees to the circle being linked."), field="consent_given_by")
    if not consent_confirmed:
        raise InviteCodeError(
            gettext("Tick the box to say they agree, or start a circle without a code from “Your circles”."),
            field="consent",
        )
    if ratelimit.hit("orgs.invite_code_use", str(invite_code.pk), window_seconds=WINDOW_SECONDS) > uses_per_hour():
        raise InviteCodeConflict(
            gettext("This code has been used a lot in the last hour. Try again in an hour, or ask the organisation.")
        )
    with transaction.atomic():
        now = timezone.now()
        counted = InviteCode.objects.filter(
            pk=invite_code.pk, revoked_at__isnull=True, expires_at__gt=now, uses__lt=F("max_uses")
        ).update(uses=F("uses") + 1)
        if not counted:
            invite_code.refresh_from_db()
            raise InviteCodeGone(_why_not_usable(invite_code, now) or str(NOT_FOUND), field="code")
        try:
            circle = circle_create(
                actor=actor,
                person_name=person_name,
                relationship=relationship,
                actor_is_person=for_self,
                client_id=client_id,
            )
        except CircleError as error:
            raise InviteCodeError(str(error), field="person_name") from None
        OrganisationCircle.objects.create(
            organisation=organisation,
            circle=circle,
            invite_code=invite_code,
            started_by=actor,
            consent_given_by=consent_given_by,
            consent_to=consent_wording(organisation),
            consent_at=now,
        )
        audit_record(
            actor=actor,
            action="circle.linked_to_organisation",
            circle=circle,
            subject_name=organisation.name,
            data={"organisation": organisation.pk, "invite_code": invite_code.pk, "consent_given_by": consent_given_by},
        )
    return circle

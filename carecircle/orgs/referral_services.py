"""Writes to referrals: receiving one, its pipeline, notes, first contact and merging duplicates.

Every change is one transaction with one history entry (ReferralEvent, shown on the referral) and
one audit row. Staff act through an OrganisationAccess, so a volunteer can only work on what is
assigned to them and only coordinators and admins decide (triage, accept, decline, assign, close).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.lib.errors import Conflict, DomainError, InvalidFields, NotAllowed
from carecircle.lib.postcodes import POSTCODE
from carecircle.lib.text import TextRefused, refuse_nul
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.bridge import referral_circle_unlink
from carecircle.orgs.closed_loop import referrer_notify
from carecircle.orgs.figures import GIVEN, referral_figures_snapshot, referral_figures_update, staff_figure_add
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.live import referrals_withdrawn
from carecircle.orgs.lost_referrals import referral_given_away_tell, referral_merged_away_tell
from carecircle.orgs.models import (
    CircleLinkRequest,
    ConsentGivenBy,
    ContactPreference,
    Need,
    Organisation,
    OrganisationStaff,
    Outcome,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    Urgency,
)

S = ReferralStatus
# Where each state may go next. Assigning is its own action (accepted → assigned).
NEXT: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.ACCEPTED, S.DECLINED}),
    S.TRIAGED: frozenset({S.ACCEPTED, S.DECLINED}),
    S.ACCEPTED: frozenset({S.CLOSED}),
    S.ASSIGNED: frozenset({S.ACTIVE, S.CLOSED}),
    S.ACTIVE: frozenset({S.CLOSED}),
    S.DECLINED: frozenset(),
    S.CLOSED: frozenset(),
}
OPEN_STATES = frozenset({S.NEW, S.TRIAGED, S.ACCEPTED, S.ASSIGNED, S.ACTIVE})
# Days from receiving a referral to first contacting the person, by urgency.
FIRST_CONTACT_DAYS: dict[str, int] = {Urgency.URGENT: 2, Urgency.SOON: 5, Urgency.ROUTINE: 10}
LONGEST_TEXT = 5000


class ReferralError(DomainError):
    """A refusal about a referral."""


class ReferralConflict(ReferralError, Conflict):
    """Not possible in the referral's current state (409)."""


class ReferralFieldErrors(ReferralError, InvalidFields):
    """Named fields of a referral are wrong (422)."""


@dataclass
class ReferralInput:
    """What a referral says, from any way in: the public form, staff, the API or a CSV row."""

    person_name: str
    consent_given_by: str
    consent_to: str
    consent_given_at: datetime.datetime | None = None
    person_date_of_birth: datetime.date | None = None
    person_address: str = ""
    person_postcode: str = ""
    person_phone: str = ""
    person_email: str = ""
    contact_preference: str = ContactPreference.PHONE
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""
    referrer_phone: str = ""
    referrer_reference: str = ""
    # A code of settings.LANGUAGES, or "" when the referrer didn't say.
    referrer_language: str = ""
    source: str = ReferralSource.OTHER
    needs: list[str] = field(default_factory=list)
    needs_detail: str = ""
    urgency: str = Urgency.ROUTINE


def normalise_postcode(value: str) -> str:
    """ "ll11 1aa" → "LL11 1AA"; anything that isn't a UK postcode shape is returned stripped and upper-cased."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else compact


def duplicate_key(name: str, date_of_birth: datetime.date | None, postcode: str) -> str:
    """Name, date of birth and postcode, normalised; empty when any is missing (too little to match on)."""
    if not (name.strip() and date_of_birth and postcode.strip()):
        return ""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = " ".join(re.sub(r"[^a-z ]+", " ", plain).split())
    return f"{plain}|{date_of_birth.isoformat()}|{normalise_postcode(postcode).replace(' ', '')}"


def referral_input_errors(data: ReferralInput) -> dict[str, str]:
    """Every problem with a referral's fields, by field name, in plain words in the active language."""
    errors: dict[str, str] = {}
    now = timezone.now()
    if not data.person_name.strip():
        errors["person_name"] = gettext("Give the name of the person being referred.")
    elif len(data.person_name) > 120:
        errors["person_name"] = gettext("Shorten the name to %(most)s characters or fewer.") % {"most": 120}
    if data.person_date_of_birth and not datetime.date(1900, 1, 1) <= data.person_date_of_birth <= now.date():
        errors["person_date_of_birth"] = gettext("Give a date of birth in the past, after 1900.")
    if data.person_postcode.strip() and not POSTCODE.match(re.sub(r"\s+", "", data.person_postcode).upper()):
        errors["person_postcode"] = gettext("Give a UK postcode, like LL11 1AA, or leave it empty.")
    if data.consent_given_by not in ConsentGivenBy.values:
        errors["consent_given_by"] = gettext(
            "Say who agreed to this referral: the person, or someone who can decide for them."
        )
    if not data.consent_to.strip():
        errors["consent_to"] = gettext("Say what the person agreed to, such as being contacted by us.")
    if data.consent_given_at and data.consent_given_at > now + datetime.timedelta(minutes=5):
        errors["consent_given_at"] = gettext("Consent can't be given in the future. Check the date.")
    if data.source not in ReferralSource.values:
        errors["source"] = gettext("Choose who is making the referral.")
    if data.urgency not in Urgency.values:
        errors["urgency"] = gettext("Choose routine, soon or urgent.")
    if data.contact_preference not in ContactPreference.values:
        errors["contact_preference"] = gettext("Choose how to contact the person.")
    unknown = [need for need in data.needs if need not in Need.values]
    if unknown:
        errors["needs"] = gettext("These aren't needs we know: %(needs)s. Choose from the list.") % {
            "needs": ", ".join(unknown)
        }
    if len(data.needs_detail) > LONGEST_TEXT:
        errors["needs_detail"] = gettext("Shorten it to %(most)s characters or fewer.") % {"most": LONGEST_TEXT}
    if len(data.referrer_reference) > 80:
        errors["referrer_reference"] = gettext("Shorten your reference to %(most)s characters or fewer.") % {"most": 80}
    if data.referrer_language and data.referrer_language not in dict(settings.LANGUAGES):
        errors["referrer_language"] = gettext("Choose one of these languages: %(languages)s.") % {
            "languages": ", ".join(dict(settings.LANGUAGES))
        }
    for name in ("person_name", "person_address", "needs_detail", "consent_to", "referrer_name", "referrer_reference"):
        try:
            refuse_nul(str(getattr(data, name)))
        except TextRefused:
            errors[name] = gettext("Remove the unusual characters from this field.")
    return errors


def referral_create(
    *, actor: User | None, organisation: Organisation, data: ReferralInput, via: str
) -> tuple[Referral, bool]:
    """Receive a referral; returns it and whether it is new. The same referrer's reference returns the first one."""
    errors = referral_input_errors(data)
    if errors:
        raise ReferralFieldErrors(errors)
    reference = data.referrer_reference.strip()
    if reference:
        existing = Referral.objects.filter(organisation=organisation, referrer_reference=reference).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return _create(actor=actor, organisation=organisation, data=data, via=via), True
    except IntegrityError:
        # A retry racing the first request with the same reference: the first one won.
        existing = Referral.objects.filter(organisation=organisation, referrer_reference=reference).first()
        if existing is None:
            raise
        return existing, False


def _create(*, actor: User | None, organisation: Organisation, data: ReferralInput, via: str) -> Referral:
    now = timezone.now()
    postcode = normalise_postcode(data.person_postcode)
    referral = Referral.objects.create(
        organisation=organisation,
        source=data.source,
        referrer_reference=data.referrer_reference.strip(),
        person_name=data.person_name.strip(),
        person_date_of_birth=data.person_date_of_birth,
        person_address=data.person_address.strip(),
        person_postcode=postcode,
        person_phone=data.person_phone.strip(),
        person_email=data.person_email.strip(),
        contact_preference=data.contact_preference,
        referrer_name=data.referrer_name.strip(),
        referrer_organisation=data.referrer_organisation.strip(),
        referrer_email=data.referrer_email.strip(),
        referrer_phone=data.referrer_phone.strip(),
        referrer_language=data.referrer_language,
        needs=sorted(set(data.needs)),
        needs_detail=data.needs_detail.strip(),
        urgency=data.urgency,
        consent_given_by=data.consent_given_by,
        consent_given_at=data.consent_given_at or now,
        consent_to=data.consent_to.strip(),
        duplicate_key=duplicate_key(data.person_name, data.person_date_of_birth, postcode),
        created_at=now,
        updated_at=now,
    )
    referral_figures_update(referral, before=Counter())
    referral_history_add(
        referral=referral, actor=actor, kind=ReferralEvent.Kind.CREATED, to_status=S.NEW, text=f"Received {via}."
    )
    _audit(referral, actor=actor, action="referral.received", via=via)
    return referral


def _audit(referral: Referral, *, actor: User | None, action: str, **data: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_name=referral.reference,
        data={"organisation": referral.organisation_id, "referral": referral.pk, **data},
    )


def _locked(referral: Referral) -> Referral:
    # Only the referral's row: locking its organisation too would make concurrent arrivals deadlock.
    return Referral.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=referral.pk)


@transaction.atomic
def referral_move(
    *,
    access: OrganisationAccess,
    referral: Referral,
    to: str,
    reason: str = "",
    outcome: str = "",
    note: str = "",
) -> Referral:
    """Move a referral on: triage, accept, decline (with a reason), start the work, close (with an outcome)."""
    referral = _locked(referral)
    if to == S.ACTIVE and referral.assigned_to_id == access.user.pk:
        pass  # The assigned volunteer may start the work.
    elif not access.can("referrals.manage"):
        raise NotAllowed(gettext("Only coordinators and admins can move referrals on."))
    if to not in NEXT.get(referral.status, frozenset()):
        raise ReferralConflict(
            gettext("This referral is %(state)s: it can't be moved to %(to)s. Reload the page to see where it is now.")
            % {
                "state": referral.get_status_display().lower(),
                "to": ReferralStatus(to).label.lower() if to in S.values else to,
            }
        )
    figures_before = referral_figures_snapshot(referral)
    fields = ["status", "updated_at"]
    if to == S.DECLINED:
        if not reason.strip():
            raise ReferralError(gettext("Say why the referral is declined: the referrer is told."), field="reason")
        referral.decline_reason = reason.strip()[:LONGEST_TEXT]
        fields.append("decline_reason")
    if to == S.CLOSED:
        if outcome not in Outcome.values:
            raise ReferralError(gettext("Choose how the referral ended."), field="outcome")
        referral.outcome, referral.outcome_note = outcome, note.strip()[:LONGEST_TEXT]
        referral.closed_at = timezone.now()
        fields += ["outcome", "outcome_note", "closed_at"]
    if to in {S.CLOSED, S.DECLINED}:
        referral_circle_unlink(access=access, referral=referral, reason="the referral ended.")
        # A family asked to link their circle can no longer say yes: their link stops working at once.
        CircleLinkRequest.objects.filter(referral=referral, status=CircleLinkRequest.Status.PENDING).update(
            status=CircleLinkRequest.Status.WITHDRAWN, answered_at=timezone.now()
        )
    before, referral.status = referral.status, to
    referral.updated_at = timezone.now()
    referral.save(update_fields=fields)
    referral_figures_update(referral, before=figures_before)
    text = reason.strip() if to == S.DECLINED else (note.strip() if to == S.CLOSED else "")
    if to == S.CLOSED:
        text = f"{Outcome(outcome).label}. {text}".strip()
    referral_history_add(
        referral=referral, actor=access.user, kind=ReferralEvent.Kind.MOVED, from_status=before, to_status=to, text=text
    )
    _audit(referral, actor=access.user, action="referral.moved", before=before, after=to)
    referrer_notify(referral)
    return referral


@transaction.atomic
def referral_assign(*, access: OrganisationAccess, referral: Referral, assignee: User) -> Referral:
    """Give an accepted referral to a member of staff (often a volunteer); reassigning is allowed while it's open."""
    access.require("referrals.manage")
    referral = _locked(referral)
    if referral.status not in {S.ACCEPTED, S.ASSIGNED, S.ACTIVE}:
        raise ReferralConflict(gettext("Accept the referral before assigning it."))
    if not OrganisationStaff.objects.filter(organisation_id=referral.organisation_id, user=assignee).exists():
        raise ReferralError(gettext("Choose someone on your organisation's staff."), field="assignee")
    before, figures_before = referral.status, referral_figures_snapshot(referral)
    taken_from = referral.assigned_to_id if referral.assigned_to_id not in {None, assignee.pk} else None
    if taken_from is not None:
        # The one it was given to may not see it any more: their open pages refetch without it.
        referrals_withdrawn(organisation_id=referral.organisation_id, user_id=taken_from)
    referral.assigned_to = assignee
    if referral.status == S.ACCEPTED:
        referral.status = S.ASSIGNED
    referral.updated_at = timezone.now()
    referral.save(update_fields=["assigned_to", "status", "updated_at"])
    referral_figures_update(referral, before=figures_before)
    given = referral_history_add(
        referral=referral,
        actor=access.user,
        kind=ReferralEvent.Kind.ASSIGNED,
        from_status=before,
        to_status=referral.status,
        text=f"Assigned to {assignee.display_name}.",
        assignee=assignee,
    )
    if taken_from is not None:
        referral_given_away_tell(
            user_id=taken_from,
            organisation_id=referral.organisation_id,
            organisation_name=referral.organisation.name,
            change_id=given.pk,
        )
    # Each giving counts once, for whom it went to, in its month: a reassignment adds one for the new
    # person and leaves the earlier one, which happened (docs/architecture/organisations.md).
    staff_figure_add(organisation_id=referral.organisation_id, user_id=assignee.pk, kind=GIVEN, moment=given.created_at)
    _audit(referral, actor=access.user, action="referral.assigned", assignee=assignee.pk)
    return referral


@transaction.atomic
def referral_note_add(*, access: OrganisationAccess, referral: Referral, text: str) -> ReferralEvent:
    text = text.strip()
    if not text:
        raise ReferralError(gettext("Write the note first."), field="text")
    if len(text) > LONGEST_TEXT:
        raise ReferralError(
            gettext("Shorten the note to %(most)s characters or fewer.") % {"most": LONGEST_TEXT}, field="text"
        )
    referral = _locked(referral)
    referral.updated_at = timezone.now()
    referral.save(update_fields=["updated_at"])
    event = referral_history_add(referral=referral, actor=access.user, kind=ReferralEvent.Kind.NOTE, text=text)
    _audit(referral, actor=access.user, action="referral.note_added")
    return event


@transaction.atomic
def referral_contact_record(
    *, access: OrganisationAccess, referral: Referral, when: datetime.datetime | None = None, text: str = ""
) -> Referral:
    """Record the first time someone reached the person: stops the first-contact clock."""
    referral = _locked(referral)
    if referral.first_contact_at is not None:
        raise ReferralConflict(gettext("First contact is already recorded for this referral."))
    if referral.status in {S.DECLINED, S.CLOSED}:
        raise ReferralConflict(gettext("This referral is finished."))
    now = timezone.now()
    when = when or now
    if when > now or when < referral.created_at:
        raise ReferralError(gettext("Give a time between receiving the referral and now."), field="when")
    figures_before = referral_figures_snapshot(referral)
    referral.first_contact_at = when
    referral.updated_at = now
    referral.save(update_fields=["first_contact_at", "updated_at"])
    referral_figures_update(referral, before=figures_before)
    referral_history_add(
        referral=referral, actor=access.user, kind=ReferralEvent.Kind.CONTACT, text=text.strip()[:LONGEST_TEXT]
    )
    _audit(referral, actor=access.user, action="referral.contacted")
    return referral


@transaction.atomic
def referral_merge(*, access: OrganisationAccess, keep: Referral, other: Referral) -> Referral:
    """Merge a duplicate into the referral to keep: the duplicate stays, closed, with its history, pointing at it."""
    access.require("referrals.manage")
    keep, other = _locked(keep), _locked(other)
    if keep.pk == other.pk or keep.organisation_id != other.organisation_id:
        raise ReferralError(gettext("Choose a different referral of your organisation to merge."))
    if keep.merged_into_id or other.merged_into_id:
        raise ReferralConflict(gettext("One of these referrals is already merged into another."))
    now = timezone.now()
    keep_before, other_before = referral_figures_snapshot(keep), referral_figures_snapshot(other)
    other.merged_into = keep
    if other.status in OPEN_STATES:
        other.status, other.closed_at, other.outcome = S.CLOSED, now, Outcome.OTHER
        other.outcome_note = f"Merged into {keep.reference}."
    other.updated_at = now
    other.save(update_fields=["merged_into", "status", "closed_at", "outcome", "outcome_note", "updated_at"])
    keep.needs = sorted(set(keep.needs) | set(other.needs))
    if other.needs_detail and other.needs_detail not in keep.needs_detail:
        keep.needs_detail = f"{keep.needs_detail}\n\nFrom {other.reference}: {other.needs_detail}".strip()
    keep.updated_at = now
    keep.save(update_fields=["needs", "needs_detail", "updated_at"])
    referral_figures_update(keep, before=keep_before)
    referral_figures_update(other, before=other_before)
    if other.assigned_to_id is not None and other.assigned_to_id != keep.assigned_to_id:
        # The merged-away one leaves its volunteer's lists (merged referrals are never listed), and
        # the kept one isn't theirs: their open pages refetch without it, as after a reassignment.
        referrals_withdrawn(organisation_id=other.organisation_id, user_id=other.assigned_to_id)
        referral_merged_away_tell(
            user_id=other.assigned_to_id,
            organisation_id=other.organisation_id,
            organisation_name=other.organisation.name,
            referral_id=other.pk,
        )
    referral_history_add(
        referral=keep,
        actor=access.user,
        kind=ReferralEvent.Kind.MERGED,
        text=f"{other.reference} merged into this one.",
    )
    referral_history_add(
        referral=other, actor=access.user, kind=ReferralEvent.Kind.MERGED, text=f"Merged into {keep.reference}."
    )
    _audit(keep, actor=access.user, action="referral.merged", merged=other.pk)
    return keep


def first_contact_due(referral: Referral) -> datetime.datetime:
    return referral.created_at + datetime.timedelta(days=FIRST_CONTACT_DAYS.get(referral.urgency, 10))


def is_overdue(referral: Referral, *, now: datetime.datetime | None = None) -> bool:
    """No first contact yet, still open, and past the time its urgency allows."""
    return (
        referral.first_contact_at is None
        and referral.status in OPEN_STATES
        and first_contact_due(referral) < (now or timezone.now())
    )

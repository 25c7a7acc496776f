"""The demo's voluntary organisation: staff, a commissioner, and about 40 referrals over six months.

Referrals go through the real services (so every history entry and audit row exists), then their
times are moved back into the past months, as if they had arrived then: demo data only. Dad's
circle is linked to one of them, as if the organisation had started it.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Circle
from carecircle.orgs.access import OrganisationAccess, access_organisation
from carecircle.orgs.directory import directory_import
from carecircle.orgs.figures import referral_figures_rebuild
from carecircle.orgs.models import (
    Need,
    Organisation,
    Outcome,
    Referral,
    ReferralEvent,
    ReferralSource,
    StaffRole,
    Urgency,
    WellbeingMeasure,
)
from carecircle.orgs.referral_services import (
    ReferralInput,
    referral_assign,
    referral_contact_record,
    referral_create,
    referral_move,
)
from carecircle.orgs.services import commissioner_add, organisation_staff_add
from carecircle.orgs.wellbeing import wellbeing_record

AREA = "Wrexham"
DIRECTORY_FILE = Path(__file__).resolve().parent.parent / "orgs" / "demo" / "directory.json"
FIRST_NAMES = [
    "Eira",
    "Gareth",
    "Margaret",
    "Dilys",
    "Ivor",
    "Glenys",
    "Hywel",
    "Nerys",
    "Alun",
    "Betty",
    "Cyril",
    "Megan",
    "Trefor",
    "Olwen",
    "Emrys",
    "Joan",
    "Dewi",
    "Iris",
    "Wyn",
    "Mair",
]
LAST_NAMES = ["Jones", "Davies", "Williams", "Evans", "Roberts", "Hughes", "Lewis", "Morgan", "Griffiths", "Price"]
POSTCODES = ["LL11 1AA", "LL11 2BD", "LL12 7HG", "LL13 8TY", "LL14 4AB", "LL11 6LD", "LL12 0PQ", "LL13 9SS"]
# How far each demo referral got: a spread over every state.
PATHS = (
    ["new"] * 5
    + ["triaged"] * 4
    + ["accepted"] * 3
    + ["declined"] * 4
    + ["assigned"] * 5
    + ["active"] * 7
    + ["closed"] * 12
)


def demo_organisation_load(
    *, organisation: Organisation, coordinator: User, volunteer: User, commissioner: User, dad_circle: Circle
) -> bool:
    """Fill the organisation once; returns whether anything was made."""
    if organisation.area != AREA:
        organisation.area = AREA
        organisation.description = "Volunteers who help older people in Wrexham stay well and connected at home."
        organisation.save(update_fields=["area", "description"])
    organisation_staff_add(
        actor=None, organisation=organisation, user=volunteer, role=StaffRole.VOLUNTEER, job_title="Volunteer"
    )
    commissioner_add(actor=None, user=commissioner, area=AREA, body="Wrexham County Borough Council")
    # A small local service directory, imported the way a real one is (idempotent by each service's id).
    directory_import(DIRECTORY_FILE.read_bytes())
    if Referral.objects.filter(organisation=organisation).exists():
        return False
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    chooser = random.Random(11)  # noqa: S311 (repeatable demo data, not a secret)
    now = timezone.now()
    for number, path in enumerate(PATHS):
        days_ago = chooser.randint(3, 178) if path not in {"new", "triaged"} else chooser.randint(0, 12)
        referral = _one(organisation, chooser, number)
        _walk(access, referral, path, chooser, volunteer)
        _backdate(referral, now - datetime.timedelta(days=days_ago, hours=chooser.randint(0, 8)), chooser, now)
    dad = _dad(organisation, access, volunteer)
    Referral.objects.filter(pk=dad.pk).update(circle=dad_circle, circle_consent_at=dad.created_at)
    # The times were moved back after the services counted them: count them again in their months.
    referral_figures_rebuild(organisation_ids=[organisation.pk])
    return True


def _one(organisation: Organisation, chooser: random.Random, number: int) -> Referral:
    name = f"{chooser.choice(FIRST_NAMES)} {chooser.choice(LAST_NAMES)}"
    data = ReferralInput(
        person_name=name,
        person_date_of_birth=datetime.date(chooser.randint(1930, 1958), chooser.randint(1, 12), chooser.randint(1, 28)),
        person_postcode=chooser.choice(POSTCODES),
        person_phone=f"01978 {chooser.randint(200000, 899999)}",
        needs=chooser.sample(Need.values, k=chooser.randint(1, 3)),
        needs_detail="Lives alone and would like some company and help getting to the shops.",
        urgency=chooser.choice([Urgency.ROUTINE, Urgency.ROUTINE, Urgency.SOON, Urgency.URGENT]),
        source=chooser.choice(
            [
                ReferralSource.GP,
                ReferralSource.SOCIAL_PRESCRIBER,
                ReferralSource.SOCIAL_WORKER,
                ReferralSource.SELF,
                ReferralSource.FAMILY,
            ]
        ),
        referrer_name=chooser.choice(["Dr Rees", "Link worker Ann", "Social worker Dafydd", ""]),
        referrer_organisation="Beechley Medical Centre",
        referrer_email="referrals@beechley.example.org",
        referrer_reference=f"DEMO-{number:03d}",
        consent_given_by="person",
        consent_to="Sharing these details with Helping Hands Wrexham, and being contacted by them.",
    )
    referral, _ = referral_create(actor=None, organisation=organisation, data=data, via="through the referral form")
    return referral


def _walk(access: OrganisationAccess, referral: Referral, path: str, chooser: random.Random, volunteer: User) -> None:
    if path == "new":
        return
    if path == "declined":
        referral = referral_move(
            access=access, referral=referral, to="declined", reason="Lives outside the area we cover."
        )
        return
    referral = referral_move(access=access, referral=referral, to="triaged")
    if path == "triaged":
        return
    referral = referral_move(access=access, referral=referral, to="accepted")
    if path == "accepted":
        return
    referral = referral_assign(access=access, referral=referral, assignee=volunteer)
    referral = referral_contact_record(access=access, referral=referral, text="Phoned and arranged a first visit.")
    wellbeing_record(access=access, referral=referral, stage="start", answers=_answers(chooser, 3))
    if path == "assigned":
        return
    referral = referral_move(access=access, referral=referral, to="active")
    if path == "active":
        return
    wellbeing_record(access=access, referral=referral, stage="close", answers=_answers(chooser, 6))
    outcome = chooser.choice([Outcome.SUPPORTED, Outcome.SUPPORTED, Outcome.PARTLY, Outcome.SIGNPOSTED, Outcome.CIRCLE])
    referral = referral_move(
        access=access, referral=referral, to="closed", outcome=outcome, note="Now goes to the lunch club."
    )


def _answers(chooser: random.Random, level: int) -> dict[str, int]:
    return {
        "life_satisfaction": min(10, level + chooser.randint(0, 3)),
        "worthwhile": min(10, level + chooser.randint(0, 3)),
        "happy": min(10, level + chooser.randint(0, 3)),
        "anxious": max(0, 9 - level - chooser.randint(0, 3)),
    }


def _backdate(referral: Referral, received: datetime.datetime, chooser: random.Random, now: datetime.datetime) -> None:
    """Move a referral's times back as if it arrived at `received` (demo data only)."""
    shift = now - received
    referral.refresh_from_db()
    contact = received + datetime.timedelta(days=chooser.randint(1, 9)) if referral.first_contact_at else None
    closed = None
    if referral.closed_at:
        closed = min(now, received + datetime.timedelta(days=chooser.randint(20, 70)))
    Referral.objects.filter(pk=referral.pk).update(
        created_at=received, updated_at=received, consent_given_at=received, first_contact_at=contact, closed_at=closed
    )
    for event in ReferralEvent.objects.filter(referral=referral):
        ReferralEvent.objects.filter(pk=event.pk).update(created_at=max(received, event.created_at - shift))
    WellbeingMeasure.objects.filter(referral=referral, stage="start").update(recorded_at=contact or received)
    if closed:
        WellbeingMeasure.objects.filter(referral=referral, stage="close").update(recorded_at=closed)


def _dad(organisation: Organisation, access: OrganisationAccess, volunteer: User) -> Referral:
    data = ReferralInput(
        person_name="Arthur Bennett",
        person_date_of_birth=datetime.date(1941, 3, 9),
        person_postcode="LL11 1AA",
        needs=[Need.LONELINESS, Need.TRANSPORT],
        needs_detail="Recently home from hospital; his daughter organises help from a distance.",
        urgency=Urgency.SOON,
        source=ReferralSource.GP,
        referrer_name="Dr Rees",
        referrer_organisation="Beechley Medical Centre",
        referrer_email="referrals@beechley.example.org",
        referrer_reference="DEMO-DAD",
        consent_given_by="person",
        consent_to="Sharing these details with Helping Hands Wrexham, being contacted, and a family circle.",
    )
    referral, _ = referral_create(actor=None, organisation=organisation, data=data, via="through the referral form")
    referral = referral_move(access=access, referral=referral, to="accepted")
    referral = referral_assign(access=access, referral=referral, assignee=volunteer)
    referral = referral_contact_record(access=access, referral=referral, text="Met Arthur and his daughter Olivia.")
    referral = referral_move(access=access, referral=referral, to="active")
    return referral

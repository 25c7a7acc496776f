"""Demo data for one box: a circle around "Dad" with someone in every role, built through the services.

Loading is idempotent: each account, circle, membership and organisation is made only if missing,
so running it twice adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction

from carecircle.accounts.mfa import totp_install
from carecircle.accounts.models import User
from carecircle.accounts.services import user_sign_up, user_verify_email
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.services import circle_create, membership_add_directly
from carecircle.orgs.models import Organisation, OrganisationStaff
from carecircle.orgs.services import organisation_create, organisation_staff_add
from carecircle.web.demo_content import demo_content_load
from carecircle.web.demo_orgs import demo_organisation_load

# Published on purpose: demo accounts exist only on a developer's computer (the command needs DEBUG).
DEMO_PASSWORD = "quiet-harbour-lantern-42"
DEMO_DOMAIN = "demo.carecircle.test"
# Professionals and organisation staff must use two-step sign-in, in the demo too. Their
# authenticator-app key is published here like the password: `carecircle demo_code` prints the
# current code, or add the key to any authenticator app.
DEMO_TOTP_SECRET = "CARECIRCLEDEMOKEYISPUBLISHED2345"
# Fixed client ids make circle_create return the existing circle on a second run.
DAD_CIRCLE_CLIENT_ID = uuid.UUID("6f1d2f0e-5c1a-4f4e-9a52-0d3c6b1e7a01")
OTHER_CIRCLE_CLIENT_ID = uuid.UUID("6f1d2f0e-5c1a-4f4e-9a52-0d3c6b1e7a02")
ORGANISATION_NAME = "Helping Hands Wrexham"


@dataclass(frozen=True)
class DemoAccount:
    local_part: str
    display_name: str
    description: str
    role: Role | None = None
    relationship: str = ""

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_DOMAIN}"


ORGANISER = DemoAccount("organiser", "Olivia Bennett", "Organiser of Dad's circle (his daughter)", Role.ORGANISER)
DAD_CIRCLE_MEMBERS = (
    DemoAccount("person", "Arthur Bennett", "Dad himself: the person being helped", Role.PERSON),
    DemoAccount("helper", "Tom Bennett", "Helper in Dad's circle (his son)", Role.HELPER, "son"),
    DemoAccount("paidcarer", "Priya Shah", "Paid carer in Dad's circle", Role.PAID_CARER, "carer from Home Help Ltd"),
    DemoAccount(
        "professional",
        "Grace Okafor",
        "Professional in Dad's circle (district nurse)",
        Role.PROFESSIONAL,
        "district nurse",
    ),
    DemoAccount("wellwisher", "Jean Bennett", "Well-wisher in Dad's circle (his sister)", Role.WELL_WISHER, "sister"),
)
OUTSIDER = DemoAccount("outsider", "Oscar Okoro", "Organiser of another circle (Auntie Jo's), not in Dad's")
ORG_STAFF = DemoAccount("orgstaff", "Sam Patel", f"Coordinator at {ORGANISATION_NAME}, a voluntary organisation")
ORG_VOLUNTEER = DemoAccount("volunteer", "Rhys Morgan", f"Volunteer at {ORGANISATION_NAME}")
COMMISSIONER = DemoAccount("commissioner", "Carys Jones", "Commissioner at the council: Wrexham's totals only")
DEMO_ACCOUNTS = (ORGANISER, *DAD_CIRCLE_MEMBERS, OUTSIDER, ORG_STAFF, ORG_VOLUNTEER, COMMISSIONER)


@dataclass(frozen=True)
class DemoResult:
    created: int
    dad_circle: Circle


def _account(spec: DemoAccount, created: list[str]) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = user_sign_up(email=spec.email, password=DEMO_PASSWORD, display_name=spec.display_name)
        created.append(spec.email)
    return user_verify_email(user=user)


def _circle(*, actor: User, person_name: str, relationship: str, client_id: uuid.UUID, created: list[str]) -> Circle:
    existing = Circle.objects.filter(created_by=actor, client_id=client_id).first()
    if existing is not None:
        return existing
    created.append(f"circle {person_name}")
    return circle_create(actor=actor, person_name=person_name, relationship=relationship, client_id=client_id)


@transaction.atomic
def demo_load() -> DemoResult:
    """Create whatever part of the demo data is missing; returns how many things were created."""
    created: list[str] = []
    organiser = _account(ORGANISER, created)
    dad = _circle(
        actor=organiser, person_name="Dad", relationship="daughter", client_id=DAD_CIRCLE_CLIENT_ID, created=created
    )
    for spec in DAD_CIRCLE_MEMBERS:
        user = _account(spec, created)
        if spec.role is not None and not Membership.objects.filter(circle=dad, user=user).exists():
            membership_add_directly(
                actor=organiser, circle=dad, user=user, role=spec.role, relationship=spec.relationship
            )
            created.append(f"{spec.email} in {dad.person_name}'s circle")
    people = {spec.local_part: _account(spec, created) for spec in (ORGANISER, *DAD_CIRCLE_MEMBERS)}
    if demo_content_load(circle=dad, people=people):
        created.append(f"tasks, record and conversations in {dad.person_name}'s circle")
    outsider = _account(OUTSIDER, created)
    _circle(
        actor=outsider,
        person_name="Auntie Jo",
        relationship="nephew",
        client_id=OTHER_CIRCLE_CLIENT_ID,
        created=created,
    )
    staff = _account(ORG_STAFF, created)
    volunteer = _account(ORG_VOLUNTEER, created)
    commissioner = _account(COMMISSIONER, created)
    for user in (people["professional"], staff, volunteer, commissioner):
        totp_install(actor=user, secret=DEMO_TOTP_SECRET)
    organisation = Organisation.objects.filter(name=ORGANISATION_NAME).order_by("pk").first()
    if organisation is None:
        organisation = organisation_create(actor=None, name=ORGANISATION_NAME)
        created.append(ORGANISATION_NAME)
    if not OrganisationStaff.objects.filter(organisation=organisation, user=staff).exists():
        organisation_staff_add(actor=None, organisation=organisation, user=staff, job_title="Volunteer coordinator")
        created.append(f"{staff.email} at {ORGANISATION_NAME}")
    if demo_organisation_load(
        organisation=organisation, coordinator=staff, volunteer=volunteer, commissioner=commissioner, dad_circle=dad
    ):
        created.append(f"referrals at {ORGANISATION_NAME}")
    return DemoResult(created=len(created), dad_circle=dad)


def demo_loaded() -> bool:
    return User.objects.filter(email=ORGANISER.email).exists()


def accounts_table() -> str:
    """The demo accounts as a plain-text table, with the one password they share."""
    width = max(len(spec.email) for spec in DEMO_ACCOUNTS)
    lines = [f"{'Email':<{width}}  Who", f"{'-' * width}  {'-' * 40}"]
    lines += [f"{spec.email:<{width}}  {spec.display_name}: {spec.description}" for spec in DEMO_ACCOUNTS]
    lines.append(f"Password for every demo account: {DEMO_PASSWORD}")
    lines.append(
        "The nurse, the organisation's staff and the commissioner use two-step sign-in: after the password, "
        "type the code that `.venv/bin/carecircle demo_code` prints (or add the key "
        f"{DEMO_TOTP_SECRET} to an authenticator app)."
    )
    return "\n".join(lines)

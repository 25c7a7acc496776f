"""The named cast, built through the services so every invariant and audit row exists."""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.accounts.models import User
from carecircle.accounts.services import user_sign_up
from carecircle.circles.models import Circle, InvitationChannel, Membership, Role
from carecircle.circles.services import circle_create, invitation_accept, invitation_create
from carecircle.orgs.services import organisation_create, organisation_staff_add
from carecircle.web.demo import DEMO_PASSWORD

# Strong enough for every password validator; the demo and the tests share it.
PASSWORD = DEMO_PASSWORD

CAST_ROLES = {
    "person": Role.PERSON,
    "helper": Role.HELPER,
    "paid_carer": Role.PAID_CARER,
    "professional": Role.PROFESSIONAL,
    "well_wisher": Role.WELL_WISHER,
}
CAST_NAMES = ("person", "organiser", "helper", "paid_carer", "professional", "well_wisher", "org_staff", "outsider")


@dataclass
class Cast:
    circle: Circle
    other_circle: Circle
    person: User
    organiser: User
    helper: User
    paid_carer: User
    professional: User
    well_wisher: User
    org_staff: User
    outsider: User

    def user(self, name: str) -> User:
        user: User = getattr(self, name)
        return user

    def membership(self, name: str) -> Membership:
        return Membership.objects.get(circle=self.circle, user=self.user(name))


def make_user(name: str, *, email: str | None = None, display_name: str | None = None) -> User:
    return user_sign_up(
        email=email or f"{name.replace('_', '')}@example.org",
        password=PASSWORD,
        display_name=display_name or name.replace("_", " ").title(),
    )


def invite_and_join(*, inviter: User, circle: Circle, user: User, role: str, relationship: str = "") -> Membership:
    _, token = invitation_create(
        actor=inviter, circle=circle, role=role, channel=InvitationChannel.LINK, relationship=relationship
    )
    assert token is not None
    return invitation_accept(actor=user, token=token)


def build_cast() -> Cast:
    organiser = make_user("organiser", display_name="Olivia Organiser")
    circle = circle_create(actor=organiser, person_name="Dad", relationship="daughter")
    users: dict[str, User] = {"organiser": organiser}
    relationships = {
        "person": "",
        "helper": "son",
        "paid_carer": "carer from Home Help Ltd",
        "professional": "district nurse",
        "well_wisher": "aunt",
    }
    for name, role in CAST_ROLES.items():
        users[name] = make_user(name)
        invite_and_join(inviter=organiser, circle=circle, user=users[name], role=role, relationship=relationships[name])
    outsider = make_user("outsider", display_name="Oscar Outsider")
    other_circle = circle_create(actor=outsider, person_name="Auntie Jo", relationship="nephew")
    org_staff = make_user("org_staff", display_name="Sam Staff")
    organisation = organisation_create(actor=None, name="Riverside Volunteers")
    organisation_staff_add(actor=None, organisation=organisation, user=org_staff, job_title="Coordinator")
    return Cast(circle=circle, other_circle=other_circle, outsider=outsider, org_staff=org_staff, **users)


def signed_in_session_key(user: User) -> str:
    """A fresh signed-in session of `user`, made as django.contrib.auth makes it; returns its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "carecircle.accounts.backends.EmailBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # As a real sign-in does: the session's clocks start and it counts as a fresh re-authentication.
    from django.utils import timezone

    from carecircle.accounts.session_policy import ACTIVE_AT, SIGNED_IN_AT
    from carecircle.accounts.stepup import REAUTHENTICATED_AT

    now = timezone.now().timestamp()
    store[SIGNED_IN_AT] = store[ACTIVE_AT] = store[REAUTHENTICATED_AT] = now
    store.save()
    key: str = store.session_key
    return key

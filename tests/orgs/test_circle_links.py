"""Linking the family's existing circle to a referral: only when its organiser agrees; ending it removes access."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Invitation, Membership, Role
from carecircle.circles.services import membership_add_directly
from carecircle.orgs.models import CircleLinkRequest, Referral
from carecircle.orgs.referral_services import referral_assign, referral_move
from tests.cast import Cast
from tests.orgs.conftest import Org, make_referral, text


def _accepted(org: Org, coordinator_access: Any) -> Referral:
    referral = make_referral(org.organisation, person_name="Dad")
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    return referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)


def _ask(client: Any, org: Org, referral: Referral, **form: str) -> Any:
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    values = {"consent": "yes", "organiser_email": "organiser@example.org", **form}
    return client.post(reverse("orgs:referral_circle_link", kwargs=kwargs), values, follow=True)


def _token_from_email() -> str:
    found = re.search(r"/circle-links/([^/\s]+)/", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def test_asking_needs_consent_and_a_real_address(org: Org, as_user: Any, coordinator_access: Any) -> None:
    referral = _accepted(org, coordinator_access)
    client = as_user(org.coordinator)
    assert "link their family's circle only when they agree" in text(_ask(client, org, referral, consent=""))
    assert "Give the email address of the circle's organiser" in text(_ask(client, org, referral, organiser_email="x"))
    assert not CircleLinkRequest.objects.exists()
    assert (
        as_user(org.volunteer)
        .post(
            reverse(
                "orgs:referral_circle_link", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk}
            )
        )
        .status_code
        == 403
    )


def test_the_organiser_links_their_circle_and_ending_the_link_removes_access_at_once(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _accepted(org, coordinator_access)
    with django_capture_on_commit_callbacks(execute=True):
        page = text(_ask(as_user(org.coordinator), org, referral, organiser_email=cast.organiser.email))
    assert f"We've emailed {cast.organiser.email}" in page
    assert f"Waiting for {cast.organiser.email} to answer" in page
    token = _token_from_email()
    assert CircleLinkRequest.objects.get().token_hash != token
    answer = reverse("orgs:circle_link_answer", kwargs={"token": token})
    # Someone who doesn't organise the circle can't link it, whatever they post.
    assert as_user(cast.outsider).post(answer, {"answer": "yes", "circle": cast.circle.pk}).status_code == 404
    assert as_user(cast.helper).post(answer, {"answer": "yes", "circle": cast.circle.pk}).status_code == 403
    organiser = as_user(cast.organiser)
    shown = text(organiser.get(answer))
    assert "Riverside Volunteers asks to join your circle" in shown
    assert "The circle for Dad" in shown
    assert "Auntie Jo" not in shown
    with django_capture_on_commit_callbacks(execute=True):
        linked = organiser.post(answer, {"answer": "yes", "circle": cast.circle.pk})
    assert linked["Location"] == reverse("circles:members", kwargs={"circle_id": cast.circle.pk})
    referral.refresh_from_db()
    assert referral.circle == cast.circle
    assert referral.circle_consent_at is not None
    invited = dict(Invitation.objects.filter(circle=cast.circle, role=Role.HELPER).values_list("email", "invited_by"))
    assert invited[org.coordinator.email] == invited[org.volunteer.email] == cast.organiser.pk
    assert AuditEntry.objects.filter(action="referral.circle_linked", circle=cast.circle).count() == 1
    assert organiser.get(answer).status_code == 410
    # The coordinator joins (as if through the invitation); the volunteer hasn't yet.
    membership_add_directly(actor=cast.organiser, circle=cast.circle, user=org.coordinator, role=Role.HELPER)
    home = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    assert as_user(org.coordinator).get(home).status_code == 200
    end = reverse(
        "orgs:referral_circle_end", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    )
    assert as_user(org.coordinator).post(end).status_code == 302
    assert not Membership.objects.filter(circle=cast.circle, user=org.coordinator).exists()
    assert as_user(org.coordinator).get(home).status_code == 404
    waiting = Invitation.objects.get(circle=cast.circle, email=org.volunteer.email)
    assert waiting.status == "revoked"
    assert Membership.objects.filter(circle=cast.circle, user=cast.organiser, role=Role.ORGANISER).exists()


def test_the_organiser_may_say_no_and_nothing_is_linked(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _accepted(org, coordinator_access)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(org.coordinator), org, referral, organiser_email=cast.organiser.email)
    answer = reverse("orgs:circle_link_answer", kwargs={"token": _token_from_email()})
    assert as_user(cast.organiser).post(answer, {"answer": "no"}).status_code == 302
    referral.refresh_from_db()
    assert referral.circle is None
    assert CircleLinkRequest.objects.get().status == "declined"
    assert not Invitation.objects.filter(email=org.coordinator.email).exists()
    page = text(
        as_user(org.coordinator).get(
            reverse("orgs:referral", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk})
        )
    )
    assert "The family decided not to link their circle." in page


def test_asking_again_replaces_the_first_request_and_bad_answers_are_refused(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = _accepted(org, coordinator_access)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(org.coordinator), org, referral)
    first = _token_from_email()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(org.coordinator), org, referral, organiser_email=cast.organiser.email)
    second = _token_from_email()
    organiser = as_user(cast.organiser)
    assert organiser.get(reverse("orgs:circle_link_answer", kwargs={"token": first})).status_code == 410
    answer = reverse("orgs:circle_link_answer", kwargs={"token": second})
    missing = organiser.post(answer, {"answer": "yes"})
    assert missing.status_code == 400
    assert "Choose the circle to link, or say no." in text(missing)
    assert organiser.get(reverse("orgs:circle_link_answer", kwargs={"token": "nonsense"})).status_code == 410
    assert CircleLinkRequest.objects.filter(status="pending").count() == 1


def test_the_circles_activity_log_says_an_organisation_was_linked_in_words(
    org: Org, cast: Cast, as_user: Any, coordinator_access: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from carecircle.audit.display import entry_sentence

    referral = _accepted(org, coordinator_access)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(org.coordinator), org, referral, organiser_email=cast.organiser.email)
    answer = reverse("orgs:circle_link_answer", kwargs={"token": _token_from_email()})
    as_user(cast.organiser).post(answer, {"answer": "yes", "circle": cast.circle.pk})
    entry = AuditEntry.objects.get(action="referral.circle_linked")
    assert entry_sentence(entry) == (
        "Olivia Organiser linked the circle to the work of Riverside Volunteers and invited its staff as helpers"
    )

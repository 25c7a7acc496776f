import datetime
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import time_machine
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.services import user_sign_up
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Invitation, InvitationChannel, Membership, Role
from carecircle.circles.services import invitation_create, invitation_revoke
from tests.cast import PASSWORD, Cast
from tests.circles.conftest import quick_user, text_of


def _invitation(
    cast: Cast,
    *,
    role: str = Role.HELPER,
    channel: str = InvitationChannel.EMAIL,
    email: str = "priya@example.org",
    **extra: Any,
) -> tuple[Invitation, str, str]:
    invitation, token = invitation_create(
        actor=cast.organiser,
        circle=cast.circle,
        role=role,
        channel=channel,
        email=email if channel == InvitationChannel.EMAIL else "",
        name="Priya",
        relationship="neighbour",
        **extra,
    )
    assert token is not None
    return invitation, reverse("circles:invitation", args=[token]), token


def test_signed_out_visitors_learn_who_invites_them_to_what(cast, as_user):
    _, url, _ = _invitation(cast, note="Dad would love to see you.")
    response = as_user(None).get(url)
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Olivia Organiser invited you to help look after Dad</h1>" in page
    assert "as a helper (neighbour)" in page
    assert "Family, friends and neighbours who lend a hand and keep in touch." in page
    assert "See help that's needed and who's going" in page
    assert "What is CareCircle?" in page
    assert "Dad would love to see you." in page
    assert response["Cache-Control"] == "no-store"


def test_signed_out_visitors_can_sign_up_or_sign_in_and_come_back(cast, as_user):
    _, url, _ = _invitation(cast)
    page = as_user(None).get(url).content.decode()
    links = {}
    for name in ("accounts:signup", "accounts:login"):
        start = page.index('href="' + reverse(name) + "?")
        href = page[start + 6 : page.index('"', start + 6)].replace("&amp;", "&")
        links[name] = parse_qs(urlsplit(href).query)
    assert links["accounts:signup"] == {"next": [url], "email": ["priya@example.org"]}
    assert links["accounts:login"] == {"next": [url]}
    assert "Create an account" in page
    assert "I already have an account" in page


def test_a_new_account_joins_with_the_invited_role(cast, as_user, django_capture_on_commit_callbacks):
    _, url, _ = _invitation(cast)
    newcomer = user_sign_up(email="priya@example.org", password=PASSWORD, display_name="Priya")
    client = as_user(newcomer)
    assert "Join Dad's circle" in text_of(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("circles:home", args=[cast.circle.pk])
    assert "Welcome to Dad's circle." in text_of(response)
    member = Membership.objects.get(circle=cast.circle, user=newcomer)
    assert (member.role, member.relationship) == (Role.HELPER, "neighbour")


def test_an_existing_account_joins_too(cast, as_user, outsider, django_capture_on_commit_callbacks):
    _, url, _ = _invitation(cast, role=Role.WELL_WISHER)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(outsider).post(url)
    assert Membership.objects.get(circle=cast.circle, user=outsider).role == Role.WELL_WISHER
    assert Membership.objects.filter(circle=cast.other_circle, user=outsider).exists()


def test_an_invitation_works_only_once(cast, as_user, django_capture_on_commit_callbacks):
    _, url, _ = _invitation(cast)
    first, second = quick_user(), quick_user()
    with django_capture_on_commit_callbacks(execute=True):
        as_user(first).post(url)
    response = as_user(second).post(url)
    assert response.status_code == 410
    assert "has already been used" in text_of(response)
    assert "Ask Olivia Organiser to send you a new one." in text_of(response)
    assert not Membership.objects.filter(circle=cast.circle, user=second).exists()
    assert as_user(None).get(url).status_code == 410


def test_an_expired_invitation_explains_what_to_do(cast, as_user):
    _, url, _ = _invitation(cast, expires_in_days=2)
    newcomer = quick_user()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, minutes=1)):
        looked = as_user(newcomer).get(url)
        joined = as_user(newcomer).post(url)
    assert looked.status_code == 410
    assert "This invitation to help Dad has expired." in text_of(looked)
    assert joined.status_code == 410
    assert not Membership.objects.filter(circle=cast.circle, user=newcomer).exists()


def test_an_invitation_still_works_the_day_before_it_expires(cast, as_user):
    _, url, _ = _invitation(cast, expires_in_days=2)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        assert as_user(None).get(url).status_code == 200


def test_a_cancelled_invitation_cannot_be_used(cast, as_user, organiser):
    invitation, url, _ = _invitation(cast)
    invitation_revoke(actor=organiser, invitation=invitation)
    newcomer = quick_user()
    response = as_user(newcomer).post(url)
    assert response.status_code == 410
    assert "has been cancelled" in text_of(response)
    assert not Membership.objects.filter(circle=cast.circle, user=newcomer).exists()


def test_a_forged_link_gets_a_friendly_not_found_page(cast, as_user, helper):
    url = reverse("circles:invitation", args=["made-up-token-that-was-never-issued"])
    for client in (as_user(None), as_user(helper)):
        response = client.get(url)
        assert response.status_code == 404
        assert "We can't find this invitation" in text_of(response)
        assert "ask the person who invited you to send a new one" in text_of(response)
    assert as_user(helper).post(url).status_code == 404


def test_someone_already_in_the_circle_is_told_so(cast, as_user, helper):
    _, url, _ = _invitation(cast, channel=InvitationChannel.LINK)
    response = as_user(helper).post(url)
    assert response.status_code == 200
    assert "You're already in Dad's circle" in text_of(response)
    assert Membership.objects.get(circle=cast.circle, user=helper).role == Role.HELPER


def test_joining_while_signed_out_asks_to_sign_in_first(cast, as_user):
    _, url, _ = _invitation(cast)
    response = as_user(None).post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_the_token_never_reaches_the_logs_or_the_audit(cast, as_user, caplog, django_capture_on_commit_callbacks):
    invitation, url, token = _invitation(cast, channel=InvitationChannel.LINK)
    forged = "forged-token-zzzzzzzzzzzzzzzzzzzzzz"
    with caplog.at_level(logging.DEBUG):
        as_user(None).put(url)
        as_user(None).get(reverse("circles:invitation", args=[forged]))
        with django_capture_on_commit_callbacks(execute=True):
            as_user(quick_user()).post(url)
        as_user(quick_user()).get(url)
    assert token not in caplog.text
    assert forged not in caplog.text
    audit = [str(entry.data) + entry.subject_name for entry in AuditEntry.objects.all()]
    assert not any(token in line for line in audit)
    assert invitation.pk


def test_the_invitation_page_answers_only_get_and_post(cast, as_user):
    _, url, _ = _invitation(cast)
    assert as_user(None).put(url).status_code == 405
    assert as_user(None).delete(url).status_code == 405

"""Deleting an account: personal data goes; what others need stays de-identified; blockers are explained."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.data_rights import account_erase
from carecircle.accounts.models import SignedInSession, User
from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Membership
from carecircle.conversations.models import Message, Reaction
from carecircle.notifications.models import Delivery
from carecircle.records.models import RecordVersion
from carecircle.tasks.models import Assignment
from tests.accounts.helpers import page_text
from tests.privacy.conftest import demo_user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_explains_what_goes_and_what_stays_before_confirming(demo):
    son = demo_user("helper")
    text = page_text(signed_in(son).get(reverse("accounts:delete")))

    assert "What goes" in text
    assert "What stays, without your name" in text
    assert "Former member" in text
    assert "messages" in text


def test_deleting_the_account_removes_personal_data_and_keeps_shared_messages_de_identified(demo):
    son = demo_user("helper")
    email = son.email
    messages = list(Message.objects.filter(author=son).values_list("id", flat=True))
    assert messages
    assert Assignment.objects.filter(user=son, occurrence_date__gte=timezone.localdate()).exists()
    client = signed_in(son)

    response = client.post(reverse("accounts:delete"), {"confirm": "on"})

    assert response.status_code == 302
    son.refresh_from_db()
    assert son.display_name == "Former member"
    assert son.email != email
    assert "@erased.invalid" in son.email
    assert son.phone == ""
    assert not son.is_active
    assert not son.has_usable_password()
    assert not Membership.objects.filter(user=son).exists()
    assert not Reaction.objects.filter(user=son).exists()
    assert not SignedInSession.objects.filter(user=son).exists()
    assert set(Message.objects.filter(id__in=messages).values_list("author_id", flat=True)) == {son.pk}
    assert not AuditEntry.objects.filter(actor=son).exclude(actor_name="Former member").exists()
    assert not RecordVersion.objects.filter(author=son).exclude(author_name="Former member").exists()
    assert not Assignment.objects.filter(
        user=son, withdrawn_at__isnull=True, occurrence_date__gte=timezone.localdate()
    ).exists()
    assert "_auth_user_id" not in client.session
    assert Delivery.objects.filter(to=email, subject="Your CareCircle account has been deleted").count() == 1
    assert Delivery.objects.filter(to=email).count() == 1, "older emails to the address are gone"


def test_the_last_organiser_is_told_what_to_do_first(demo):
    daughter = demo_user("organiser")
    client = signed_in(daughter)

    page = client.get(reverse("accounts:delete"))
    refused = client.post(reverse("accounts:delete"), {"confirm": "on"})

    assert "only organiser of the circle around Dad" in page_text(page)
    assert refused.status_code == 409
    daughter.refresh_from_db()
    assert daughter.is_active


def test_nothing_happens_without_the_tick(demo):
    son = demo_user("helper")
    response = signed_in(son).post(reverse("accounts:delete"), {})
    assert response.status_code == 400
    son.refresh_from_db()
    assert son.is_active


def test_an_erased_person_cannot_sign_in(demo, password):
    son = demo_user("helper")
    email = son.email
    account_erase(actor=son)
    response = Client().post(reverse("accounts:login"), {"email": email, "password": password})
    assert response.status_code == 400

"""When a circle ends: closed kindly, read-only with export, reopened if wanted, then erased on schedule."""

from __future__ import annotations

import datetime

import pytest
from django.db import models
from django.db.models.deletion import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carecircle.accounts.services import api_token_create
from carecircle.audit.models import AuditEntry
from carecircle.circles.closing import circle_close, circles_erase_due
from carecircle.circles.models import Circle, Membership
from carecircle.conversations.models import Message, MessagePhoto
from carecircle.notifications.models import Delivery
from carecircle.realtime.models import CircleEvent
from carecircle.records.models import RecordDocument, RecordEntry
from carecircle.records.services import document_add
from carecircle.tasks.models import Task
from carecircle.web.jobs import privacy_maintenance
from tests.accounts.helpers import page_text
from tests.privacy.conftest import demo_user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_organiser_closes_the_circle_with_a_message_everyone_receives(demo, django_capture_on_commit_callbacks):
    daughter = demo_user("organiser")
    circle = demo.dad_circle
    client = signed_in(daughter)
    assert client.get(reverse("circles:close", kwargs={"circle_id": circle.pk})).status_code == 200

    response = client.post(
        reverse("circles:close", kwargs={"circle_id": circle.pk}),
        {"reason": "died", "message": "Dad died peacefully on Sunday. Thank you all.", "confirm": "on"},
    )

    assert response.status_code == 302
    circle.refresh_from_db()
    assert circle.is_closed
    assert circle.erase_after is not None
    members = Membership.objects.filter(circle=circle).count()
    told = Delivery.objects.filter(subject="The circle around Dad has closed")
    assert told.count() == members
    assert all("Dad died peacefully on Sunday" in delivery.body for delivery in told)
    home = page_text(client.get(reverse("circles:home", kwargs={"circle_id": circle.pk})))
    assert "This circle has closed" in home
    assert "Download everything in the circle" in home


def test_only_owners_may_close(demo):
    son = demo_user("helper")
    response = signed_in(son).post(
        reverse("circles:close", kwargs={"circle_id": demo.dad_circle.pk}), {"reason": "died", "confirm": "on"}
    )
    assert response.status_code == 403


def test_a_closed_circle_is_read_only_but_readable_and_exportable(demo):
    circle = demo.dad_circle
    circle_close(actor=demo_user("organiser"), circle=circle, reason="moved", message="")
    son = signed_in(demo_user("helper"))
    daughter = signed_in(demo_user("organiser"))

    conversation = Message.objects.filter(circle=circle).values_list("conversation_id", flat=True).first()
    messages_url = f"/api/v1/circles/{circle.pk}/conversations/{conversation}/messages"
    assert son.get(reverse("tasks:agenda", kwargs={"circle_id": circle.pk})).status_code == 200
    assert son.get(f"/api/v1/circles/{circle.pk}/record").status_code == 200
    assert son.get(messages_url).status_code == 200
    before = Message.objects.filter(circle=circle).count()
    _, secret = api_token_create(actor=demo_user("helper"), name="phone")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    posted = api.post(messages_url, {"body": "hi"}, content_type="application/json")
    assert posted.status_code == 403, posted.content
    assert posted.json()["detail"] == "Your role in this circle doesn't include writing here."
    assert Message.objects.filter(circle=circle).count() == before
    assert daughter.get(reverse("records:export_download", kwargs={"circle_id": circle.pk})).status_code == 200
    assert daughter.get(reverse("circles:invite", kwargs={"circle_id": circle.pk})).status_code == 403


def test_reopening_cancels_the_erasure(demo):
    circle = demo.dad_circle
    circle_close(actor=demo_user("organiser"), circle=circle, reason="stopped", message="")
    signed_in(demo_user("organiser")).post(reverse("circles:reopen", kwargs={"circle_id": circle.pk}))
    circle.refresh_from_db()
    assert not circle.is_closed
    assert circle.erase_after is None
    assert circles_erase_due(now=timezone.now() + datetime.timedelta(days=400)) == 0


def test_the_worker_erases_a_closed_circle_on_schedule_with_its_files(demo, settings):
    settings.CIRCLE_ERASE_AFTER_DAYS = 30
    circle = demo.dad_circle
    circle_id = circle.pk
    document_add(
        actor=demo_user("organiser"),
        circle=circle,
        values={"title": "Discharge letter"},
        content=b"%PDF-1.4 letter",
        content_type="application/pdf",
        filename="letter.pdf",
    )
    files = [document.file for document in RecordDocument.objects.filter(entry__circle=circle)]
    files += [photo.image for photo in MessagePhoto.objects.filter(message__circle=circle)]
    assert files
    assert all(stored.name and stored.storage.exists(stored.name) for stored in files)
    assert Message.objects.filter(circle=circle).exists()
    circle_close(actor=demo_user("organiser"), circle=circle, reason="died", message="")

    assert privacy_maintenance(now=timezone.now() + datetime.timedelta(days=29))["circles_erased"] == 0
    assert Circle.objects.filter(pk=circle_id).exists()
    assert privacy_maintenance(now=timezone.now() + datetime.timedelta(days=31))["circles_erased"] == 1

    assert not Circle.objects.filter(pk=circle_id).exists()
    for model in (Task, RecordEntry, Message, CircleEvent, AuditEntry):
        assert not model._default_manager.filter(circle_id=circle_id).exists(), model
    for stored in files:
        assert stored.name
        assert not stored.storage.exists(stored.name)
    erased = AuditEntry.objects.get(action="circle.erased")
    assert erased.data["circle"] == circle_id
    assert "Dad" not in str(erased.data)


def test_deleting_a_circle_directly_cannot_take_its_audit_log_with_it(demo):
    with pytest.raises(ProtectedError):
        Circle.objects.filter(pk=demo.dad_circle.pk).delete()
    assert AuditEntry.objects.filter(circle=demo.dad_circle).exists()


# Every foreign key to the audit log and to a circle, with the decision for each.
CIRCLE_CONTENT_CASCADES = {
    "circles.Membership.circle",
    "circles.Invitation.circle",
    "realtime.CircleEvent.circle",
    "tasks.Task.circle",
    "tasks.CalendarFeed.circle",
    "tasks.VisitLog.circle",
    "tasks.StandIn.circle",
    "tasks.Unavailability.circle",
    "tasks.StandingOffer.circle",
    "tasks.ReplyCode.circle",
    "records.RecordEntry.circle",
    "records.ShareLink.circle",
    "records.RecordView.circle",
    "records.PdfJob.circle",
    "conversations.Conversation.circle",
    "conversations.Message.circle",
    "conversations.CheckIn.circle",
    "conversations.VisitorsStatus.circle",
    "conversations.ThankYou.circle",
    "notifications.Notification.circle",
    # News of a big circle the worker has not yet told each member: nobody is left to tell.
    "notifications.FanOut.circle",
    # The link an invite code made, with the consent given for it: it counts the circle for the
    # organisation, so it ends with the circle.
    "orgs.OrganisationCircle.circle",
}


def test_every_foreign_key_to_a_circle_or_the_audit_log_has_a_decision():
    from django.apps import apps

    undecided = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            name = f"{model._meta.label}.{field.name}"
            if field.related_model is AuditEntry:
                assert field.remote_field.on_delete is not models.CASCADE, f"{name} would delete audit lines"
            if field.related_model is Circle:
                if model is AuditEntry:
                    assert field.remote_field.on_delete is models.PROTECT, name
                elif field.remote_field.on_delete is models.CASCADE and name not in CIRCLE_CONTENT_CASCADES:
                    undecided.append(name)
    assert not undecided, f"Decide what happens to these when a circle is erased: {undecided}"

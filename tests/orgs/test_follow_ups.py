"""Follow-ups and attachments on a referral: due dates, overdue, done; uploads checked like the record's."""

from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from carecircle.audit.models import AuditEntry
from carecircle.orgs.follow_ups import uk_today
from carecircle.orgs.models import FollowUp, Referral, ReferralAttachment
from carecircle.orgs.referral_services import referral_assign, referral_move
from tests.orgs.conftest import Org, make_referral, text


def _url(name: str, org: Org, referral: Referral, **more: int) -> str:
    return reverse(name, kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk, **more})


def _follow_up(client: Any, org: Org, referral: Referral, **form: Any) -> Any:
    values = {"text": "Ring back about the lunch club", "due_on": (uk_today() + datetime.timedelta(days=3)).isoformat()}
    values.update(form)
    return client.post(_url("orgs:referral_follow_up", org, referral), values)


def test_a_follow_up_is_added_for_someone_on_the_staff_once_per_form(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    client = as_user(org.coordinator)
    form_id = str(uuid.uuid4())
    first = _follow_up(client, org, referral, assignee=org.volunteer.pk, client_id=form_id)
    again = _follow_up(client, org, referral, assignee=org.volunteer.pk, client_id=form_id)
    assert (first.status_code, again.status_code) == (302, 302)
    follow_up = FollowUp.objects.get(referral=referral)
    assert (follow_up.assigned_to, follow_up.text) == (org.volunteer, "Ring back about the lunch club")
    assert AuditEntry.objects.filter(action="referral.follow_up_added").count() == 1
    page = text(client.get(_url("orgs:referral", org, referral)))
    assert "Ring back about the lunch club" in page
    assert "for Val Volunteer" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"text": ""}, "Say what needs doing."),
        ({"due_on": "next week"}, "Give the date it is due"),
        ({"due_on": "2099-01-01"}, "Give a date within a year from today."),
    ],
)
def test_a_bad_follow_up_is_refused_with_a_clear_message(org: Org, as_user: Any, form: Any, message: str) -> None:
    referral = make_referral(org.organisation)
    response = _follow_up(as_user(org.coordinator), org, referral, **form)
    assert response.status_code == 400
    assert message in text(response)
    assert not FollowUp.objects.exists()


def test_a_follow_up_can_only_be_for_this_organisations_staff(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    response = _follow_up(as_user(org.coordinator), org, referral, assignee=org.other_staff.pk)
    assert response.status_code == 400
    assert "Choose someone on your organisation's staff." in text(response)
    assert not FollowUp.objects.exists()


def test_a_follow_up_past_its_day_is_overdue_until_done(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    client = as_user(org.coordinator)
    today = uk_today()
    _follow_up(client, org, referral, text="Due today", due_on=today.isoformat())
    _follow_up(client, org, referral, text="Due yesterday", due_on=(today - datetime.timedelta(days=1)).isoformat())
    page = text(client.get(_url("orgs:referral", org, referral)))
    assert f"Overdue: due {today:%a %-d %b %Y}" not in page
    assert f"Overdue: due {today - datetime.timedelta(days=1):%a %-d %b %Y}" in page
    late = FollowUp.objects.get(text="Due yesterday")
    done = client.post(_url("orgs:referral_follow_up_done", org, referral, follow_up_id=late.pk))
    assert done.status_code == 302
    assert "Overdue: due" not in text(client.get(_url("orgs:referral", org, referral)))
    again = client.post(_url("orgs:referral_follow_up_done", org, referral, follow_up_id=late.pk))
    assert again.status_code == 409
    assert "It is already done." in text(again)


def test_a_volunteer_adds_follow_ups_for_themself_on_what_is_assigned_to_them(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    referral = make_referral(org.organisation)
    volunteer = as_user(org.volunteer)
    assert _follow_up(volunteer, org, referral).status_code == 404
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
    refused = _follow_up(volunteer, org, referral, assignee=org.coordinator.pk)
    assert "Only coordinators can give a follow-up to someone else." in text(refused)
    assert _follow_up(volunteer, org, referral).status_code == 302
    assert FollowUp.objects.get().assigned_to == org.volunteer


# Attachments.


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def _attach(client: Any, org: Org, referral: Referral, name: str, content: bytes, **form: Any) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(_url("orgs:referral_attach", org, referral), {"file": upload, **form})


def test_a_letter_is_attached_once_and_downloaded_by_staff_with_an_audit_row(
    org: Org, as_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    referral = make_referral(org.organisation)
    client = as_user(org.coordinator)
    form_id = str(uuid.uuid4())
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert _attach(client, org, referral, "../GP letter.pdf", pdf, client_id=form_id).status_code == 302
    assert _attach(client, org, referral, "../GP letter.pdf", pdf, client_id=form_id).status_code == 302
    attachment = ReferralAttachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("GP letter.pdf", "application/pdf")
    assert "GP letter" not in str(attachment.file.name)
    download = client.get(_url("orgs:referral_attachment", org, referral, attachment_id=attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="referral.attachment_downloaded").count() == 1


def test_a_picture_is_kept_and_anything_else_is_refused_like_the_records(
    org: Org, as_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    referral = make_referral(org.organisation)
    client = as_user(org.coordinator)
    assert _attach(client, org, referral, "form.png", _png()).status_code == 302
    refused = _attach(client, org, referral, "page.html", b"<script>alert(1)</script>")
    assert refused.status_code == 400
    assert "This file isn't a PDF or a picture we can read." in text(refused)
    empty = _attach(client, org, referral, "empty.pdf", b"")
    assert empty.status_code == 400
    assert list(ReferralAttachment.objects.values_list("content_type", flat=True)) == ["image/png"]


def test_a_file_over_the_limit_is_refused(org: Org, as_user: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.ORGS_ATTACHMENT_MAX_BYTES = 1024
    referral = make_referral(org.organisation)
    client = as_user(org.coordinator)
    response = _attach(client, org, referral, "big.pdf", b"%PDF-" + b"x" * 2000)
    assert response.status_code == 400
    assert "This file is too big. Upload one smaller than" in text(response)
    announced = _attach(client, org, referral, "huge.pdf", b"%PDF-" + b"x" * 80_000)
    assert announced.status_code == 413
    assert not ReferralAttachment.objects.exists()


def test_attachments_are_for_the_referrals_staff_only(
    org: Org, as_user: Any, settings: Any, tmp_path: Any, cast: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    referral = make_referral(org.organisation)
    _attach(as_user(org.coordinator), org, referral, "form.png", _png())
    attachment = ReferralAttachment.objects.get()
    url = _url("orgs:referral_attachment", org, referral, attachment_id=attachment.pk)
    for outsider in (org.other_staff, org.volunteer, org.commissioner, cast.organiser):
        assert as_user(outsider).get(url).status_code == 404
    assert _attach(as_user(org.other_staff), org, referral, "x.png", _png()).status_code == 404
    assert ReferralAttachment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="referral.attachment_downloaded").exists()

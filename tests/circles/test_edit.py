"""Changing a circle's details and the person's photo: the services guard the rules themselves."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle
from carecircle.circles.services import CircleError, circle_photo_update, circle_update
from carecircle.realtime.models import CircleEvent
from tests.cast import Cast
from tests.circles.conftest import text_of


def _edit(cast: Cast) -> str:
    return reverse("circles:edit", args=[cast.circle.pk])


def _change(cast: Cast) -> str:
    return reverse("circles:photo_change", args=[cast.circle.pk])


def _remove(cast: Cast) -> str:
    return reverse("circles:photo_remove", args=[cast.circle.pk])


def _picture(colour: str = "teal", size: tuple[int, int] = (800, 600)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", size, colour).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001 kitchen.jpg", buffer.getvalue(), content_type="image/jpeg")


def _stored_photo(circle: Circle) -> bytes:
    circle.refresh_from_db()
    with circle.person_photo.open("rb") as stored:
        data: bytes = stored.read()
    return data


def test_the_service_refuses_a_future_date_of_birth(cast, organiser):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    seq_before = Circle.objects.get(pk=cast.circle.pk).event_seq

    with pytest.raises(CircleError, match="can't be in the future"):
        circle_update(actor=organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=tomorrow)

    fresh = Circle.objects.get(pk=cast.circle.pk)
    assert fresh.person_date_of_birth is None
    assert fresh.event_seq == seq_before
    assert not AuditEntry.objects.filter(circle=cast.circle, action="circle.updated").exists()


def test_the_service_accepts_a_date_of_birth_of_today(cast, organiser):
    today = timezone.localdate()
    circle_update(actor=organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=today)
    assert Circle.objects.get(pk=cast.circle.pk).person_date_of_birth == today


def test_the_edit_page_offers_a_photo_and_says_there_is_none_yet(cast, as_user, organiser):
    page = text_of(as_user(organiser).get(_edit(cast)))
    assert "There's no photo of Dad yet." in page
    assert f'action="{_change(cast)}" enctype="multipart/form-data"' in page
    assert "Add photo</button>" in page
    assert "Remove photo</button>" not in page


def test_adding_a_photo_stores_it_reencoded_records_it_and_tells_the_circle(cast, as_user, organiser):
    seq_before = Circle.objects.get(pk=cast.circle.pk).event_seq

    response = as_user(organiser).post(_change(cast), {"photo": _picture()})

    assert response.status_code == 302
    assert response["Location"] == _edit(cast)
    data = _stored_photo(cast.circle)
    assert b"SecretCam" not in data
    assert Image.open(io.BytesIO(data)).size == (480, 480)
    [entry] = AuditEntry.objects.filter(circle=cast.circle, action="circle.photo_changed")
    assert entry.actor == organiser
    assert entry.data == {"change": "added"}
    [event] = CircleEvent.objects.filter(circle=cast.circle, seq__gt=seq_before)
    assert event.type == "circle.changed"
    page = text_of(as_user(organiser).get(_edit(cast)))
    assert reverse("circles:photo", args=[cast.circle.pk]) in page
    assert "Change photo</button>" in page
    assert f'action="{_remove(cast)}"' in page
    assert "Remove photo</button>" in page


def test_changing_the_photo_replaces_it_and_deletes_the_old_file(
    cast, as_user, organiser, django_capture_on_commit_callbacks
):
    client = as_user(organiser)
    client.post(_change(cast), {"photo": _picture("teal")})
    cast.circle.refresh_from_db()
    old_name = cast.circle.person_photo.name
    storage = cast.circle.person_photo.storage

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_change(cast), {"photo": _picture("orange")}, follow=True)

    assert "The new photo is saved." in text_of(response)
    cast.circle.refresh_from_db()
    assert cast.circle.person_photo.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(cast.circle.person_photo.name)
    assert AuditEntry.objects.filter(circle=cast.circle, action="circle.photo_changed").latest("id").data == {
        "change": "changed"
    }


def test_removing_the_photo(cast, as_user, organiser, django_capture_on_commit_callbacks):
    client = as_user(organiser)
    client.post(_change(cast), {"photo": _picture()})
    cast.circle.refresh_from_db()
    old_name = cast.circle.person_photo.name
    storage = cast.circle.person_photo.storage
    seq_before = cast.circle.event_seq

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_remove(cast), follow=True)

    assert "The photo of Dad is removed." in text_of(response)
    cast.circle.refresh_from_db()
    assert not cast.circle.person_photo
    assert not storage.exists(old_name)
    assert client.get(reverse("circles:photo", args=[cast.circle.pk])).status_code == 404
    assert AuditEntry.objects.filter(circle=cast.circle, action="circle.photo_changed").latest("id").data == {
        "change": "removed"
    }
    assert list(CircleEvent.objects.filter(circle=cast.circle, seq__gt=seq_before).values_list("type", flat=True)) == [
        "circle.changed"
    ]


def test_removing_when_there_is_no_photo_changes_nothing(cast, as_user, organiser):
    seq_before = Circle.objects.get(pk=cast.circle.pk).event_seq

    response = as_user(organiser).post(_remove(cast), follow=True)

    assert "There was no photo of Dad to remove." in text_of(response)
    assert Circle.objects.get(pk=cast.circle.pk).event_seq == seq_before
    assert not AuditEntry.objects.filter(circle=cast.circle, action="circle.photo_changed").exists()


def test_a_file_that_isnt_a_picture_is_explained_on_the_edit_page(cast, as_user, organiser):
    not_a_photo = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")

    response = as_user(organiser).post(_change(cast), {"photo": not_a_photo})

    assert response.status_code == 400
    page = text_of(response)
    assert "This file isn't a picture we can read." in page
    assert 'value="Dad"' in page
    assert not Circle.objects.get(pk=cast.circle.pk).person_photo


def test_sending_no_photo_asks_for_one(cast, as_user, organiser):
    response = as_user(organiser).post(_change(cast), {})
    assert response.status_code == 400
    assert "Choose a photo to upload." in text_of(response)


def test_a_photo_over_the_size_limit_is_refused(cast, as_user, organiser, settings):
    settings.CIRCLE_PHOTO_MAX_BYTES = 100
    response = as_user(organiser).post(_change(cast), {"photo": _picture()})
    assert response.status_code == 400
    assert "This photo is too big." in text_of(response)
    assert not Circle.objects.get(pk=cast.circle.pk).person_photo


def test_changing_the_photo_needs_circle_edit(cast, as_user, helper, outsider):
    assert as_user(helper).post(_change(cast), {"photo": _picture()}).status_code == 403
    assert as_user(helper).post(_remove(cast)).status_code == 403
    assert as_user(outsider).post(_change(cast), {"photo": _picture()}).status_code == 404
    assert as_user(outsider).post(_remove(cast)).status_code == 404
    assert as_user(helper).get(_change(cast)).status_code == 405
    assert not Circle.objects.get(pk=cast.circle.pk).person_photo


def test_a_stale_circle_never_rewinds_the_event_sequence_or_other_fields(cast, organiser):
    stale = Circle.objects.get(pk=cast.circle.pk)
    circle_update(
        actor=organiser, circle=Circle.objects.get(pk=cast.circle.pk), person_name="Father", person_date_of_birth=None
    )
    seq_after_rename = Circle.objects.get(pk=cast.circle.pk).event_seq

    circle_photo_update(actor=organiser, circle=stale, photo=_picture())

    fresh = Circle.objects.get(pk=cast.circle.pk)
    assert fresh.event_seq == seq_after_rename + 1
    assert fresh.person_name == "Father"
    assert fresh.person_photo


def test_the_first_part_of_the_postcode_is_kept_as_a_district_and_recorded(cast, as_user, organiser):
    seq_before = Circle.objects.get(pk=cast.circle.pk).event_seq
    response = as_user(organiser).post(
        _edit(cast), {"person_name": "Dad", "person_date_of_birth": "", "person_district": " ll11 1aa "}
    )

    assert response.status_code == 302
    # Only the district is kept, even when the whole postcode is typed.
    assert Circle.objects.get(pk=cast.circle.pk).person_district == "LL11"
    [entry] = AuditEntry.objects.filter(circle=cast.circle, action="circle.updated")
    assert entry.data == {"changed": {"person_district": ["", "LL11"]}}
    assert CircleEvent.objects.filter(circle=cast.circle, seq__gt=seq_before, type="circle.changed").exists()
    assert 'value="LL11"' in text_of(as_user(organiser).get(_edit(cast)))


@pytest.mark.parametrize("typed", ["Wrexham", "LL", "12345", "LL11 1A"])
def test_something_that_isnt_a_postcode_is_explained_and_nothing_changes(cast, as_user, organiser, typed):
    response = as_user(organiser).post(
        _edit(cast), {"person_name": "Dad renamed", "person_date_of_birth": "", "person_district": typed}
    )

    assert response.status_code == 400
    assert "Enter the first part of a UK postcode, like LL11 or CF10, or leave it empty." in text_of(response)
    fresh = Circle.objects.get(pk=cast.circle.pk)
    assert (fresh.person_name, fresh.person_district) == ("Dad", "")


def test_emptying_the_district_removes_it_and_the_service_leaves_it_when_not_given(cast, organiser):
    circle_update(
        actor=organiser, circle=cast.circle, person_name="Dad", person_date_of_birth=None, person_district="CF10"
    )
    circle = Circle.objects.get(pk=cast.circle.pk)
    # The API and older callers change other details without naming the district: it stays.
    circle_update(actor=organiser, circle=circle, person_name="Dad", person_date_of_birth=None)
    assert Circle.objects.get(pk=cast.circle.pk).person_district == "CF10"

    circle_update(actor=organiser, circle=circle, person_name="Dad", person_date_of_birth=None, person_district="")
    assert Circle.objects.get(pk=cast.circle.pk).person_district == ""
    with pytest.raises(CircleError, match="first part of a UK postcode"):
        circle_update(actor=organiser, circle=circle, person_name="Dad", person_date_of_birth=None, person_district="x")

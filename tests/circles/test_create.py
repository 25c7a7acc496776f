import io
import re
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from carecircle.audit.models import AuditEntry
from carecircle.circles.models import Circle, Membership, Role
from tests.circles.conftest import quick_user, text_of

URL = reverse("circles:create")


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "about": "someone_else",
        "person_name": "Mum",
        "relationship": "son",
        "person_date_of_birth": "1941-05-02",
        "client_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def _photo_with_location() -> SimpleUploadedFile:
    picture = Image.new("RGB", (800, 600), "teal")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_2041 at home.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_form_asks_who_they_are_helping_with_a_fresh_client_id(db, as_user):
    page = text_of(as_user(quick_user()).get(URL))
    assert "<h1>Who are you helping?</h1>" in page
    assert "I'm helping someone else" in page
    assert "This circle is about me" in page
    assert "<legend>Who is this circle for?</legend>" in page
    client_id = re.search(r'name="client_id" value="([0-9a-f-]{36})"', page)
    assert client_id is not None
    uuid.UUID(client_id.group(1))


def test_creating_a_circle_makes_you_its_organiser_and_suggests_inviting_people(db, as_user):
    viewer = quick_user("Dee")
    response = as_user(viewer).post(URL, _form(), follow=True)
    circle = Circle.objects.get(created_by=viewer)
    assert response.redirect_chain[-1][0] == reverse("circles:home", args=[circle.pk])
    assert circle.person_name == "Mum"
    assert str(circle.person_date_of_birth) == "1941-05-02"
    membership = Membership.objects.get(circle=circle, user=viewer)
    assert membership.role == Role.ORGANISER
    assert membership.relationship == "son"
    assert "Mum's circle is ready. Now invite the people who help" in text_of(response)


def test_a_circle_about_yourself_makes_you_the_person(db, as_user):
    viewer = quick_user("Maggie")
    as_user(viewer).post(URL, _form(about="me", person_name="Maggie", relationship="ignored"))
    membership = Membership.objects.get(user=viewer)
    assert membership.role == Role.PERSON
    assert membership.relationship == ""


def test_submitting_the_same_form_twice_creates_one_circle(db, as_user):
    viewer = quick_user()
    client = as_user(viewer)
    data = _form()
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Circle.objects.filter(created_by=viewer).count() == 1
    assert first["Location"] == second["Location"]


def test_a_missing_name_is_explained_and_the_rest_is_kept(db, as_user):
    response = as_user(quick_user()).post(URL, _form(person_name="", relationship="granddaughter"))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "Enter the name of the person being helped." in page
    assert 'value="granddaughter"' in page
    assert not Circle.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused(db, as_user):
    response = as_user(quick_user()).post(URL, _form(person_date_of_birth="2999-01-01"))
    assert response.status_code == 400
    assert "The date of birth can't be in the future." in text_of(response)
    assert not Circle.objects.exists()


def test_a_photo_is_reencoded_without_location_or_camera_details(db, as_user):
    viewer = quick_user()
    response = as_user(viewer).post(URL, {**_form(), "photo": _photo_with_location()})
    assert response.status_code == 302
    circle = Circle.objects.get(created_by=viewer)
    with circle.person_photo.open("rb") as stored:
        data = stored.read()
    stored_name = circle.person_photo.name or ""
    assert stored_name.endswith(".jpg")
    assert "IMG_2041" not in stored_name
    assert b"SecretCam" not in data
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "JPEG"
    assert dict(picture.getexif()) == {}
    assert picture.size == (480, 480)


def test_the_photo_is_shown_only_to_the_circle(db, as_user, cast):
    viewer = quick_user()
    as_user(viewer).post(URL, {**_form(), "photo": _photo_with_location()})
    circle = Circle.objects.get(created_by=viewer)
    photo_url = reverse("circles:photo", args=[circle.pk])
    assert photo_url in text_of(as_user(viewer).get(reverse("circles:home", args=[circle.pk])))
    response = as_user(viewer).get(photo_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert as_user(cast.outsider).get(photo_url).status_code == 404


def test_a_circle_without_a_photo_has_no_photo_address(cast, as_user, organiser):
    assert as_user(organiser).get(reverse("circles:photo", args=[cast.circle.pk])).status_code == 404


def test_a_file_that_isnt_a_picture_is_refused_clearly(db, as_user):
    not_a_photo = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 definitely not a picture", content_type="image/jpeg")
    response = as_user(quick_user()).post(URL, {**_form(), "photo": not_a_photo})
    assert response.status_code == 400
    assert "This file isn't a picture we can read." in text_of(response)
    assert not Circle.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(db, as_user, settings):
    settings.CIRCLE_PHOTO_MAX_BYTES = 1024
    response = as_user(quick_user()).post(URL, {**_form(), "photo": _photo_with_location()})
    assert response.status_code == 400
    assert "This photo is too big. Choose one smaller than" in text_of(response)
    assert not Circle.objects.exists()


def test_creating_a_circle_is_recorded_in_the_audit_log(db, as_user):
    viewer = quick_user("Dee")
    as_user(viewer).post(URL, _form())
    entry = AuditEntry.objects.get(action="circle.created")
    assert entry.actor == viewer
    assert entry.data == {"person_name": "Mum"}


def test_signed_out_visitors_are_sent_to_sign_in(db, as_user):
    response = as_user(None).post(URL, _form())
    assert response.status_code == 302
    assert not Circle.objects.exists()


def test_a_redrawn_form_keeps_its_client_id_so_the_corrected_submit_stays_idempotent(db, as_user):
    viewer = quick_user()
    client = as_user(viewer)
    data = _form(person_name="")
    redrawn = text_of(client.post(URL, data))
    assert f'name="client_id" value="{data["client_id"]}"' in redrawn
    corrected = {**data, "person_name": "Mum"}
    client.post(URL, corrected)
    client.post(URL, corrected)
    assert Circle.objects.filter(created_by=viewer).count() == 1

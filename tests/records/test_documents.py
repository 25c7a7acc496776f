"""Documents: type from content, pictures without EXIF, safe names, downloads only as attachments."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from carecircle.records.documents import safe_filename
from carecircle.records.models import RecordDocument, RecordEntry
from tests.cast import Cast
from tests.circles.conftest import text_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add_url(cast: Cast) -> str:
    return reverse("records:entry_add", args=[cast.circle.pk, "documents"])


def _upload(
    client: Any,
    cast: Cast,
    name: str,
    content: bytes,
    content_type: str = "application/octet-stream",
    title: str = "Letter",
) -> Any:
    return client.post(
        _add_url(cast),
        {"title": title, "audience": "everyone", "file": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def _jpeg_with_location() -> bytes:
    picture = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera maker
    gps = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_pdf_is_kept_and_downloaded_only_as_an_attachment(cast, as_user, organiser, helper):
    response = _upload(as_user(organiser), cast, "Discharge letter.pdf", PDF, "application/pdf")
    assert response.status_code == 302
    document = RecordDocument.objects.get()
    assert document.content_type == "application/pdf"
    assert document.filename == "Discharge letter.pdf"
    url = reverse("records:document", args=[cast.circle.pk, document.entry_id])
    download = as_user(helper).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


def test_pictures_are_re_encoded_without_location_or_camera_details(cast, as_user, organiser):
    original = _jpeg_with_location()
    assert b"SecretCam" in original
    response = _upload(as_user(organiser), cast, "photo.jpeg", original, "image/jpeg")
    assert response.status_code == 302
    document = RecordDocument.objects.get()
    stored = document.file.read()
    assert b"SecretCam" not in stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert not picture.getexif()
    assert document.content_type == "image/jpeg"


def test_the_type_comes_from_the_content_not_the_name(cast, as_user, organiser):
    client = as_user(organiser)
    for name, content in [
        ("letter.pdf", b"<html><script>alert(1)</script></html>"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"just some text"),
    ]:
        response = _upload(client, cast, name, content, "application/pdf")
        assert response.status_code == 400, name
        assert "isn't a PDF or a picture" in text_of(response)
    assert not RecordEntry.objects.filter(section="documents").exists()


def test_a_huge_file_is_refused_with_the_limit(cast, as_user, organiser, settings):
    settings.RECORDS_DOCUMENT_MAX_BYTES = 1024
    response = _upload(as_user(organiser), cast, "big.pdf", PDF + b"0" * 2048, "application/pdf")
    assert response.status_code == 400
    assert "too big" in text_of(response)
    assert "MB" in text_of(response)


def test_an_empty_file_is_refused(cast, as_user, organiser):
    response = _upload(as_user(organiser), cast, "empty.pdf", b"", "application/pdf")
    assert response.status_code == 400
    assert "empty" in text_of(response)


def test_dangerous_names_are_neutralised(cast, as_user, organiser):
    response = _upload(as_user(organiser), cast, '../../etc/"passwd<script>.exe.pdf', PDF)
    assert response.status_code == 302
    name = RecordDocument.objects.get().filename
    assert name == "passwdscriptexe.pdf"
    assert safe_filename("invoice\u202etxt.exe", "pdf") == "invoicetxt.pdf"
    assert safe_filename("...", "jpg") == "document.jpg"
    stored = str(RecordDocument.objects.get().file.name)
    assert "passwd" not in stored
    assert ".." not in stored


def test_only_those_who_may_read_documents_can_download_them(cast, as_user, organiser, paid_carer, outsider):
    _upload(as_user(organiser), cast, "letter.pdf", PDF)
    url = reverse("records:document", args=[cast.circle.pk, RecordDocument.objects.get().entry_id])
    assert as_user(paid_carer).get(url).status_code == 403
    assert as_user(outsider).get(url).status_code == 404


def test_a_deleted_document_is_no_longer_served(cast, as_user, organiser):
    client = as_user(organiser)
    _upload(client, cast, "letter.pdf", PDF)
    entry = RecordEntry.objects.get(section="documents")
    client.post(reverse("records:entry_delete", args=[cast.circle.pk, "documents", entry.pk]))
    assert client.get(reverse("records:document", args=[cast.circle.pk, entry.pk])).status_code == 404


def test_an_upload_announcing_a_huge_body_is_refused_before_it_is_read(cast, as_user, organiser, settings):
    settings.RECORDS_DOCUMENT_MAX_BYTES = 1024 * 1024
    response = as_user(organiser).post(
        _add_url(cast), data=b"x" * 10, content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(50 * 2**20)
    )
    assert response.status_code == 413
    assert "This file is too big. Upload one smaller than 1 MB." in text_of(response)
    assert not RecordEntry.objects.exists()


def _picture_bytes(kind: str, **options: Any) -> bytes:
    picture = Image.new("P" if kind == "GIF" else "RGB", (40, 30), 3 if kind == "GIF" else "white")
    buffer = io.BytesIO()
    picture.save(buffer, kind, **options)
    return buffer.getvalue()


def test_a_picture_keeps_its_format_and_the_name_it_was_given(cast, as_user, organiser):
    from PIL import PngImagePlugin

    secret = PngImagePlugin.PngInfo()
    secret.add_text("Comment", "SecretNote")
    client = as_user(organiser)
    for name, content, kind, content_type, stored_name in [
        ("prescription.png", _picture_bytes("PNG", pnginfo=secret), "PNG", "image/png", "prescription.png"),
        ("Ordonnance été.webp", _picture_bytes("WEBP"), "WEBP", "image/webp", "Ordonnance été.webp"),
        ("map.gif", _picture_bytes("GIF", comment=b"SecretNote"), "GIF", "image/gif", "map.gif"),
        ("scan 1 (front).JPG", _picture_bytes("JPEG"), "JPEG", "image/jpeg", "scan 1 (front).jpg"),
    ]:
        assert _upload(client, cast, name, content, content_type).status_code == 302, name
        document = RecordDocument.objects.latest("id")
        stored = document.file.read()
        assert (document.filename, document.content_type) == (stored_name, content_type)
        assert b"SecretNote" not in stored
        with Image.open(io.BytesIO(stored)) as picture:
            assert picture.format == kind
        download = client.get(reverse("records:document", args=[cast.circle.pk, document.entry_id]))
        assert "attachment" in download["Content-Disposition"]
        assert stored_name.encode("ascii", "ignore").decode().split(" ")[0] in unquote(download["Content-Disposition"])

"""An organisation's branded page: colours kept readable, the logo checked like the record's uploads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from carecircle.audit.models import AuditEntry
from carecircle.orgs.branding import WHITE, contrast_ratio, palette_for, parse_colour, readable_on_white
from carecircle.orgs.models import Organisation
from tests.orgs.conftest import Org, text


def _png(colour: str = "navy", size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_contrast_follows_wcag_for_known_pairs() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WebAIM's checker gives 4.54:1 for #767676 on white, the lightest grey that passes AA.
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", WHITE) < 4.5


@pytest.mark.parametrize("chosen", ["#ffff00", "#ffcc00", "#00ff00", "#87ceeb", "#ffffff", "#ff69b4", "#767676"])
def test_any_accent_colour_is_made_readable_on_white_keeping_its_hue(chosen: str) -> None:
    shown = readable_on_white(chosen)
    assert contrast_ratio(shown, WHITE) >= 4.5
    if contrast_ratio(chosen, WHITE) >= 4.5:
        assert shown == chosen
    else:
        # Only darkened: each channel shrinks in the same proportion, so the hue stays.
        assert all(int(shown[i : i + 2], 16) <= int(chosen[i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("brand", ["#ffff00", "#1d5b79", "#777777", "#000000", "#ffffff", "#7f7f7f"])
def test_banner_text_is_black_or_white_whichever_reads_at_aa(brand: str) -> None:
    palette = palette_for(Organisation(name="X", brand_colour=brand))
    assert palette.brand_contrast >= 4.5
    assert palette.brand_text in {"#000000", "#ffffff"}


def test_colours_are_read_in_the_ways_people_type_them() -> None:
    assert parse_colour(" #1D5B79 ") == "#1d5b79"
    assert parse_colour("15b") == "#1155bb"
    with pytest.raises(ValueError, match="red"):
        parse_colour("red; background:url(x)")


def _save_page(client: Any, org: Org, **form: Any) -> Any:
    values = {"welcome": "We help people in Wrexham.", "brand_colour": "#ffcc00", "accent_colour": "#ffcc00"}
    values.update(form)
    return client.post(reverse("orgs:page", kwargs={"organisation_id": org.organisation.pk}), values)


def test_an_admin_sets_the_page_and_is_shown_what_was_adjusted(
    org: Org, as_user: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = as_user(org.admin)
    logo = SimpleUploadedFile("../our logo.png", _png(), content_type="image/png")
    assert _save_page(client, org, logo=logo).status_code == 302
    organisation = Organisation.objects.get(pk=org.organisation.pk)
    assert (organisation.brand_colour, organisation.accent_colour) == ("#ffcc00", "#ffcc00")
    stored_name = organisation.logo.name or ""
    assert stored_name.endswith(".png")
    assert "logo" not in stored_name.rsplit("/", 1)[-1]
    page = text(client.get(reverse("orgs:page", kwargs={"organisation_id": org.organisation.pk})))
    shown = readable_on_white("#ffcc00")
    assert f"#ffcc00 was too light to read on white, so it is shown darker, as {shown}" in page
    assert "with black text" in page
    assert AuditEntry.objects.filter(action="organisation.page_changed").count() == 1
    landing = client.get(reverse("orgs:landing", kwargs={"organisation_slug": organisation.slug}))
    body = text(landing)
    assert f"--brand:{shown}" in body
    assert "We help people in Wrexham." in body
    logo_response = client.get(reverse("orgs:logo", kwargs={"organisation_slug": organisation.slug}))
    assert logo_response["Content-Type"] == "image/png"
    assert logo_response["X-Content-Type-Options"] == "nosniff"
    stored = b"".join(logo_response.streaming_content)
    assert Image.open(io.BytesIO(stored)).size == (40, 20)


def test_a_new_logo_replaces_the_old_file(
    org: Org, as_user: Any, settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = as_user(org.admin)
    _save_page(client, org, logo=SimpleUploadedFile("a.png", _png(), content_type="image/png"))
    first = Path(Organisation.objects.get(pk=org.organisation.pk).logo.path)
    with django_capture_on_commit_callbacks(execute=True):
        _save_page(client, org, logo=SimpleUploadedFile("b.png", _png("red"), content_type="image/png"))
    assert not first.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _save_page(client, org, remove_logo="on")
    assert not Organisation.objects.get(pk=org.organisation.pk).logo
    assert not any(tmp_path.rglob("*.png"))


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"brand_colour": "red; x:y"}, "Give a colour as six hexadecimal digits"),
        ({"logo": "page.html"}, "This file isn't a PDF or a picture we can read."),
        ({"logo": "letter.pdf"}, "Upload the logo as a picture"),
        ({"logo": "big.png"}, "This file is too big."),
    ],
)
def test_bad_colours_and_files_are_refused_clearly(
    org: Org, as_user: Any, settings: Any, tmp_path: Path, form: dict[str, str], message: str
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.ORGS_LOGO_MAX_BYTES = 5000
    files = {
        "page.html": b"<script>alert(1)</script>",
        "letter.pdf": b"%PDF-1.4\n%%EOF\n",
        "big.png": _png(size=(400, 400)) + b"\0" * 6000,
    }
    values: dict[str, Any] = dict(form)
    if "logo" in values:
        values["logo"] = SimpleUploadedFile(values["logo"], files[values["logo"]], content_type="image/png")
    response = _save_page(as_user(org.admin), org, **values)
    assert response.status_code == 400
    assert message in text(response)
    assert not Organisation.objects.get(pk=org.organisation.pk).logo
    assert Organisation.objects.get(pk=org.organisation.pk).brand_colour == ""


def test_only_admins_change_the_page(org: Org, as_user: Any) -> None:
    url = reverse("orgs:page", kwargs={"organisation_id": org.organisation.pk})
    assert as_user(org.coordinator).get(url).status_code == 403
    assert as_user(org.volunteer).get(url).status_code == 403
    assert as_user(org.other_staff).get(url).status_code == 404
    assert _save_page(as_user(org.coordinator), org).status_code == 403
    assert Organisation.objects.get(pk=org.organisation.pk).brand_colour == ""


@pytest.mark.parametrize(
    ("language", "brand", "sentence"),
    [
        ("cy", "#ffcc00", "gyda thestun du"),
        ("cy", "#003366", "gyda thestun gwyn"),
        ("pl", "#ffcc00", "czarny tekst"),
        ("pl", "#003366", "biały tekst"),
    ],
)
def test_the_banner_text_colour_is_named_in_the_admins_language(
    org: Org, as_user: Any, language: str, brand: str, sentence: str
) -> None:
    org.admin.language = language
    org.admin.save(update_fields=["language"])
    client = as_user(org.admin)
    assert _save_page(client, org, brand_colour=brand).status_code == 302

    page = text(client.get(reverse("orgs:page", kwargs={"organisation_id": org.organisation.pk})))

    assert sentence in page
    assert "black text" not in page
    assert "white text" not in page

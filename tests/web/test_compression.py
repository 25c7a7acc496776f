"""HTML is gzip-compressed except where the page carries a secret (BREACH); static files are
hashed, cached for a year as immutable, and sent as brotli or gzip (docs/architecture/page-weight.md)."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from carecircle.records.services import share_link_create
from tests.cast import Cast


def get(client: Client, url: str) -> tuple[int, str | None]:
    response = client.get(url, headers={"accept-encoding": "gzip, br"})
    return response.status_code, response.get("Content-Encoding")


def test_ordinary_pages_are_compressed(cast: Cast, as_user) -> None:
    client = as_user(cast.organiser)
    for url in [reverse("circles:home", kwargs={"circle_id": cast.circle.pk}), reverse("accounts:profile")]:
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert b"</html>" in gzip.decompress(response.content)


def test_pages_that_show_a_secret_are_not_compressed(cast: Cast, as_user) -> None:
    client = as_user(cast.organiser)
    circle = {"circle_id": cast.circle.pk}
    for url in [
        reverse("accounts:tokens"),
        reverse("circles:invite", kwargs=circle),
        reverse("records:share_links", kwargs=circle),
        reverse("tasks:feeds"),
    ]:
        assert get(client, url) == (200, None), url


def test_pages_at_a_secret_address_are_not_compressed(cast: Cast, client: Client) -> None:
    _, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    status, encoding = get(client, reverse("records:shared", kwargs={"share_token": token}))
    assert status < 500
    assert encoding is None
    status, encoding = get(client, reverse("circles:invitation", kwargs={"token": "not-a-real-invitation"}))
    assert encoding is None


@pytest.mark.parametrize(("accept", "encoding"), [("br", "br"), ("gzip", "gzip")])
def test_hashed_static_files_are_immutable_and_precompressed(settings, tmp_path, accept, encoding) -> None:
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    url = staticfiles_storage.url("web/live.js")
    assert url.startswith("/static/web/live.")
    assert url != "/static/web/live.js", "the name carries its hash"
    response = Client().get(url, headers={"accept-encoding": accept})
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert response["Content-Encoding"] == encoding

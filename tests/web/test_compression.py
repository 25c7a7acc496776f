"""HTML is gzip-compressed except where the page carries a secret (BREACH); static files are
hashed, cached for a year as immutable, and sent as brotli or gzip (docs/architecture/page-weight.md)."""

from __future__ import annotations

import gzip

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from carecircle.records.services import share_link_create
from carecircle.web.compression import FIRST_ROUND_TRIP, GZipUnlessSecretMiddleware
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


def gzip_name(body: bytes) -> bytes:
    """The file name in a gzip member's header (Django writes 0 to 99 random letters there against BREACH)."""
    assert body[:3] == b"\x1f\x8b\x08"
    assert body[3] == gzip.FNAME
    return body[10 : body.index(b"\x00", 10)]


def through_gzip(content: bytes, *, accept: str = "gzip", etag: str = "") -> HttpResponse:
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    if etag:
        response.headers["ETag"] = etag
    request = RequestFactory().get("/accessibility/", headers={"accept-encoding": accept})
    return GZipUnlessSecretMiddleware(lambda request: response)(request)  # type: ignore[return-value]


def test_a_page_that_fits_the_first_round_trip_is_compressed_fast() -> None:
    """Level 1 where it fits: half the CPU of Django's level 6, the same round trips (web/compression.py)."""
    content = b"<!doctype html><p>" + b" ".join(b"word%d" % (n % 500) for n in range(3000)) + b"</p>"
    names = set()
    for _ in range(20):
        response = through_gzip(content, etag='"abc"')
        body = response.content
        name = gzip_name(body)
        names.add(name)
        assert set(name) <= {ord("a")}
        assert len(name) < 100
        assert body[10 + len(name) + 1 :] == gzip.compress(content, compresslevel=1, mtime=0)[10:]
        assert gzip.decompress(body) == content
        assert response["Content-Encoding"] == "gzip"
        assert response["Content-Length"] == str(len(body))
        assert response["Vary"] == "Accept-Encoding"
        assert response["ETag"] == 'W/"abc"'
    assert len(names) > 1


def test_a_page_too_big_for_the_first_round_trip_is_compressed_as_django_does() -> None:
    content = b"".join(b"%d " % (n * 7919 % 1000003) for n in range(20_000))
    assert len(gzip.compress(content, compresslevel=1)) > FIRST_ROUND_TRIP

    body = through_gzip(content).content

    name = gzip_name(body)
    assert body[10 + len(name) + 1 :] == gzip.compress(content, compresslevel=6, mtime=0)[10:]
    assert gzip.decompress(body) == content


def test_small_or_unasked_responses_are_sent_as_they_are() -> None:
    assert through_gzip(b"<p>short</p>").content == b"<p>short</p>"
    content = b"<p>" + b"long " * 100 + b"</p>"
    response = through_gzip(content, accept="br")
    assert response.content == content
    assert not response.has_header("Content-Encoding")
    assert response["Vary"] == "Accept-Encoding"

"""Pages without an ETag of their own answer 304 when unchanged (web/conditional_pages.py), never for
someone else, another session or language, after a change, or over a one-off message."""

from __future__ import annotations

import gzip
import re
import secrets
from typing import Any

import pytest
from django.db import connection
from django.middleware import csrf as _csrf
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.web.conditional_pages import CSRF_PLACEHOLDER, normalised_body
from tests.cast import Cast
from tests.conftest import signed_in

csrf: Any = _csrf  # its private functions

PROFILE = {"display_name": "Olivia O.", "phone": "", "time_zone": "Europe/London", "language": "en-gb"}


def _again(client: Client, url: str, etag: str, **headers: str):
    return client.get(url, headers={"If-None-Match": etag, **headers})


def test_an_unchanged_page_answers_304_without_a_new_policy(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("notifications:preferences_kinds")
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    # Each answer has its own nonce and CSRF mask, and still the same ETag.
    assert first.content != second.content
    assert first["ETag"] == second["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    nonce = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"]).group(1)  # type: ignore[union-attr]
    assert f'nonce="{nonce}"' in first.content.decode()
    again = _again(client, url, first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    # A new policy would carry a new nonce and refuse the stored page's inline style and scripts.
    assert "Content-Security-Policy" not in again
    assert "X-Offline-Reader" not in again


def test_every_account_and_public_page_of_the_budget_answers_304(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    names = ["circles:list", "notifications:list", "accounts:profile", "notifications:preferences"]
    names += ["notifications:preferences_when", "notifications:preferences_push", "notifications:preferences_kinds"]
    for name in names:
        url = reverse(name)
        # The first look at the notifications marks them read: the page reads differently afterwards.
        client.get(url)
        etag = client.get(url)["ETag"]
        assert _again(client, url, etag).status_code == 304, name
    visitor = Client()
    for name in ["web:home", "accounts:login", "accounts:signup"]:
        url = reverse(name)
        etag = visitor.get(url)["ETag"]
        assert _again(visitor, url, etag).status_code == 304, name


def test_another_viewer_never_gets_a_304_for_someone_elses_page(cast: Cast) -> None:
    url = reverse("notifications:preferences_kinds")
    organiser, helper = signed_in(cast, "organiser"), signed_in(cast, "helper")
    etag = organiser.get(url)["ETag"]
    assert helper.get(url)["ETag"] != etag
    assert _again(helper, url, etag).status_code == 200


def test_a_new_session_of_the_same_person_gets_the_page_again(cast: Cast) -> None:
    url = reverse("notifications:preferences_kinds")
    etag = signed_in(cast, "organiser").get(url)["ETag"]
    assert _again(signed_in(cast, "organiser"), url, etag).status_code == 200


def test_signing_out_or_in_never_reuses_the_page(cast: Cast, password: str) -> None:
    client = Client()
    url = reverse("accounts:login")
    etag = client.get(url)["ETag"]
    assert _again(client, url, etag).status_code == 304
    client.force_login(cast.organiser)
    assert _again(client, url, etag).status_code != 304
    member = signed_in(cast, "organiser")
    page = reverse("circles:list")
    etag = member.get(page)["ETag"]
    member.post(reverse("accounts:logout"))
    assert _again(member, page, etag).status_code == 302


def test_another_language_gets_the_page_again(cast: Cast) -> None:
    visitor = Client()
    url = reverse("web:home")
    etag = visitor.get(url, headers={"Accept-Language": "en"})["ETag"]
    assert _again(visitor, url, etag, **{"Accept-Language": "en"}).status_code == 304
    welsh = _again(visitor, url, etag, **{"Accept-Language": "cy"})
    assert welsh.status_code == 200
    assert welsh["Content-Language"] == "cy"


def test_a_change_in_between_gets_the_new_page(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("accounts:profile")
    before = client.get(url)
    assert client.post(url, PROFILE).status_code == 302
    client.get(url)  # The saved message, shown once.
    after = _again(client, url, before["ETag"])
    assert after.status_code == 200
    assert "Olivia O." in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_one_off_message_is_never_304d_away(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("accounts:profile")
    client.post(url, PROFILE)
    assert "Your details have been saved." in client.get(url).content.decode()
    # The page as it reads without the message, so the ETag would match if the message were ignored.
    plain = client.get(url)
    client.post(url, PROFILE)
    shown = _again(client, url, plain["ETag"])
    assert shown.status_code == 200
    assert "Your details have been saved." in shown.content.decode()
    assert "ETag" not in shown
    # Once shown, the page without it is the one the browser holds.
    assert _again(client, url, plain["ETag"]).status_code == 304


def test_head_has_the_same_etag_and_answers_304(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("accounts:profile")
    etag = client.get(url)["ETag"]
    head = client.head(url)
    assert head.status_code == 200
    assert head["ETag"] == etag
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_gzipped_pages_weak_etag_matches(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("notifications:preferences_kinds")
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert b"<main" in gzip.decompress(zipped.content)
    weak = zipped["ETag"]
    assert weak.startswith('W/"')
    assert _again(client, url, weak, **{"Accept-Encoding": "gzip"}).status_code == 304
    assert _again(client, url, weak.removeprefix("W/")).status_code == 304


def test_secret_and_no_store_pages_get_no_etag(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    tokens = client.get(reverse("accounts:tokens"))
    assert tokens.status_code == 200
    assert "ETag" not in tokens
    section = {"circle_id": cast.circle.pk, "section": "medications"}
    fragment = client.get(reverse("records:section_fragment", kwargs=section))
    assert "no-store" in fragment["Cache-Control"]
    assert "ETag" not in fragment


def test_circle_pages_still_answer_before_rendering(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("circles:home", kwargs={"circle_id": cast.circle.pk})
    with CaptureQueriesContext(connection) as page:
        etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as not_modified:
        assert _again(client, url, etag).status_code == 304
    assert len(not_modified) < len(page)


def test_the_304_costs_no_more_queries_than_the_page(cast: Cast) -> None:
    client = signed_in(cast, "organiser")
    url = reverse("notifications:list")
    client.get(url)
    with CaptureQueriesContext(connection) as page:
        etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as not_modified:
        assert _again(client, url, etag).status_code == 304
    assert len(not_modified) <= len(page)


def test_only_tokens_masked_from_this_secret_are_put_back() -> None:
    mine, someone_elses = RequestFactory().get("/"), RequestFactory().get("/")
    ours, theirs = get_token(mine), get_token(someone_elses)
    secret = mine.META["CSRF_COOKIE"]
    assert get_token(mine) != ours  # Masked afresh each time, from the same secret.
    body = f'<input value="{ours}"><input value="{theirs}"><p>nonce-abc {"a" * 64}</p>'.encode()
    normal = normalised_body(body, secret=secret, nonce="nonce-abc")
    assert normal == (
        b'<input value="' + CSRF_PLACEHOLDER + b'"><input value="' + theirs.encode() + b'">'
        b"<p>{csp-nonce} " + b"a" * 64 + b"</p>"
    )


# A Django whose CSRF letters are in another order: web/csrf_tokens.py would decline to install.
OTHER_ORDER = csrf.CSRF_ALLOWED_CHARS[::-1]


def _other_string() -> str:
    return "".join(secrets.choice(OTHER_ORDER) for _ in range(csrf.CSRF_SECRET_LENGTH))


def _other_mask(secret: str) -> str:
    mask = _other_string()
    pairs = zip((OTHER_ORDER.index(x) for x in secret), (OTHER_ORDER.index(x) for x in mask), strict=True)
    return mask + "".join(OTHER_ORDER[(x + y) % len(OTHER_ORDER)] for x, y in pairs)


def _other_unmask(token: str) -> str:
    mask, cipher = token[: csrf.CSRF_SECRET_LENGTH], token[csrf.CSRF_SECRET_LENGTH :]
    pairs = zip((OTHER_ORDER.index(x) for x in cipher), (OTHER_ORDER.index(x) for x in mask), strict=True)
    return "".join(OTHER_ORDER[x - y] for x, y in pairs)


def test_tokens_are_put_back_with_djangos_own_unmask_when_ours_is_not_installed(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csrf, "_get_new_csrf_string", _other_string)
    monkeypatch.setattr(csrf, "_mask_cipher_secret", _other_mask)
    monkeypatch.setattr(csrf, "_unmask_cipher_token", _other_unmask)
    client = signed_in(cast, "organiser")
    url = reverse("notifications:preferences_kinds")
    first, second = client.get(url), client.get(url)
    assert first.content != second.content  # A form's token, masked afresh...
    assert first["ETag"] == second["ETag"]  # ...and put back by the module's own unmask.
    assert _again(client, url, first["ETag"]).status_code == 304


def test_a_csrf_module_without_an_unmask_puts_no_token_back(monkeypatch: pytest.MonkeyPatch) -> None:
    request = RequestFactory().get("/")
    token = get_token(request)
    body = f'<input value="{token}">'.encode()
    monkeypatch.delattr(csrf, "_unmask_cipher_token")
    assert normalised_body(body, secret=request.META["CSRF_COOKIE"], nonce="") == body

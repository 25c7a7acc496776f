"""What the service worker may keep, decided by the server (docs/architecture/offline.md): a member's
reading pages are marked `X-Offline-Copy: keep`; secret, visitor, sign-in, API and no-store
responses never are; every page names its reader; signing out clears the browser."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

from carecircle.records.services import share_link_create
from carecircle.web import offline
from carecircle.web.offline import NOBODY, _hashed_version, shell_version
from tests.cast import Cast


def test_a_members_reading_pages_may_be_kept(cast: Cast, as_user) -> None:
    client = as_user(cast.helper)
    circle = {"circle_id": cast.circle.pk}
    for url in [
        reverse("circles:list"),
        reverse("circles:home", kwargs=circle),
        reverse("records:section", kwargs={**circle, "section": "medications"}),
        reverse("records:essentials", kwargs=circle),
        reverse("tasks:agenda", kwargs=circle),
        reverse("conversations:family", kwargs=circle),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Offline-Copy"] == "keep", url
        assert response["X-Offline-Reader"] not in ("", NOBODY), url


def test_other_pages_are_never_kept(cast: Cast, as_user) -> None:
    client = as_user(cast.organiser)
    circle = {"circle_id": cast.circle.pk}
    for url in [
        reverse("accounts:profile"),
        reverse("accounts:tokens"),  # shows a secret
        reverse("records:share_links", kwargs=circle),  # shows a secret
        reverse("circles:members", kwargs=circle),
        reverse("records:section_fragment", kwargs={**circle, "section": "medications"}),  # no-store
        reverse("records:entry_add", kwargs={**circle, "section": "medications"}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Offline-Copy" not in response, url
    # The API: neither kept nor named.
    api = client.get("/api/v1/me")
    assert "X-Offline-Copy" not in api
    assert "X-Offline-Reader" not in api


def test_a_share_link_and_sign_in_are_never_kept(cast: Cast, client: Client, as_user) -> None:
    _, token = share_link_create(
        actor=cast.organiser, circle=cast.circle, recipient="Nurse", sections=["medications"], hours=24
    )
    shared = reverse("records:shared", kwargs={"share_token": token})
    response = client.get(shared)
    assert response.status_code == 200
    assert "X-Offline-Copy" not in response
    assert response["X-Offline-Reader"] == NOBODY
    sign_in = client.get(reverse("accounts:login"))
    assert "X-Offline-Copy" not in sign_in
    assert sign_in["X-Offline-Reader"] == NOBODY
    # Not even for a member who opens the link to check it.
    assert "X-Offline-Copy" not in as_user(cast.organiser).get(shared)


def test_the_reader_differs_per_member_and_hides_the_account_id(cast: Cast, as_user) -> None:
    url = reverse("circles:list")
    readers = {as_user(user).get(url)["X-Offline-Reader"] for user in (cast.organiser, cast.helper, cast.well_wisher)}
    assert len(readers) == 3
    assert all(str(cast.organiser.pk) != reader for reader in readers)


def test_signing_out_clears_the_browser(cast: Cast, as_user) -> None:
    client = as_user(cast.organiser)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert response["X-Offline-Reader"] == NOBODY
    assert "Clear-Site-Data" not in client.get(reverse("web:home"))


def test_the_worker_is_served_fresh_at_the_root_with_its_shell(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    assert f'var VERSION = "{shell_version()}";' in text
    assert '"/static/web/offline.js"' in text
    assert '"/offline/"' in text
    assert "{{" not in text
    assert "{%" not in text


def test_the_worker_version_follows_the_static_manifest(monkeypatch) -> None:
    from_files = shell_version()
    assert len(from_files) == 12
    versions = []
    for manifest in ({"web/live.js": "web/live.1111.js"}, {"web/live.js": "web/live.2222.js"}):
        monkeypatch.setattr(offline, "staticfiles_storage", SimpleNamespace(hashed_files=manifest))
        _hashed_version.cache_clear()
        versions.append(shell_version())
    _hashed_version.cache_clear()
    assert len({*versions, from_files}) == 3


def test_the_manifest_installs_the_app(client: Client) -> None:
    response = client.get(reverse("web:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "CareCircle"
    assert manifest["short_name"] == "CareCircle"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == reverse("circles:list")
    assert manifest["theme_color"] == "#1d5b79"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_pages_link_the_manifest_and_signed_in_pages_install_the_worker(cast: Cast, client: Client, as_user) -> None:
    public = client.get(reverse("web:accessibility")).content.decode()
    assert f'<link rel="manifest" href="{reverse("web:manifest")}">' in public
    assert "data-worker" not in public  # no worker for visitors
    member = as_user(cast.helper).get(reverse("circles:list")).content.decode()
    assert 'data-worker="/sw.js"' in member


def test_the_offline_page_names_nobody(cast: Cast, as_user) -> None:
    response = as_user(cast.organiser).get(reverse("web:offline"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "You're offline" in text
    assert cast.organiser.display_name not in text
    assert "Sign out" not in text

"""Security headers score A+ with the HTTP Observatory's rules, behind the documented proxy configuration.

The documented deployment (README, docs/architecture/serving.md): DEBUG off, a reverse proxy that
terminates TLS and sets X-Forwarded-Proto (BEHIND_HTTPS_PROXY=true), HSTS on. The proxy or
SECURE_SSL_REDIRECT sends plain http to https on the same host; here Django does it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.observatory import Scan, score

HOST = "care.example.org"


@pytest.fixture
def production(settings: Any) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [HOST]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


def scan_of(client: Client, path: str, *, method: str = "get", data: Any = None) -> Scan:
    https = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": HOST}
    response = getattr(client, method)(path, data=data, **https)
    plain = Client().get(path, HTTP_X_FORWARDED_PROTO="http", HTTP_HOST=HOST)
    cookies = [morsel.OutputString() for morsel in response.cookies.values()]
    return Scan(
        headers=dict(response.headers),
        set_cookies=cookies,
        html=response.content.decode(errors="replace")
        if response.get("Content-Type", "").startswith("text/html")
        else "",
        http_redirect=plain.get("Location") if plain.status_code in (301, 302, 307, 308) else None,
        host=HOST,
    )


def test_the_home_page_scores_a_plus(db, production):
    result = score(scan_of(Client(), reverse("web:home")))
    assert result.grade == "A+", result.modifiers
    assert result.score >= 115, result.modifiers


def test_signing_in_with_its_session_and_csrf_cookies_scores_a_plus(helper, password, production):
    client = Client(enforce_csrf_checks=False)
    page = scan_of(client, reverse("accounts:login"))
    signed_in = scan_of(
        client, reverse("accounts:login"), method="post", data={"email": helper.email, "password": password}
    )

    for scan in (page, signed_in):
        result = score(scan)
        assert result.grade == "A+", result.modifiers
    assert any(cookie.startswith("sessionid=") for cookie in signed_in.set_cookies)
    assert score(signed_in).modifiers.get("cookies-secure-with-httponly-sessions-and-samesite") == 5


def test_a_signed_in_page_and_the_api_score_a_plus(organiser, circle, production):
    client = Client()
    client.force_login(organiser)
    for path in (reverse("circles:home", kwargs={"circle_id": circle.pk}), "/api/v1/me"):
        result = score(scan_of(client, path))
        assert result.grade == "A+", (path, result.modifiers)


def test_permissions_policy_and_corp_are_sent(db, production):
    response = Client().get(reverse("web:home"), HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy
    assert "publickey-credentials-get=(self)" in policy
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_scorer_fails_a_weak_configuration():
    weak = Scan(
        headers={"Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'"},
        set_cookies=["sessionid=abc; Path=/"],
        html="",
        http_redirect=None,
        host=HOST,
    )
    result = score(weak)
    assert result.grade == "F"
    assert result.modifiers["csp-implemented-with-unsafe-inline"] == -20
    assert result.modifiers["cookies-session-without-secure-flag"] == -40


def test_addresses_with_a_secret_token_send_only_the_origin_as_referrer(db, production):
    """Never the token in a Referer; never `no-referrer`, under which Chromium posts the page's own
    forms (a share link's code, accepting an invitation) with `Origin: null` and CSRF refuses them."""
    addresses = [
        reverse("records:shared", kwargs={"share_token": "made-up-token"}),
        reverse("records:shared_essentials", kwargs={"share_token": "made-up-token"}),
        reverse("circles:invitation", kwargs={"token": "made-up-token"}),
        reverse("tasks:feed", kwargs={"token": "made-up-token"}),
    ]
    for address in addresses:
        response = Client().get(address, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
        assert response["Referrer-Policy"] == "strict-origin", address
    home = Client().get(reverse("web:home"), HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
    assert home["Referrer-Policy"] == "same-origin"

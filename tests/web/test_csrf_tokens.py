"""The CSRF secret and mask from one read of the system's randomness (web/csrf_tokens.py).

Each function must answer what Django's own does: letters of CSRF_ALLOWED_CHARS, each equally
likely, 32 of them, masked and unmasked by Django's arithmetic, and a form's token must still pass
the CSRF check while a changed one is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django.middleware import csrf as _csrf
from django.test import Client
from django.urls import reverse

from carecircle.web import csrf_tokens
from tests.cast import Cast

csrf: Any = _csrf  # its private functions, replaced at start-up
CHARS = csrf.CSRF_ALLOWED_CHARS


def django_mask(secret: str, mask: str) -> str:
    """Django's `_mask_cipher_secret` with a given mask (its own code, the mask not drawn)."""
    pairs = zip((CHARS.index(x) for x in secret), (CHARS.index(x) for x in mask), strict=True)
    return mask + "".join(CHARS[(x + y) % len(CHARS)] for x, y in pairs)


def django_unmask(token: str) -> str:
    """Django's `_unmask_cipher_token`."""
    mask, cipher = token[:32], token[32:]
    pairs = zip((CHARS.index(x) for x in cipher), (CHARS.index(x) for x in mask), strict=True)
    return "".join(CHARS[x - y] for x, y in pairs)


def test_they_are_installed_in_djangos_csrf_module() -> None:
    assert csrf._get_new_csrf_string is csrf_tokens.new_csrf_string
    assert csrf._mask_cipher_secret is csrf_tokens.mask_cipher_secret
    assert csrf._unmask_cipher_token is csrf_tokens.unmask_cipher_token
    assert csrf_tokens.LETTERS == CHARS
    assert csrf_tokens.LENGTH == csrf.CSRF_SECRET_LENGTH


def test_a_new_string_is_32_of_djangos_letters() -> None:
    for _ in range(200):
        drawn = csrf_tokens.new_csrf_string()
        assert len(drawn) == 32
        assert set(drawn) <= set(CHARS)


def test_bytes_that_would_favour_a_letter_are_refused(monkeypatch) -> None:
    """248 = 4 x 62: bytes 248 to 255 would make the first eight letters likelier, so they are skipped."""
    reads = iter([bytes([255, 248, 0, 61, 62, 247] + [250] * 38), bytes(range(44))])
    monkeypatch.setattr("carecircle.web.csrf_tokens.os.urandom", lambda count: next(reads))

    drawn = csrf_tokens.new_csrf_string()

    assert drawn == "a9a9" + CHARS[:28]


def test_every_letter_is_about_as_likely() -> None:
    """64,000 letters: ≈ 1,032 each (sd ≈ 32). Keeping bytes 248 to 255 would give the first eight ≈ 1,290."""
    counts = Counter("".join(csrf_tokens.new_csrf_string() for _ in range(2000)))
    assert set(counts) == set(CHARS)
    assert all(850 < count < 1220 for count in counts.values()), counts


def test_masking_and_unmasking_are_djangos() -> None:
    for _ in range(100):
        secret = csrf_tokens.new_csrf_string()
        token = csrf_tokens.mask_cipher_secret(secret)
        assert len(token) == 64
        assert token != csrf_tokens.mask_cipher_secret(secret)
        assert token == django_mask(secret, token[:32])
        assert django_unmask(token) == secret
        mask = csrf_tokens.new_csrf_string()
        assert csrf_tokens.unmask_cipher_token(django_mask(secret, mask)) == secret


def test_a_forms_token_passes_and_a_changed_one_is_refused(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.organiser)
    page = client.get(reverse("accounts:profile")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page)
    assert token is not None
    assert django_unmask(token.group(1)) == client.cookies["csrftoken"].value
    changed = token.group(1)[:40] + ("a" if token.group(1)[40] != "a" else "b") + token.group(1)[41:]

    refused = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": changed})
    assert refused.status_code == 403
    assert client.get(reverse("accounts:profile")).status_code == 200

    signed_out = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token.group(1)})
    assert signed_out.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302

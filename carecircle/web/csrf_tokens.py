"""Django's CSRF secret and mask drawn from one read of the system's randomness, not one per letter.

Every page with a form masks the CSRF secret afresh (`get_token`), and a visitor without a CSRF
cookie also gets a new secret. Django draws each of these 32-letter strings with
`get_random_string`: 32 calls of `secrets.choice`, each a Python-level `randbelow` and its own
`os.urandom` system call, then finds each letter's place with `str.index` (a scan of the 62
letters). Together ≈ 7 % of the signed-in one-query page's CPU under cProfile (docs/performance.md,
"The signed-in frame: the CSRF token's randomness and the page's compression").

`new_csrf_string()` reads the bytes it needs at once and keeps a byte `b` only if `b < 248`
(248 = 4 x 62), as the letter `b % 62`: every letter is equally likely and independent of the
others, as with `secrets.choice` (rejection sampling; a byte is refused with probability 8/256,
and more are read until 32 are kept). The letters, the length and the mask arithmetic are
Django's; `mask_cipher_secret()` and `unmask_cipher_token()` look each letter's place up in a dict.
Tokens made here and tokens made by Django unmask to the same secret either way.

`install()` (the web app's `ready()`) puts them in place of `django.middleware.csrf`'s private
`_get_new_csrf_string`, `_mask_cipher_secret` and `_unmask_cipher_token`, which that module looks up
at each call. If Django's module is not the shape known here (another version), nothing is
installed and Django's own functions stay.
"""

from __future__ import annotations

import os
from typing import Any

from django.middleware import csrf as _csrf

csrf: Any = _csrf

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LENGTH = 32
PLACE = {letter: place for place, letter in enumerate(LETTERS)}
COUNT = len(LETTERS)
# The largest multiple of 62 that fits in a byte: bytes from here up are refused, so none is favoured.
LIMIT = 256 - 256 % COUNT
# One read gives 32 kept bytes with probability ≈ 0.9999 (each byte kept with probability 248/256).
READ = LENGTH + 12


def new_csrf_string() -> str:
    """32 letters of CSRF_ALLOWED_CHARS, each uniform and independent (Django's `_get_new_csrf_string`)."""
    letters: list[str] = []
    while len(letters) < LENGTH:
        letters += [LETTERS[byte % COUNT] for byte in os.urandom(READ) if byte < LIMIT]
    return "".join(letters[:LENGTH])


def mask_cipher_secret(secret: str) -> str:
    """A fresh mask and the secret shifted by it, letter by letter (Django's `_mask_cipher_secret`)."""
    mask = new_csrf_string()
    place = PLACE
    cipher = "".join(LETTERS[(place[x] + place[y]) % COUNT] for x, y in zip(secret, mask, strict=False))
    return mask + cipher


def unmask_cipher_token(token: str) -> str:
    """The secret a masked token was made from (Django's `_unmask_cipher_token`)."""
    mask, cipher = token[:LENGTH], token[LENGTH:]
    place = PLACE
    return "".join(LETTERS[place[x] - place[y]] for x, y in zip(cipher, mask, strict=False))


def install() -> None:
    """Put these in place of Django's, if Django's CSRF module is the one they were written for."""
    known = all(hasattr(csrf, name) for name in ("_get_new_csrf_string", "_mask_cipher_secret", "_unmask_cipher_token"))
    if not known or csrf.CSRF_ALLOWED_CHARS != LETTERS or csrf.CSRF_SECRET_LENGTH != LENGTH:
        return
    csrf._get_new_csrf_string = new_csrf_string
    csrf._mask_cipher_secret = mask_cipher_secret
    csrf._unmask_cipher_token = unmask_cipher_token

"""Sealing small secrets at rest (authenticator-app keys) with a key derived from SECRET_KEY.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`; the key is HKDF-SHA256 of SECRET_KEY with
a purpose label, so the same secret never serves two purposes. Values sealed under a key in
SECRET_KEY_FALLBACKS still open, so rotating SECRET_KEY keeps authenticator apps working.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SealError(Exception):
    """A sealed value could not be opened with any current or fallback key."""


def _fernet(secret_key: str, purpose: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"carecircle:{purpose}".encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys(purpose: str) -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key, purpose) for key in keys])


def seal(value: str, *, purpose: str) -> str:
    return _keys(purpose).encrypt(value.encode()).decode()


def unseal(token: str, *, purpose: str) -> str:
    try:
        return _keys(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SealError("This value was sealed with a key the site no longer has.") from error

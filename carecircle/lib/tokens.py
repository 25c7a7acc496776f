"""How secret tokens are kept: only their hash is stored, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib


def secret_hash(secret: str) -> str:
    """The SHA-256 of a secret (an API token, an invitation or share link token, a code), in hex.

    The secrets are long and random, so a plain hash is enough: there is nothing to guess.
    """
    return hashlib.sha256(secret.encode()).hexdigest()

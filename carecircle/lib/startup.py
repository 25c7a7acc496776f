"""Start-up checks that refuse to run an unsafe production configuration."""

from __future__ import annotations

import sys

from django.conf import settings

INSECURE_SECRET_KEY = "insecure-one-box-development-key-do-not-use-in-production"
SECRET_KEY_MIN_LENGTH = 32
# Length alone let fifty "a"s through. A random key of 32 characters has about 25 different ones
# (about 14 even in hexadecimal); 10 refuses repeated letters and words but not generated keys.
SECRET_KEY_MIN_DIFFERENT = 10


def secret_key_is_weak(key: str) -> bool:
    """True for the development key, a short key, or one with too little variety to be random."""
    return key == INSECURE_SECRET_KEY or len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DIFFERENT


def unsafe_configuration_problems() -> list[str]:
    """Return one plain sentence for each reason the settings are unsafe with DEBUG off."""
    if settings.DEBUG:
        return []
    problems = []
    if secret_key_is_weak(settings.SECRET_KEY):
        problems.append(
            "SECRET_KEY is the built-in development key, shorter than 32 characters or not random enough: "
            "set SECRET_KEY to a long random value, like the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` (or DEBUG=true on your own computer)."
        )
    if not settings.ALLOWED_HOSTS:
        problems.append(
            "ALLOWED_HOSTS is empty: set ALLOWED_HOSTS to the host names people use, "
            "comma-separated (or DEBUG=true on your own computer)."
        )
    return problems


def refuse_unsafe_configuration() -> None:
    """Exit with a one-line explanation when DEBUG is off and the configuration is unsafe."""
    problems = unsafe_configuration_problems()
    if problems:
        sys.stderr.write(f"CareCircle will not start: {problems[0]}\n")
        raise SystemExit(2)

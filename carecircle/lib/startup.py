"""Start-up checks that refuse to run an unsafe production configuration."""

from __future__ import annotations

import sys

from django.conf import settings

INSECURE_SECRET_KEY = "insecure-one-box-development-key-do-not-use-in-production"


def unsafe_configuration_problems() -> list[str]:
    """Return one plain sentence for each reason the settings are unsafe with DEBUG off."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == INSECURE_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        problems.append(
            "SECRET_KEY is the built-in development key or shorter than 32 characters: "
            "set SECRET_KEY to a long random value (or DEBUG=true on your own computer)."
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

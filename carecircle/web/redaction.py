"""Keeping invitation tokens out of logs: anyone who reads an invitation link can join the circle."""

from __future__ import annotations

import functools
import logging
import re

from django.urls import reverse


@functools.cache
def _invitation_pattern() -> tuple[re.Pattern[str], str]:
    # The invitation address up to its token ("/join/" today), taken from the URLconf so it never drifts.
    prefix = reverse("circles:invitation", kwargs={"token": "_"})[:-2]
    return re.compile(re.escape(prefix) + r"[^/\s?\"']+"), prefix + "…"


def redact_secrets(text: str) -> str:
    """The text with every invitation token replaced by "…", so it can be written to a log."""
    pattern, replacement = _invitation_pattern()
    return pattern.sub(replacement, text)


class RedactInvitationTokens(logging.Filter):
    """A logging filter for access logs (uvicorn's passes the path as an argument of the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        return True

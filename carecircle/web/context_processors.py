from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest

from carecircle.web.offline import reader_of


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "DEBUG_OUTBOX": settings.DEBUG,
        "SITE_URL": settings.SITE_URL,
        # Called only by a template that uses it (the outbox's script tag, for members).
        "offline_reader": functools.partial(reader_of, request),
    }

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest

from carecircle.web.offline import reader_of
from carecircle.web.script_words import words_url


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "DEBUG_OUTBOX": settings.DEBUG,
        "SITE_URL": settings.SITE_URL,
        # Each language in its own name, never translated ({% get_available_languages %} translates
        # them, so a visitor who picked Polski by mistake saw "angielski" instead of "English").
        "site_languages": settings.LANGUAGES,
        # Called only by a template that uses it (the outbox's script tag, for members).
        "offline_reader": functools.partial(reader_of, request),
        # Only a page in another language than English loads the scripts' words (web/script_words.py).
        "script_words_url": functools.partial(words_url, request),
    }

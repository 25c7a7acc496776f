"""The words the site's own scripts say (live.js, outbox.js, push.js), translated like the templates' words.

Scripts hold the English and ask `window.carecircleWords[key]` first. For a page in another
language, base.html loads `/words.js?lang=<code>&v=<version>` before them: a few hundred bytes,
cached by the browser for a year under an address that changes whenever the words do, so it costs
one request per language per release. English pages load nothing extra. `{label}` stands for what
the person wrote ("your message", "your offer to do “Lift” on Friday"), already in their language.
docs/translating.md, "Words in scripts".
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

WORDS = {
    "live.on": _("Live: changes appear as they happen."),
    "live.reconnecting": _("Reconnecting…"),
    "outbox.kept": _("Kept on this device: {label}. It will be sent when you're back online."),
    "outbox.sign_in": _("Sign in again to send what you wrote offline: {label}."),
    "outbox.sent": _("Sent: {label}."),
    "outbox.not_sent": _("Not sent: {label}."),
    "outbox.refused": _("It was refused; reload the page to see why."),
    "outbox.no_files": _("Files and photos can't be kept offline. Send them when you're back online."),
    "outbox.not_kept": _("This couldn't be kept on this device. Copy what you wrote and try again when you're online."),
    # notifications/static/notifications/push.js, on the push page only (docs/architecture/notifications.md).
    "push.on": _("This device gets push notifications."),
    "push.off": _("This device doesn't get push notifications."),
    "push.turning_on": _("Turning push notifications on…"),
    "push.turning_off": _("Turning push notifications off…"),
    "push.on_done": _("Done: this device will get push notifications for the news you ticked for them above."),
    "push.off_done": _("Done: this device won't get push notifications any more."),
    "push.on_failed": _(
        "Push notifications couldn't be turned on in this browser. "
        "CareCircle's own notifications, emails and text messages still reach you."
    ),
    "push.off_failed": _("Push notifications couldn't be turned off. Try again in a moment."),
    "push.unsupported": _(
        "This browser can't show push notifications. "
        "CareCircle's own notifications, emails and text messages still reach you."
    ),
    "push.blocked": _(
        "Notifications are blocked for CareCircle in this browser's settings. "
        "Allow them there, then come back to this page."
    ),
}
SCRIPT_LANGUAGES = {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}


@functools.cache
def words_script(language: str) -> str:
    with translation.override(language):
        words = {key: str(text) for key, text in WORDS.items()}
    return f"window.carecircleWords = {json.dumps(words, ensure_ascii=False, sort_keys=True)};\n"


@functools.cache
def words_version(language: str) -> str:
    return hashlib.sha256(words_script(language).encode()).hexdigest()[:12]


def words_url(request: HttpRequest) -> str:
    """Where this page's script words are, or "" for English (the scripts' own words)."""
    language = translation.get_language() or ""
    if language not in SCRIPT_LANGUAGES:
        return ""
    return f"/words.js?lang={language}&v={words_version(language)}"


@require_GET
def words(request: HttpRequest) -> HttpResponse:
    """The script words in one language; anything else asked for gets a clear 404."""
    language = request.GET.get("lang", "")
    if language not in SCRIPT_LANGUAGES:
        return HttpResponse("No script words in that language.", status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(words_script(language), content_type="text/javascript; charset=utf-8")
    # The address carries the version, so the browser may keep it for a year without asking.
    if request.GET.get("v") == words_version(language):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response

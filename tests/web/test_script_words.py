"""The scripts' own words (live.js, outbox.js, push.js) come in the page's language, from a cached /words.js."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.test import Client
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.web.script_words import WORDS, words_version
from tests.cast import Cast, signed_in_session_key

STATIC = Path(__file__).resolve().parents[2] / "carecircle" / "web" / "static" / "web"
PUSH_SCRIPT = (
    Path(__file__).resolve().parents[2] / "carecircle" / "notifications" / "static" / "notifications" / "push.js"
)


def member_page(cast: Cast, language: str) -> str:
    User.objects.filter(pk=cast.helper.pk).update(language=language)
    client = Client()
    client.cookies["sessionid"] = signed_in_session_key(cast.helper)
    response = client.get(f"/circles/{cast.circle.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_in_welsh_loads_the_welsh_words_before_the_scripts(cast: Cast) -> None:
    html = member_page(cast, "cy")
    words = html.index(f'<script src="/words.js?lang=cy&amp;v={words_version("cy")}" defer nonce=')
    assert words < html.index("web/live.js") < html.index("web/outbox.js"), "deferred scripts run in order"


def test_a_page_in_english_loads_no_words(cast: Cast) -> None:
    assert "/words.js" not in member_page(cast, "en-gb")


def test_the_words_are_translated_and_cached_for_a_year_under_their_version(db: None) -> None:
    response = Client().get(f"/words.js?lang=cy&v={words_version('cy')}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert body.startswith("window.carecircleWords = {")
    assert "Yn fyw: mae newidiadau'n ymddangos wrth iddyn nhw ddigwydd." in body
    stale = Client().get("/words.js?lang=cy&v=old")
    assert stale.status_code == 200
    assert stale["Cache-Control"] == "no-cache"


def test_a_language_without_script_words_is_a_plain_404(db: None) -> None:
    for asked in ("de", "en-gb", "", "cy<script>"):
        response = Client().get("/words.js", {"lang": asked})
        assert response.status_code == 404
        assert response.content == b"No script words in that language."


def test_every_script_word_is_translated_into_welsh_and_polish() -> None:
    with translation.override("en-gb"):
        english = {key: str(text) for key, text in WORDS.items()}
    for language in ("cy", "pl"):
        with translation.override(language):
            shown = {key: str(text) for key, text in WORDS.items()}
        missing = [key for key in WORDS if shown[key] == english[key]]
        assert not missing, f"not translated into {language}: {missing}"
        lost = [key for key in WORDS if "{label}" in english[key] and "{label}" not in shown[key]]
        assert not lost, f"{language} translations dropped {{label}}: {lost}"


def test_the_scripts_ask_for_exactly_the_words_there_are() -> None:
    used: set[str] = set()
    for path in (STATIC / "live.js", STATIC / "outbox.js", PUSH_SCRIPT):
        source = path.read_text()
        used |= set(re.findall(r'words\["([a-z_.]+)"\]', source))
        used |= set(re.findall(r'word\("([a-z_.]+)"', source))
    assert used == set(WORDS)


def test_push_js_says_in_english_exactly_what_the_words_translate() -> None:
    """push.js's English fallbacks and WORDS are the same sentences, so no translation misses a change."""
    source = PUSH_SCRIPT.read_text()
    spoken = {
        key: json.loads(f'"{text}"')
        for key, text in re.findall(r'word\("(push\.[a-z_]+)", "((?:[^"\\]|\\.)*)"\)', source)
    }
    with translation.override("en-gb"):
        english = {key: str(text) for key, text in WORDS.items() if key.startswith("push.")}
    assert spoken == english

"""Sentences that name a kind of news, and counts in the digest, read correctly in English, Welsh and Polish."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from carecircle.notifications.categories import CATEGORIES, CATEGORY_BY_KEY
from carecircle.notifications.instead import NEXT_CHANNELS, sent_instead_sentences
from carecircle.notifications.notify import email_footer

ENGLISH = {
    ("checkin", "sms", "email"): "A text message saying someone is struggling went by email instead, on 6 Dec.",
    ("checkin", "sms", "push"): (
        "A text message saying someone is struggling went as a push notification instead, on 6 Dec."
    ),
    (
        "checkin",
        "email",
        "push",
    ): "An email saying someone is struggling went as a push notification instead, on 6 Dec.",
    ("checkin", "email", "sms"): "An email saying someone is struggling went by text message instead, on 6 Dec.",
    (
        "checkin",
        "push",
        "sms",
    ): "A push notification saying someone is struggling went by text message instead, on 6 Dec.",
    ("checkin", "push", "email"): "A push notification saying someone is struggling went by email instead, on 6 Dec.",
    ("visit_concern", "sms", "email"): "A text message about a concern after a visit went by email instead, on 6 Dec.",
    ("visit_concern", "sms", "push"): (
        "A text message about a concern after a visit went as a push notification instead, on 6 Dec."
    ),
    ("visit_concern", "email", "push"): (
        "An email about a concern after a visit went as a push notification instead, on 6 Dec."
    ),
    ("visit_concern", "email", "sms"): "An email about a concern after a visit went by text message instead, on 6 Dec.",
    ("visit_concern", "push", "sms"): (
        "A push notification about a concern after a visit went by text message instead, on 6 Dec."
    ),
    ("visit_concern", "push", "email"): (
        "A push notification about a concern after a visit went by email instead, on 6 Dec."
    ),
}


def test_every_urgent_category_has_a_whole_sentence_for_every_way_it_can_go_instead() -> None:
    """Only urgent news goes another way; each such category and pair of channels has its own sentence."""
    urgent = {category.key for category in CATEGORIES if category.urgent}
    wanted = {(key, meant, went) for key in urgent for meant, wents in NEXT_CHANNELS.items() for went in wents}
    with translation.override("en-gb"):
        sentences = sent_instead_sentences()
        assert set(sentences) == wanted
        assert {key: sentence % {"when": "6 Dec"} for key, sentence in sentences.items()} == ENGLISH


def test_the_sentences_are_whole_sentences_in_welsh_and_polish_too() -> None:
    expected = {
        "cy": {
            ("checkin", "sms", "email"): (
                "Aeth neges destun am rywun sy'n cael trafferth drwy e-bost yn lle hynny, ar 6 Rhag."
            ),
            ("visit_concern", "push", "sms"): (
                "Aeth hysbysiad gwthio am bryder ar ôl ymweliad fel neges destun yn lle hynny, ar 6 Rhag."
            ),
        },
        "pl": {
            ("checkin", "sms", "email"): (
                "Wiadomość SMS o tym, że ktoś sobie nie radzi, wysłano zamiast tego e-mailem, 6 gru."
            ),
            ("visit_concern", "email", "push"): (
                "E-mail o niepokoju po wizycie wysłano zamiast tego jako powiadomienie push, 6 gru."
            ),
        },
    }
    when = {"cy": "6 Rhag", "pl": "6 gru"}
    for language, samples in expected.items():
        with translation.override(language):
            sentences = sent_instead_sentences()
        # Every sentence translated (none reads as the English), each said once.
        assert not set(sentences.values()) & {english.replace("6 Dec", "%(when)s") for english in ENGLISH.values()}
        assert len(set(sentences.values())) == len(sentences)
        for key, sentence in samples.items():
            assert sentences[key] % {"when": when[language]} == sentence


def test_the_email_footer_quotes_the_category_as_the_preferences_page_names_it() -> None:
    checkin = CATEGORY_BY_KEY["checkin"]
    footers = {}
    for language in ("en-gb", "cy", "pl"):
        with translation.override(language):
            footers[language] = email_footer("Body", category=checkin, stop="https://s/stop", mute="")
    assert "You get this because you chose emails about “Someone is struggling”." in footers["en-gb"]
    assert "oherwydd i chi ddewis e-byst am “Mae rhywun yn cael trafferth”." in footers["cy"]
    assert "masz włączone e-maile w kategorii „Ktoś sobie nie radzi”." in footers["pl"]


def _more_line(language: str, more: int) -> tuple[str, str]:
    context = {"name": "Ann", "circles": [], "more": more, "app": "https://s/n", "stop": "s", "change": "c"}
    with translation.override(language):
        text = render_to_string("notifications/digest_email.txt", context)
        html = render_to_string("notifications/digest_email.html", context)
    line = next(line for line in text.splitlines() if "https://s/n" in line)
    return line, html


def test_the_digests_count_of_what_is_still_waiting_agrees_with_the_number_in_polish() -> None:
    polish = {1: "czeka", 2: "czekają", 5: "czeka", 22: "czekają", 12: "czeka"}
    for more, verb in polish.items():
        line, html = _more_line("pl", more)
        assert line == f"I jeszcze {more} {verb} na Ciebie w CareCircle: https://s/n"
        assert f'I jeszcze {more} <a href="https://s/n" style="color:#1d5b79;">{verb} na Ciebie' in html
    for more in (1, 2, 5, 22):
        assert _more_line("cy", more)[0] == f"A {more} arall yn aros amdanoch yn CareCircle: https://s/n"
        assert _more_line("en-gb", more)[0] == f"And {more} more waiting for you in CareCircle: https://s/n"

"""Text message length: GSM-7 and UCS-2 segments, and keeping our texts within two."""

from __future__ import annotations

import pytest

from carecircle.notifications.sms_text import encoding_of, fit, segments


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # an extension character counts twice
        ("€" * 81, "GSM-7", 2),
        ("ł" * 70, "UCS-2", 1),
        ("ł" * 71, "UCS-2", 2),
        ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 2),
        ("", "GSM-7", 0),
    ],
)
def test_segments_follow_the_encoding(text: str, encoding: str, count: int) -> None:
    assert encoding_of(text) == encoding
    assert segments(text) == count


def test_curly_quotes_are_made_plain_so_the_text_stays_gsm7() -> None:
    typed = "Dad\u2019s lift \u2014 Tue"  # a curly apostrophe and an em dash
    assert encoding_of(typed) == "UCS-2"
    assert fit(typed) == "Dad's lift - Tue"
    assert encoding_of(fit(typed)) == "GSM-7"


def test_polish_quotes_are_made_plain_as_a_pair() -> None:
    """The opening „ turns plain like the closing ”, so a title isn't left with mismatched quotes."""
    assert fit("Zapisano Cię do zadania \u201eZakupy\u201d.") == 'Zapisano Cię do zadania "Zakupy".'
    assert encoding_of(fit("Zadanie \u201eLift\u201d jest odwolane.")) == "GSM-7"


def test_a_long_text_is_cut_to_two_segments_keeping_its_link_whole() -> None:
    link = "https://carecircle.example/circles/1/tasks/2/"
    text = fit("Can you help? " + "word " * 100 + link)
    assert segments(text) == 2
    assert text.endswith(f"... {link}")
    emoji = fit("Help 😀 " * 40 + link)
    assert segments(emoji) == 2
    assert emoji.endswith(f"… {link}")


def test_a_reply_instruction_after_the_link_is_never_cut():
    title = "Help needed: " + "a long description of the visit to the dentist " * 8
    text = fit(f"{title} https://care.example/circles/1/tasks/2/", tail="Reply YES 4821 to help.")

    assert text.endswith("... https://care.example/circles/1/tasks/2/ Reply YES 4821 to help.")
    assert segments(text) == 2

"""Each member hears in their own language: in-app rows, emails and texts (issue 13; docs/translating.md).

Texts in Polish (ą ć ę ł ń ó ś ź ż) and Welsh with a circumflex (â ê î ô û ŵ ŷ) leave GSM-7, so a
segment holds 70 characters, not 160: they are still cut to MAX_SEGMENTS, keeping the link and the
reply instruction whole. The letters are kept rather than swapped for plain ones, which would
change the words (docs/architecture/notifications.md).
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, Notification
from carecircle.notifications.notify import notify
from carecircle.notifications.sms_text import MAX_SEGMENTS, encoding_of, fit, segments
from tests.cast import Cast


def test_each_member_is_told_in_their_own_language_whoever_acts(cast: Cast) -> None:
    User.objects.filter(pk=cast.helper.pk).update(language="cy", phone="+447700900123")
    User.objects.filter(pk=cast.professional.pk).update(language="pl")
    with translation.override("pl"):  # the actor's request is in Polish: nobody else's message is
        notify(
            category="help_needed",
            circle=cast.circle,
            key="lang-1",
            title=gettext_lazy("Notifications"),
            url="/x/",
            actor=cast.organiser,
        )
    titles = dict(Notification.objects.filter(key__startswith="lang-1-").values_list("recipient_id", "title"))
    assert titles[cast.helper.pk] == "Hysbysiadau"
    assert titles[cast.professional.pk] == "Powiadomienia"
    assert titles[cast.person.pk] == "Notifications"
    welsh_email = Delivery.objects.get(idempotency_key=f"lang-1-email-{cast.helper.pk}")
    assert welsh_email.subject == "Hysbysiadau"
    assert "Atal yr e-byst hyn:" in welsh_email.body
    assert 'lang="cy"' in welsh_email.html_body
    english_email = Delivery.objects.get(idempotency_key=f"lang-1-email-{cast.person.pk}")
    assert "Stop these emails:" in english_email.body
    welsh_text = Delivery.objects.get(idempotency_key=f"lang-1-sms-{cast.helper.pk}")
    assert welsh_text.body.startswith("Hysbysiadau http")


def test_a_polish_text_is_unicode_yet_stays_within_its_segments_and_keeps_the_reply_code() -> None:
    text = (
        "Zofia prosi o pomoc: zakupy w sobotę rano i podwózka do przychodni w Łodzi, "
        "potrzebna też pomoc przy kolacji https://carecircle.example/c/1/t/42/"
    )
    message = fit(text, tail="Odpowiedz TAK 4821, żeby pomóc.")
    assert encoding_of(message) == "UCS-2"
    assert segments(message) <= MAX_SEGMENTS
    assert message.endswith("https://carecircle.example/c/1/t/42/ Odpowiedz TAK 4821, żeby pomóc.")


def test_welsh_without_a_circumflex_stays_in_the_cheaper_alphabet() -> None:
    message = fit("Mae angen help ar Nain ddydd Sadwrn https://carecircle.example/c/1/t/42/")
    assert encoding_of(message) == "GSM-7"
    assert segments(message) == 1
    assert encoding_of("Mae'n braf heddiw, diolch o galon i chi i gyd am eich help â'r siopa") == "UCS-2"


def test_a_welsh_members_batched_chat_email_stays_welsh_as_messages_join_it(cast: Cast) -> None:
    """The batch's opening line and its link survive the member's language, so later messages join the email."""
    from carecircle.conversations import services as conversations
    from tests.conversations.conftest import family_of

    User.objects.filter(pk=cast.organiser.pk).update(language="cy")
    for body in ("Dad ate well", "Back tomorrow"):
        conversations.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body=body)
    [email] = Delivery.objects.filter(recipient=cast.organiser, category="message", channel="email")
    text, _html = email.composed()
    assert text.startswith("Negeseuon newydd nad ydych wedi'u darllen eto:\n\n• Helper: Dad ate well\n")
    assert "• Helper: Back tomorrow\n\nAgorwch ef yn CareCircle: http" in text
    assert "Open it in CareCircle" not in text
    assert text.count("Agorwch ef yn CareCircle:") == 1
    english, _html = Delivery.objects.get(recipient=cast.person, category="message", channel="email").composed()
    assert english.startswith("New messages you haven't read yet:")
    assert "• Helper: Back tomorrow\n\nOpen it in CareCircle: http" in english


def test_a_push_says_its_fixed_line_in_the_members_language(cast: Cast) -> None:
    import json

    from carecircle.notifications.push import push_payload

    with translation.override("pl"):
        payload = json.loads(push_payload(category="help_needed", title="Pomoc", url="/x/"))
    assert payload["body"] == "Otwórz CareCircle, by odpowiedzieć, czy możesz pomóc."
    with translation.override("cy"):
        payload = json.loads(push_payload(category="news", title="Newyddion", url="/x/"))
    assert payload["body"] == "Agorwch CareCircle i'w ddarllen."


def test_the_notice_that_an_address_stopped_working_is_in_the_members_language(cast: Cast) -> None:
    from carecircle.notifications.channel_failing import member_channel_failing

    User.objects.filter(pk=cast.helper.pk).update(language="pl")
    with translation.override("cy"):  # whatever language the bounce arrives in
        member_channel_failing(
            user_id=cast.helper.pk, channel="email", address="h@example.org", reason="550", key="failing-pl"
        )
    notice = Notification.objects.get(key="failing-pl")
    assert notice.title == "Nie udało się dotrzeć na Twój adres e-mail h@example.org"
    assert notice.body.startswith("Wiadomości na ten adres były odrzucane")


def test_the_preferences_page_and_its_messages_speak_welsh(cast: Cast, as_user: Any) -> None:
    User.objects.filter(pk=cast.helper.pk).update(language="cy")
    client = as_user(cast.helper)
    pages = {
        "/notifications/preferences/": ("Help sydd ei angen", "Yn yr ap", "Neges destun", "Pryd mae newyddion yn"),
        "/notifications/preferences/when/": ("Oriau tawel", "Un e-bost y dydd", "Dydd Llun", "Newyddion brys"),
        "/notifications/preferences/push/": ("Help sydd ei angen", "Hysbysiadau gwthio ar y ddyfais hon"),
    }
    for address, words in pages.items():
        page = client.get(address).content.decode()
        for word in words:
            assert word in page, (address, word)
        assert "Push notification" not in page
        assert "Help that's needed" not in page
        assert "When news reaches you" not in page
    for address in ("/notifications/preferences/", "/notifications/preferences/when/"):
        saved = client.post(address, {"digest": "off", "quiet_from": "9pm", "quiet_until": ""})
        assert saved.status_code == 400
        assert "Rhowch ddechrau eich oriau tawel fel amser, er enghraifft 21:30." in saved.content.decode()
    resumed = client.post("/notifications/resume/email/", follow=True)
    assert "Byddwn yn dechrau anfon e-byst atoch eto." in resumed.content.decode()

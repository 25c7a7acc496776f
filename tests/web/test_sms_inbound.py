"""Texts members send: YES/NO/DONE with a code, STOP/START/HELP, messages for the circle, unknown numbers."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carecircle.conversations.models import Message
from carecircle.conversations.services import family_conversation
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, InboundText, TextOptOut
from carecircle.notifications.services import delivery_enqueue, delivery_send
from carecircle.notifications.sms_providers import twilio_signature
from carecircle.notifications.sms_text import MAX_SEGMENTS, segments
from carecircle.tasks.answers import occurrence_when
from carecircle.tasks.models import Assignment, Decline, OccurrenceChange, StandInAsk
from carecircle.tasks.reply_codes import reply_code_find
from tests.tasks.conftest import make_task, on_the_day

AUTH_TOKEN = "twilio-test-auth-token"
BEARER = "notify-inbound-bearer-token"
HELPER_MOBILE = "+447700900201"
OUTSIDER_MOBILE = "+447700900208"
STRANGER = "+447700900999"


@pytest.fixture(autouse=True)
def providers(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.NOTIFY_INBOUND_TOKEN = BEARER


@pytest.fixture
def texting(cast: Any) -> Any:
    """The helper and the outsider have mobiles saved."""
    for user, number in ((cast.helper, HELPER_MOBILE), (cast.outsider, OUTSIDER_MOBILE)):
        user.phone = number
        user.save(update_fields=["phone"])
    return cast


def twilio_text(client: Client, sender: str, body: str, *, sid: str = "", signature: str | None = None) -> Any:
    path = reverse("web:sms-inbound-twilio")
    params = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "From": sender, "To": "+447700900000", "Body": body}
    from django.conf import settings

    if signature is None:
        signature = twilio_signature(url=f"{settings.SITE_URL}{path}", params=params.items(), auth_token=AUTH_TOKEN)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def last_reply(number: str) -> str:
    delivery = Delivery.objects.filter(channel=Channel.SMS, to=number).order_by("-id").first()
    assert delivery is not None
    return delivery.body


def help_code(cast: Any, **task: Any) -> tuple[Any, str]:
    """A new task: the helper is texted about it, with a code to answer."""
    made = make_task(actor=cast.organiser, circle=cast.circle, **task)
    text = Delivery.objects.get(channel=Channel.SMS, to=HELPER_MOBILE, idempotency_key__startswith="task-new")
    match = re.search(r"Reply YES (\d{4}) to help\.$", text.body)
    assert match, text.body
    return made, match.group(1)


def test_a_helper_takes_the_help_by_replying_yes_and_gives_it_up_with_no(texting, client):
    task, code = help_code(texting)

    assert twilio_text(client, HELPER_MOBILE, f"yes {code}").status_code == 200
    assert Assignment.objects.filter(task=task, user=texting.helper, withdrawn_at__isnull=True).exists()
    assert last_reply(HELPER_MOBILE).startswith("Thank you: you're down for Lift to hospital on ")

    assert twilio_text(client, HELPER_MOBILE, f"NO {code}").status_code == 200
    assert not Assignment.objects.filter(task=task, user=texting.helper, withdrawn_at__isnull=True).exists()
    assert last_reply(HELPER_MOBILE).startswith("Done: you're no longer down for Lift to hospital")


def test_done_marks_the_occurrence_done_from_its_day_and_says_why_not_before(texting, client):
    task, code = help_code(texting)
    twilio_text(client, HELPER_MOBILE, f"YES {code}")

    twilio_text(client, HELPER_MOBILE, f"DONE {code}")
    assert not OccurrenceChange.objects.filter(task=task, done_at__isnull=False).exists()
    refusal = last_reply(HELPER_MOBILE)

    with on_the_day(task.start_date, hour=14):
        twilio_text(client, HELPER_MOBILE, f"DONE {code}")
    assert OccurrenceChange.objects.filter(task=task, done_at__isnull=False).exists()
    assert last_reply(HELPER_MOBILE).endswith("is marked done.")
    assert "Thank you" not in refusal


def test_a_code_from_another_circle_does_nothing_for_an_outsider(texting, client):
    task, code = help_code(texting)

    twilio_text(client, OUTSIDER_MOBILE, f"YES {code}")

    assert not Assignment.objects.filter(task=task).exists()
    assert last_reply(OUTSIDER_MOBILE) == (
        f"We couldn't find {code} in your circles. Check the number in our text, or reply HELP."
    )


def test_any_other_text_is_posted_in_the_family_conversation_as_sent_by_text(texting, client):
    twilio_text(client, HELPER_MOBILE, "Running 10 min late — tell Dad 🙂")

    message = Message.objects.get(conversation=family_conversation(circle=texting.circle))
    assert (message.author, message.body, message.via) == (texting.helper, "Running 10 min late — tell Dad 🙂", "sms")
    client.force_login(texting.organiser)
    page = client.get(reverse("conversations:family", kwargs={"circle_id": texting.circle.pk}))
    assert "sent by text" in page.content.decode()


def test_stop_is_honoured_on_every_path_until_start(texting, client, django_capture_on_commit_callbacks):
    twilio_text(client, HELPER_MOBILE, "STOP")
    assert TextOptOut.objects.filter(number=HELPER_MOBILE).exists()
    assert last_reply(HELPER_MOBILE).startswith("You won't get any more texts from CareCircle.")

    later = delivery_enqueue(channel=Channel.SMS, to=HELPER_MOBILE, body="Anything", idempotency_key="after-stop")
    assert delivery_send(delivery_id=later.pk) == "opted-out"
    with django_capture_on_commit_callbacks(execute=True):
        make_task(actor=texting.organiser, circle=texting.circle)
    help_text = Delivery.objects.get(to=HELPER_MOBILE, idempotency_key__startswith="task-new")
    assert help_text.status == DeliveryStatus.CANCELLED

    twilio_text(client, HELPER_MOBILE, "Start")
    assert not TextOptOut.objects.exists()
    again = delivery_enqueue(channel=Channel.SMS, to=HELPER_MOBILE, body="Anything", idempotency_key="after-start")
    assert delivery_send(delivery_id=again.pk) == "sent"


def test_an_unknown_number_gets_one_polite_reply_and_nothing_else(texting, client):
    for body in ("YES 1234", "hello?", "HELP"):
        assert twilio_text(client, STRANGER, body).status_code == 200

    [reply] = Delivery.objects.filter(to=STRANGER)
    assert reply.body.startswith("This number isn't linked to anyone in CareCircle")
    assert not Message.objects.exists()


def test_an_unknown_uk_number_is_answered_in_english_then_welsh_within_two_texts(texting, client):
    twilio_text(client, STRANGER, "YES 1234")

    english, welsh = last_reply(STRANGER).split(" Nid yw'r rhif hwn ")
    assert english == (
        "This number isn't linked to anyone in CareCircle, so we can't act on texts from it. "
        "Ask the person who invited you to check your number."
    )
    assert welsh.startswith("wedi'i gysylltu ag unrhyw un yn CareCircle")
    assert welsh.endswith("Gofynnwch i'r sawl a'ch gwahoddodd wirio eich rhif.")  # whole, not cut
    assert segments(last_reply(STRANGER)) <= MAX_SEGMENTS


def test_an_unknown_number_from_abroad_is_answered_in_english_only(texting, client):
    abroad = "+48221234567"
    twilio_text(client, abroad, "Dzień dobry")

    assert last_reply(abroad).startswith("This number isn't linked to anyone in CareCircle")
    assert "Nid yw" not in last_reply(abroad)
    assert segments(last_reply(abroad)) == 1


def test_help_explains_the_commands(texting, client):
    twilio_text(client, HELPER_MOBILE, "help")

    assert "reply YES and the number" in last_reply(HELPER_MOBILE)


def test_a_forged_signature_is_refused_and_changes_nothing(texting, client):
    response = twilio_text(client, HELPER_MOBILE, "STOP", signature="bm90IGEgc2lnbmF0dXJl")

    assert response.status_code == 403
    assert not InboundText.objects.exists()
    assert not TextOptOut.objects.exists()


def test_a_replayed_text_is_acted_on_once(texting, client):
    twilio_text(client, HELPER_MOBILE, "See you at 3", sid="SMsame")
    twilio_text(client, HELPER_MOBILE, "See you at 3", sid="SMsame")

    assert Message.objects.count() == 1


def test_a_burst_from_one_number_is_acted_on_up_to_the_hourly_limit(texting, client, settings):
    settings.SMS_INBOUND_PER_HOUR_PER_NUMBER = 3

    statuses = [twilio_text(client, HELPER_MOBILE, f"Message {number}").status_code for number in range(8)]

    assert statuses == [200] * 8
    assert Message.objects.count() == 3
    assert InboundText.objects.filter(outcome="refused").count() == 5


def test_notify_texts_need_the_bearer_token_and_json(texting, client):
    path = reverse("web:sms-inbound-notify")
    payload = {"id": str(uuid.uuid4()), "source_number": HELPER_MOBILE[1:], "message": "On my way"}

    forged = client.post(path, payload, content_type="application/json", HTTP_AUTHORIZATION="Bearer wrong")
    broken = client.post(path, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {BEARER}")
    good = client.post(path, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {BEARER}")

    assert (forged.status_code, broken.status_code, good.status_code) == (403, 400, 200)
    assert broken.content.decode() == "The body must be JSON."
    assert Message.objects.get().body == "On my way"


def test_a_malformed_sender_gets_a_clear_400(texting, client):
    response = twilio_text(client, "not-a-number", "YES 1234")

    assert response.status_code == 400
    assert response.content.decode() == "The sender's number is missing or not in international format."


def stand_in_code(cast: Any) -> tuple[Any, str]:
    """The organiser can't cover a lift they were going to: the helper and the person are asked, the helper by text."""
    from django.utils import timezone

    from carecircle.tasks.rota_services import stand_ins_set, unavailability_declare
    from carecircle.tasks.services import task_volunteer

    stand_ins_set(
        actor=cast.organiser, circle=cast.circle, user_ids=[cast.helper.pk, cast.person.pk, cast.paid_carer.pk]
    )
    lift = make_task(actor=cast.organiser, circle=cast.circle, title="Lift")
    task_volunteer(actor=cast.organiser, task=lift, occurrence_date=lift.start_date)
    now = timezone.now()
    unavailability_declare(actor=cast.organiser, circle=cast.circle, starts_at=now, ends_at=now + timedelta(days=5))
    text = Delivery.objects.get(channel=Channel.SMS, to=HELPER_MOBILE, idempotency_key__startswith="cant-cover-")
    match = re.search(r"Reply YES (\d{4}) to help\.$", text.body)
    assert match, text.body
    return lift, match.group(1)


def test_no_from_a_stand_in_records_their_no_and_asks_the_next_at_once(texting, client):
    lift, code = stand_in_code(texting)
    assert not StandInAsk.objects.filter(task=lift, user=texting.paid_carer).exists()

    twilio_text(client, HELPER_MOBILE, f"NO {code}")

    assert Decline.objects.filter(task=lift, occurrence_date=lift.start_date, user=texting.helper).exists()
    assert StandInAsk.objects.filter(task=lift, user=texting.paid_carer).exists()
    assert last_reply(HELPER_MOBILE).startswith("Thanks for letting us know. We won't ask you about Lift on ")
    twilio_text(client, HELPER_MOBILE, f"NO {code}")
    assert last_reply(HELPER_MOBILE).startswith("You've already said you can't do Lift on ")


def test_yes_from_someone_already_going_says_so_and_changes_nothing(texting, client):
    task, code = help_code(texting)
    twilio_text(client, HELPER_MOBILE, f"YES {code}")

    twilio_text(client, HELPER_MOBILE, f"YES {code}")

    assert Assignment.objects.filter(task=task, user=texting.helper).count() == 1
    assert last_reply(HELPER_MOBILE).startswith("You're already down for Lift to hospital on ")


def test_a_code_for_a_cancelled_or_past_occurrence_gets_a_short_clear_answer(texting, client):
    from carecircle.tasks.services import task_cancel

    task, code = help_code(texting)
    with on_the_day(task.start_date + timedelta(days=1)):
        twilio_text(client, HELPER_MOBILE, f"YES {code}")
    passed = last_reply(HELPER_MOBILE)
    task_cancel(actor=texting.organiser, task=task)
    twilio_text(client, HELPER_MOBILE, f"YES {code}")

    assert not Assignment.objects.filter(task=task).exists()
    assert passed.startswith("Lift to hospital on ")
    assert passed.endswith("has already started or passed, so nothing changed.")
    assert last_reply(HELPER_MOBILE).endswith("was cancelled, so nothing changed.")
    assert len(passed) <= 160


@pytest.mark.parametrize(
    ("language", "taken", "gave_up"),
    [
        ("cy", "Diolch: rydych chi wedi'ch rhestru ar gyfer ", "Wedi'i wneud: dydych chi ddim wedi'ch rhestru"),
        ("pl", "Dziękujemy: zapisano Cię na ", "Gotowe: skreślono Cię z listy ("),
        ("en-gb", "Thank you: you're down for ", "Done: you're no longer down for "),
    ],
)
def test_a_member_is_answered_in_their_own_language_command_words_kept(texting, client, language, taken, gave_up):
    task, code = help_code(texting)
    texting.helper.language = language
    texting.helper.save(update_fields=["language"])
    found = reply_code_find(user=texting.helper, code=code)
    assert found is not None
    with translation.override(language):
        when = occurrence_when(task, found.occurrence_date)

    twilio_text(client, HELPER_MOBILE, f"YES {code}")
    reply = last_reply(HELPER_MOBILE)
    assert reply.startswith(taken), reply
    assert f"NO {code}" in reply  # the word to type back stays English
    assert segments(reply) <= MAX_SEGMENTS
    assert when in reply
    if language != "en-gb":
        assert " on " not in reply  # the wrapped `when` is in the member's language too

    twilio_text(client, HELPER_MOBILE, f"NO {code}")
    assert last_reply(HELPER_MOBILE).startswith(gave_up)

    twilio_text(client, HELPER_MOBILE, "HELP")
    help_reply = last_reply(HELPER_MOBILE)
    assert "YES" in help_reply
    assert "STOP" in help_reply
    assert segments(help_reply) <= MAX_SEGMENTS
    assert ("reply YES and the number" in help_reply) == (language == "en-gb")


def test_a_refusal_from_the_tasks_area_reaches_a_welsh_member_in_welsh(texting, client):
    task, code = help_code(texting)
    texting.helper.language = "cy"
    texting.helper.save(update_fields=["language"])
    twilio_text(client, HELPER_MOBILE, f"YES {code}")
    twilio_text(client, HELPER_MOBILE, f"YES {code}")
    assert last_reply(HELPER_MOBILE).startswith("Rydych chi eisoes wedi'ch rhestru ar gyfer ")

    from carecircle.tasks.services import task_cancel

    task_cancel(actor=texting.organiser, task=task)
    twilio_text(client, HELPER_MOBILE, f"DONE {code}")
    refusal = last_reply(HELPER_MOBILE)
    assert refusal.startswith("Cafodd Lift to hospital, "), refusal  # the tasks area's `when`, in Welsh
    assert refusal.endswith("ei ganslo, felly does dim wedi newid.")

    twilio_text(client, HELPER_MOBILE, "YES 99999")
    assert last_reply(HELPER_MOBILE) == (
        "Doedd dim modd dod o hyd i 99999 yn eich cylchoedd. Gwiriwch y rhif yn ein neges, neu atebwch HELP."
    )


def test_stop_answers_a_polish_member_in_polish_and_a_stranger_in_english(texting, client):
    texting.helper.language = "pl"
    texting.helper.save(update_fields=["language"])
    twilio_text(client, HELPER_MOBILE, "STOP")
    assert last_reply(HELPER_MOBILE).startswith("Nie dostaniesz już SMS-ów od CareCircle. Odpisz START")
    twilio_text(client, STRANGER, "STOP")
    assert last_reply(STRANGER).startswith("You won't get any more texts from CareCircle.")


@pytest.mark.parametrize(
    ("languages", "reply"),
    [
        (("cy", "cy"), "Mae'r rhif hwn yn perthyn i fwy nag un cyfrif CareCircle, felly atebwch yn yr ap."),
        (("pl", "pl"), "Ten numer należy do kilku kont CareCircle, więc odpowiedz w aplikacji."),
        (("cy", "pl"), "This number belongs to more than one CareCircle account, so please answer in the app."),
    ],
)
def test_a_shared_number_is_answered_in_its_accounts_language_when_they_agree(texting, client, languages, reply):
    for user, language in zip((texting.helper, texting.outsider), languages, strict=True):
        user.phone = HELPER_MOBILE
        user.language = language
        user.save(update_fields=["phone", "language"])

    twilio_text(client, HELPER_MOBILE, "YES 1234")

    answer = last_reply(HELPER_MOBILE)
    assert answer == reply
    assert segments(answer) <= MAX_SEGMENTS
    assert InboundText.objects.get(sender=HELPER_MOBILE).outcome == "ambiguous"

"""A member whose number a text provider refuses reads why in their own language, not the provider's English.

docs/architecture/i18n.md, "Refusals from text and mail providers".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.channel_failing import member_channel_failing
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus, NotificationSettings
from carecircle.notifications.services import delivery_send
from carecircle.notifications.sms_status import text_status_record
from tests.cast import make_user
from tests.circles.conftest import text_of
from tests.notifications.test_sms_providers import queue_text
from tests.web.test_error_pages_languages import speak

pytest_plugins = ["tests.notifications.test_sms_providers"]

INVALID_NUMBER = "+15550100001"
OPTED_OUT_NUMBER = "+15550200001"


def member(language: str, phone: str) -> User:
    user = make_user("nina", display_name="Nina Neighbour")
    user.phone = phone
    user.save(update_fields=["phone"])
    speak(user, language)
    return user


def failing_notice(as_user: Any, user: User) -> str:
    return text_of(as_user(user).get(reverse("notifications:preferences")))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "number", "language", "expected"),
    [
        ("twilio", INVALID_NUMBER, "cy", "Dywedodd y gwasanaeth negeseuon testun nad yw'r rhif yn bod"),
        ("notify", INVALID_NUMBER, "pl", "Dostawca SMS-ów odpowiedział, że ten numer nie istnieje"),
        (
            "twilio",
            OPTED_OUT_NUMBER,
            "cy",
            "Mae'r rhif wedi gofyn i beidio â chael ein negeseuon testun (atebodd STOP).",
        ),
        ("twilio", OPTED_OUT_NUMBER, "pl", "Z tego numeru poproszono, by nie wysyłać na niego naszych SMS-ów"),
        ("twilio", OPTED_OUT_NUMBER, "en-gb", "The number has asked not to receive our texts (it replied STOP)."),
    ],
)
def test_a_refused_number_is_explained_in_the_members_language(
    backend: str, number: str, language: str, expected: str, request: pytest.FixtureRequest, as_user: Any
) -> None:
    request.getfixturevalue(backend)
    nina = member(language, number)
    delivery = queue_text("Hello", to=number, recipient_id=nina.pk)

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    page = failing_notice(as_user, nina)
    assert expected in page
    # The provider's own answer is kept for operators, never shown to the member.
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "refused" in delivery.last_error
    assert delivery.last_error not in page
    for provider_words in ("refused +", "21610", "21211"):
        assert provider_words not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("cy", "Doedd y rhwydwaith ffôn ddim yn gallu danfon negeseuon testun i'r rhif."),
        ("pl", "Sieć komórkowa nie mogła dostarczyć SMS-ów na ten numer."),
    ],
)
def test_a_text_the_network_could_not_deliver_is_explained_without_the_providers_code(
    language: str, expected: str, as_user: Any
) -> None:
    nina = member(language, "+447700900123")
    Delivery.objects.create(
        channel=Channel.SMS,
        to=nina.phone,
        body="Can you help?",
        idempotency_key="status-1",
        recipient=nina,
        category="help_needed",
        status=DeliveryStatus.SENT,
        provider_id="SM1",
    )

    assert text_status_record(sid="SM1", status="undelivered", error_code=30005) == "marked"

    page = failing_notice(as_user, nina)
    assert expected in page
    assert "30005" not in page


@pytest.mark.django_db
def test_each_notice_gives_the_reason_only_when_it_is_its_own_channels(as_user: Any) -> None:
    nina = member("pl", "+447700900123")
    member_channel_failing(
        user_id=nina.pk,
        channel=Channel.EMAIL,
        address=nina.email,
        reason="The mail server said the address can't receive mail.",
        key="email-1",
    )
    member_channel_failing(
        user_id=nina.pk,
        channel=Channel.SMS,
        address=nina.phone,
        reason="The phone network couldn't deliver texts to the number.",
        key="sms-1",
    )

    page = failing_notice(as_user, nina)

    assert NotificationSettings.objects.get(user=nina).failing_reason.startswith("The phone network")
    assert "Sieć komórkowa nie mogła dostarczyć SMS-ów na ten numer." in page
    # The email notice no longer claims the texts' reason as its own.
    assert "(Sieć komórkowa" not in page
    assert page.count("Sieć komórkowa") == 1

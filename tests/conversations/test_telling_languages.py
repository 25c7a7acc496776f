"""Chat notifications are written in each recipient's language, whoever posted and from which page."""

from __future__ import annotations

from django.utils import translation

from carecircle.conversations import services
from carecircle.notifications.models import Notification
from tests.cast import Cast
from tests.conversations.conftest import family_of


def test_a_new_message_is_told_to_each_member_in_their_own_language(cast: Cast) -> None:
    cast.helper.language = "cy"
    cast.helper.save(update_fields=["language"])
    cast.organiser.language = "en-gb"
    cast.organiser.save(update_fields=["language"])

    # Posted from a Polish page: neither the poster's page nor the process language decides.
    with translation.override("pl"):
        posted = services.message_post(actor=cast.person, where=family_of(cast, cast.person), body="Tea at four?")

    titles = dict(
        Notification.objects.filter(key__startswith=f"message-{posted.message.pk}-").values_list(
            "recipient_id", "title"
        )
    )
    name = cast.person.display_name
    assert titles[cast.helper.pk] == f"Ysgrifennodd {name} yn sgwrs y teulu"
    assert titles[cast.organiser.pk] == f"{name} wrote in the family conversation"


def test_a_mention_is_told_in_the_recipients_language(cast: Cast) -> None:
    cast.helper.language = "pl"
    cast.helper.save(update_fields=["language"])
    where = family_of(cast, cast.organiser)
    posted = services.message_post(actor=cast.organiser, where=where, body="@Helper can you?")

    titles = list(
        Notification.objects.filter(recipient=cast.helper, category="mention").values_list("title", flat=True)
    )
    assert titles == [f"{cast.organiser.display_name} wspomina o Tobie"], posted.message.mentions

"""What the activity log says about conversations: plain sentences, never the words of a message."""

from __future__ import annotations

from carecircle.audit.display import entry_sentence
from carecircle.audit.models import AuditEntry
from carecircle.circles.access import access_circle
from carecircle.conversations import services
from tests.cast import Cast
from tests.conversations.conftest import family_of, news_of


def _sentences() -> list[str]:
    actions = ("update.posted", "message.removed", "visitors.changed", "thanks.sent")
    return [entry_sentence(entry) for entry in AuditEntry.objects.filter(action__in=actions).order_by("id")]


def test_the_log_describes_updates_removals_visitors_and_thanks(cast: Cast) -> None:
    services.message_post(actor=cast.organiser, where=news_of(cast, cast.organiser), title="Home again", body="x")
    rude = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Private words").message
    services.message_remove(actor=cast.organiser, where=family_of(cast, cast.organiser), message=rude)
    own = services.message_post(actor=cast.helper, where=family_of(cast, cast.helper), body="Typo").message
    services.message_remove(actor=cast.helper, where=family_of(cast, cast.helper), message=own)
    organiser = access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    services.visitors_set(actor=cast.organiser, access=organiser, status="ask_first")
    services.thanks_send(actor=cast.organiser, circle=cast.circle, recipient=cast.helper, subject_label="Sunday lunch")
    assert _sentences() == [
        "Olivia Organiser posted the update “Home again”",
        "Olivia Organiser removed a message by Helper",
        "Helper removed a message they wrote",
        "Olivia Organiser said visitors should ask first",
        "Olivia Organiser thanked Helper for “Sunday lunch”",
    ]
    assert not AuditEntry.objects.filter(data__icontains="Private words").exists()


def test_chat_messages_and_reactions_are_not_audited(cast: Cast) -> None:
    before = AuditEntry.objects.count()
    where = family_of(cast, cast.helper)
    message = services.message_post(actor=cast.helper, where=where, body="Hello").message
    services.reaction_set(actor=cast.helper, where=where, message=message, kind="heart", on=True)
    services.message_edit(actor=cast.helper, where=where, message=message, body="Hello all")
    assert AuditEntry.objects.count() == before

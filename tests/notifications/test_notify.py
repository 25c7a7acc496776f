"""notify(): who hears what, on which channel and when; one service every area calls."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from channels.layers import get_channel_layer
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.circles.models import Circle, Membership, Role
from carecircle.conversations import services as conversations
from carecircle.lib import hooks
from carecircle.notifications.models import (
    ConversationMute,
    Delivery,
    Digest,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from carecircle.notifications.notify import notify, quiet_until
from tests.cast import Cast
from tests.conversations.conftest import family_of, news_of


def told(key: str) -> set[int]:
    return set(Notification.objects.filter(key__startswith=f"{key}-").values_list("recipient_id", flat=True))


def emailed(key: str) -> set[str]:
    return set(Delivery.objects.filter(idempotency_key__startswith=f"{key}-email-").values_list("to", flat=True))


def test_news_reaches_everyone_who_reads_updates_but_not_the_author(cast: Cast) -> None:
    ids = notify(category="news", circle=cast.circle, key="news-1", title="News", actor=cast.organiser)
    assert cast.organiser.pk not in ids
    assert told("news-1") == set(ids)
    assert cast.helper.pk in ids
    assert cast.well_wisher.pk in ids
    assert cast.outsider.pk not in ids
    # Professionals read the news in the app but get no email of it unless they ask.
    assert cast.professional.email not in emailed("news-1")
    assert cast.helper.email in emailed("news-1")


def test_capability_limits_who_hears(cast: Cast) -> None:
    ids = notify(category="visit_concern", circle=cast.circle, key="c-1", title="Worry", capability="tasks.manage")
    assert set(ids) == {cast.organiser.pk, cast.person.pk}


def test_a_members_own_choice_overrides_their_roles_default(cast: Cast) -> None:
    NotificationPreference.objects.create(user=cast.helper, category="news", channel="email", enabled=False)
    NotificationPreference.objects.create(user=cast.professional, category="news", channel="email", enabled=True)
    NotificationPreference.objects.create(user=cast.well_wisher, category="news", channel="app", enabled=False)
    notify(category="news", circle=cast.circle, key="news-2", title="News")
    assert cast.helper.email not in emailed("news-2")
    assert cast.professional.email in emailed("news-2")
    assert cast.well_wisher.pk not in told("news-2")


def test_a_saved_mobile_gets_help_requests_by_text(cast: Cast) -> None:
    User.objects.filter(pk=cast.helper.pk).update(phone="+447700900123")
    notify(category="help_needed", circle=cast.circle, key="ask-1", title="Can you help?", url="/x/")
    [text] = Delivery.objects.filter(idempotency_key__startswith="ask-1-sms-")
    assert text.to == "+447700900123"
    assert text.body.startswith("Can you help? http")


def test_the_same_key_tells_nobody_twice(cast: Cast) -> None:
    for _ in range(2):
        notify(category="news", circle=cast.circle, key="news-3", title="News")
    assert Notification.objects.filter(key__startswith="news-3-", recipient=cast.helper).count() == 1
    assert Delivery.objects.filter(idempotency_key=f"news-3-email-{cast.helper.pk}").count() == 1


def test_a_muted_conversation_sends_nothing(cast: Cast) -> None:
    ConversationMute.objects.create(user=cast.helper, conversation_id=77)
    ids = notify(category="message", circle=cast.circle, key="m-1", title="Hi", conversation_id=77)
    assert cast.helper.pk not in ids
    assert cast.helper.pk not in told("m-1")


def test_a_failing_address_and_digest_mode_stop_emails_now(cast: Cast) -> None:
    NotificationSettings.objects.create(user=cast.helper, email_failing_since=timezone.now())
    NotificationSettings.objects.create(user=cast.organiser, digest=Digest.DAILY)
    notify(category="news", circle=cast.circle, key="news-4", title="News")
    assert {cast.helper.email, cast.organiser.email}.isdisjoint(emailed("news-4"))
    assert {cast.helper.pk, cast.organiser.pk} <= told("news-4")
    # Urgent news still goes by email in digest mode.
    notify(category="checkin", circle=cast.circle, key="urgent-1", title="Struggling", user_ids=[cast.organiser.pk])
    assert emailed("urgent-1") == {cast.organiser.email}


@pytest.mark.parametrize(
    ("local", "expected_end"),
    [
        ("2026-06-01 23:30", "2026-06-02 07:00"),  # after the start, before midnight
        ("2026-06-02 06:59", "2026-06-02 07:00"),  # after midnight
        ("2026-06-02 07:00", None),  # over
        ("2026-06-02 12:00", None),
    ],
)
def test_quiet_hours_are_read_on_the_members_own_clock(local: str, expected_end: str | None) -> None:
    row = NotificationSettings(quiet_from=datetime.time(22), quiet_until=datetime.time(7))
    zone = "America/New_York"
    from zoneinfo import ZoneInfo

    now = datetime.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    end = quiet_until(row, zone, now)
    if expected_end is None:
        assert end is None
    else:
        assert end == datetime.datetime.fromisoformat(expected_end).replace(tzinfo=ZoneInfo(zone))


def test_quiet_hours_delay_emails_but_not_urgent_ones(cast: Cast) -> None:
    NotificationSettings.objects.create(
        user=cast.helper, quiet_from=datetime.time(0), quiet_until=datetime.time(23, 59)
    )
    NotificationSettings.objects.create(
        user=cast.organiser, quiet_from=datetime.time(0), quiet_until=datetime.time(23, 59)
    )
    with time_machine.travel(datetime.datetime(2026, 6, 1, 11, tzinfo=datetime.UTC), tick=False):
        notify(category="news", circle=cast.circle, key="news-5", title="News", user_ids=[cast.helper.pk])
        notify(category="checkin", circle=cast.circle, key="urgent-2", title="Hard", user_ids=[cast.organiser.pk])
    news = Delivery.objects.get(idempotency_key__startswith="news-5-email-")
    assert news.status == "queued"
    assert news.not_before == datetime.datetime(2026, 6, 1, 22, 59, tzinfo=datetime.UTC)  # 23:59 in London (BST)
    assert Delivery.objects.get(idempotency_key__startswith="urgent-2-email-").not_before is None


def big_circle(size: int) -> Circle:
    owner = User.objects.create_user(f"owner{size}@example.org", display_name="Owner")
    circle = Circle.objects.create(person_name="Mum")
    users = User.objects.bulk_create(
        [User(email=f"m{size}-{n}@example.org", display_name=f"Member {n}") for n in range(size - 1)]
    )
    roles = [Role.HELPER, Role.WELL_WISHER, Role.PAID_CARER, Role.PROFESSIONAL]
    Membership.objects.create(circle=circle, user=owner, role=Role.ORGANISER)
    Membership.objects.bulk_create(
        [Membership(circle=circle, user=user, role=roles[n % len(roles)]) for n, user in enumerate(users)]
    )
    # Mixed preferences: some turned email off, some have quiet hours, some a failing address.
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, category="news", channel="email", enabled=False) for user in users[::3]]
    )
    NotificationSettings.objects.bulk_create(
        [
            NotificationSettings(user=user, quiet_from=datetime.time(22), quiet_until=datetime.time(7))
            for user in users[1::5]
        ]
    )
    return circle


@pytest.mark.parametrize("size", [6, 60])
def test_fan_out_costs_the_same_queries_for_6_or_60_members(db: Any, size: int, django_assert_num_queries: Any) -> None:
    circle = big_circle(size)
    with django_assert_num_queries(9):
        # memberships, mutes, preferences, settings; notifications; known delivery keys; savepoint, insert, release
        ids = notify(category="news", circle=circle, key="big", title="News", conversation_id=5)
    assert len(ids) == size
    assert Notification.objects.filter(key__startswith="big-").count() == size


@pytest.mark.parametrize("size", [6, 60])
def test_fan_out_sends_one_live_event_for_6_or_60_members(
    db: Any, size: int, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unread badges of everyone told are refreshed by one channel-layer send, not one per member."""
    circle = big_circle(size)
    layer = get_channel_layer()
    sent: list[tuple[str, dict[str, Any]]] = []
    group_send = layer.group_send

    async def counting(group: str, message: dict[str, Any]) -> None:
        sent.append((group, message))
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting)
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify(category="news", circle=circle, key="big", title="News")
    [(group, message)] = sent
    assert group == f"circle.{circle.pk}"
    assert message["event"] == {"type": "notification", "circle": circle.pk, "for_users": sorted(ids)}
    assert len(ids) == size


def test_domain_apps_reach_notify_only_through_the_hook() -> None:
    assert hooks._functions["notify"] is notify


def test_a_message_in_the_family_conversation_tells_the_others(cast: Cast) -> None:
    where = family_of(cast, cast.helper)
    posted = conversations.message_post(actor=cast.helper, where=where, body="Dad had a good lunch @Olivia")
    key = f"message-{posted.message.pk}"
    assert cast.helper.pk not in told(key)
    assert cast.person.pk in told(key)
    assert posted.message.mentions == [cast.organiser.pk]
    # A mention is told once, as a mention, not again as a plain message.
    assert told(f"mention-{posted.message.pk}") == {cast.organiser.pk}
    assert cast.organiser.pk not in told(key)


def test_an_update_in_the_news_tells_the_readers(cast: Cast) -> None:
    where = news_of(cast, cast.organiser)
    posted = conversations.message_post(actor=cast.organiser, where=where, body="Home from hospital", title="Home")
    assert cast.well_wisher.pk in told(f"update-{posted.message.pk}")


def test_a_struggling_checkin_tells_the_organisers_and_the_person_only(cast: Cast) -> None:
    from carecircle.circles.access import access_circle

    access = access_circle(user=cast.helper, circle_id=cast.circle.pk)
    checkin, _ = conversations.checkin_post(actor=cast.helper, access=access, feeling=2, audience="organisers")
    assert told(f"checkin-{checkin.pk}") == {cast.organiser.pk, cast.person.pk}
    fine, _ = conversations.checkin_post(actor=cast.helper, access=access, feeling=4, audience="organisers")
    assert told(f"checkin-{fine.pk}") == set()


def test_texts_stop_at_the_daily_cap_except_urgent_ones(cast: Cast, settings: Any) -> None:
    settings.SMS_DAILY_CAP = 2
    User.objects.filter(pk=cast.organiser.pk).update(phone="+447700900123")
    for number in range(3):
        notify(
            category="help_needed", circle=cast.circle, key=f"cap-{number}", title="Help?", user_ids=[cast.organiser.pk]
        )
    notify(category="checkin", circle=cast.circle, key="cap-urgent", title="Struggling", user_ids=[cast.organiser.pk])
    texts = Delivery.objects.filter(channel="sms", recipient=cast.organiser).values_list("idempotency_key", flat=True)
    assert sorted(key.split("-sms-")[0] for key in texts) == ["cap-0", "cap-1", "cap-urgent"]


def test_a_callers_render_gets_each_members_whole_account(cast: Cast) -> None:
    """notify(render=...) hands the caller's render the member's account, as it did before members were rows."""
    seen: list[User] = []

    def render(user: User) -> tuple[str, str]:
        seen.append(user)
        return "Your shift", f"Hello {user.display_name}, {user.date_joined.year}"

    notify(
        category="news", circle=cast.circle, key="news-render", title="News", render=render, user_ids=[cast.helper.pk]
    )

    assert [type(user) for user in seen] == [User]
    assert seen[0].pk == cast.helper.pk
    [email] = Delivery.objects.filter(idempotency_key=f"news-render-email-{cast.helper.pk}")
    assert f"Hello {cast.helper.display_name}, {cast.helper.date_joined.year}" in email.body

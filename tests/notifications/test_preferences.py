"""The preferences page and API, one-click "stop these emails" (RFC 8058) and "mute this conversation"."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from carecircle.accounts.models import User
from carecircle.notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from carecircle.notifications.notify import notify
from carecircle.notifications.preferences import mute_token, unsubscribe_token
from tests.cast import Cast


def test_the_page_shows_role_defaults_and_saves_choices(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="news.email" id="on-news.email" checked' in page
    # No mobile saved: texts can't be chosen, and the page says how to get them.
    assert re.search(r'value="help_needed.sms"[^>]*disabled', page)
    assert "<legend>Someone is struggling (urgent)</legend>" in page
    when = client.get(reverse("notifications:preferences_when")).content.decode()
    assert "Urgent news — someone is struggling, visit concerns — comes the ways you ticked." in when
    response = client.post(
        reverse("notifications:preferences"),
        {"on": ["news.app", "mention.email"], "quiet_from": "21:30", "quiet_until": "07:00", "digest": "daily"},
    )
    assert response.status_code == 302
    chosen = dict(
        NotificationPreference.objects.filter(user=cast.helper)
        .values_list("category", "enabled")
        .filter(channel="email")
    )
    assert chosen["news"] is False
    assert chosen["mention"] is True
    row = NotificationSettings.objects.get(user=cast.helper)
    assert (str(row.quiet_from), str(row.quiet_until), row.digest) == ("21:30:00", "07:00:00", "daily")


def test_bad_input_on_the_page_is_a_clear_400(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    for data, message in [
        ({"quiet_from": "21:30"}, "both the start and the end"),
        ({"quiet_from": "late", "quiet_until": "07:00"}, "as a time"),
        ({"on": ["fax.email"]}, "no choice called"),
        ({"digest": "hourly"}, "how often"),
    ]:
        response = client.post(reverse("notifications:preferences"), data)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_api_reads_and_writes_the_same_choices(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.helper)
    url = "/api/v1/notifications/preferences"
    body = {"enabled": {"news": {"app": True, "sms": True}}, "quiet_from": "22:00", "quiet_until": "06:30"}
    response = client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    data = client.get(url).json()
    assert data["enabled"]["news"] == {"app": True, "email": False, "sms": True, "push": False}
    assert data["enabled"]["thanks"]["email"] is False
    assert data["quiet_from"] == "22:00:00"
    assert "checkin" in data["urgent"]
    bad = client.put(url, json.dumps({"enabled": {"nope": {"email": True}}}), content_type="application/json")
    assert bad.status_code in (400, 422)


def test_every_notification_email_has_one_click_unsubscribe_that_works_without_sign_in(
    cast: Cast, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(category="news", circle=cast.circle, key="n-1", title="News", user_ids=[cast.helper.pk])
    [message] = [message for message in mail.outbox if message.to == [cast.helper.email]]
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = header.strip("<>")
    assert f"Stop these emails: {stop}" in message.body
    path = stop.removeprefix("http://127.0.0.1:8000")
    # A bare GET (a mail scanner) changes nothing; the one-click POST, with no session or CSRF token, stops them.
    assert client.get(path).status_code == 200
    assert not NotificationPreference.objects.filter(user=cast.helper, category="news", enabled=False).exists()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=cast.helper, category="news", channel="email").enabled is False
    with django_capture_on_commit_callbacks(execute=True):
        notify(category="news", circle=cast.circle, key="n-2", title="News", user_ids=[cast.helper.pk])
    assert not Delivery.objects.filter(idempotency_key__startswith="n-2-email-").exists()
    assert Notification.objects.filter(key__startswith="n-2-", recipient=cast.helper).exists()


def test_an_altered_link_is_refused_clearly(cast: Cast, client: Any) -> None:
    token = unsubscribe_token(user_id=cast.helper.pk, category="news")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(reverse("notifications:stop_emails", kwargs={"token": forged}))
    assert response.status_code == 400
    assert "isn't valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_mute_this_conversation_and_undo(cast: Cast, client: Any) -> None:
    path = reverse("notifications:mute", kwargs={"token": mute_token(user_id=cast.helper.pk, conversation_id=9)})
    assert client.get(path).status_code == 200
    assert not ConversationMute.objects.exists()
    client.post(path)
    assert ConversationMute.objects.filter(user=cast.helper, conversation_id=9).exists()
    client.post(path, {"undo": "1"})
    assert not ConversationMute.objects.exists()


def test_the_list_marks_what_was_seen_as_read_and_the_count_follows(cast: Cast, as_user: Any) -> None:
    notify(category="news", circle=cast.circle, key="n-3", title="Dad is home", user_ids=[cast.helper.pk])
    client = as_user(cast.helper)
    assert client.get(reverse("notifications:unread")).json() == {"unread": 1, "label": "1 new"}
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Dad is home" in page
    assert "New" in page
    assert client.get(reverse("notifications:unread")).json() == {"unread": 0, "label": ""}
    assert "New</strong>" not in client.get(reverse("notifications:list")).content.decode()


def test_mark_all_read_marks_only_your_own(cast: Cast, as_user: Any) -> None:
    notify(category="news", circle=cast.circle, key="n-5", title="News", user_ids=[cast.helper.pk, cast.organiser.pk])
    organisers_unread = Notification.objects.filter(recipient=cast.organiser, read_at__isnull=True).count()
    response = as_user(cast.helper).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=cast.helper, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.organiser, read_at__isnull=True).count() == organisers_unread > 0


def test_the_api_marks_only_your_own_notifications_read(cast: Cast, as_user: Any) -> None:
    notify(category="news", circle=cast.circle, key="n-4", title="News")
    mine = Notification.objects.get(key=f"n-4-{cast.helper.pk}")
    theirs = Notification.objects.get(key=f"n-4-{cast.organiser.pk}")
    client = as_user(cast.helper)
    body = json.dumps({"ids": [mine.pk, theirs.pk]})
    response = client.post("/api/v1/notifications/read", body, content_type="application/json")
    assert response.json() == {"marked": 1}
    assert client.get("/api/v1/notifications").json()["unread"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = client.post("/api/v1/notifications/read", "[null, null]", content_type="application/json")
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["1 new", "2 new", "5 new"]),
        ("cy", ["1 newydd", "2 newydd", "5 newydd"]),
        ("pl", ["1 nowe", "2 nowe", "5 nowych"]),
    ],
)
def test_the_headers_count_is_worded_in_the_members_language(
    cast: Cast, as_user: Any, language: str, labels: list[str]
) -> None:
    User.objects.filter(pk=cast.helper.pk).update(language=language)
    client = as_user(cast.helper)
    seen = []
    for number, total in enumerate((1, 2, 5)):
        while Notification.objects.filter(recipient=cast.helper).count() < total:
            key = f"n-count-{number}-{Notification.objects.count()}"
            notify(category="news", circle=cast.circle, key=key, title="News", user_ids=[cast.helper.pk])
        seen.append(client.get(reverse("notifications:unread")).json()["label"])
    assert seen == labels


def test_organisation_work_is_offered_only_to_organisation_staff_with_app_and_email_on(
    cast: Cast, as_user: Any
) -> None:
    helper_page = as_user(cast.helper).get(reverse("notifications:preferences")).content.decode()
    assert "Referrals and organisation work" not in helper_page
    assert "organisation_work" not in helper_page
    staff_page = as_user(cast.org_staff).get(reverse("notifications:preferences")).content.decode()
    assert "Referrals and organisation work" in staff_page
    assert 'value="organisation_work.app" id="on-organisation_work.app" checked' in staff_page
    assert 'value="organisation_work.email" id="on-organisation_work.email" checked' in staff_page


def test_someone_not_on_a_staff_cannot_choose_organisation_work_and_keeps_an_earlier_choice(
    cast: Cast, as_user: Any
) -> None:
    kept = NotificationPreference.objects.create(
        user=cast.helper, category="organisation_work", channel="email", enabled=False
    )
    client = as_user(cast.helper)
    refused = client.post(reverse("notifications:preferences"), {"on": ["organisation_work.app"], "digest": "off"})
    assert refused.status_code == 400
    assert "no choice called" in refused.content.decode()
    assert client.post(reverse("notifications:preferences"), {"on": ["news.app"], "digest": "off"}).status_code == 302
    assert NotificationPreference.objects.filter(pk=kept.pk, enabled=False).exists()


def test_staff_save_their_choice_for_organisation_work(cast: Cast, as_user: Any) -> None:
    client = as_user(cast.org_staff)
    response = client.post(reverse("notifications:preferences"), {"on": ["organisation_work.app"], "digest": "off"})
    assert response.status_code == 302
    chosen = dict(
        NotificationPreference.objects.filter(user=cast.org_staff, category="organisation_work").values_list(
            "channel", "enabled"
        )
    )
    assert chosen == {"app": True, "email": False, "sms": False, "push": False}


def test_the_staff_check_costs_no_query_of_its_own(cast: Cast, as_user: Any) -> None:
    """Staff, circle members and both read each preferences page in the same queries: the staff check is folded in.

    Before, asking the organisations whether an account is staff was one more query on every visit.
    The page of what you hear about reads the session, the member, roles, choices and settings (5);
    the "when" page also lists urgent news sent another way (notifications/instead.py); the push page
    also reads the member's devices and the push key.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carecircle.orgs.models import OrganisationStaff
    from carecircle.orgs.services import organisation_staff_add

    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    # In a circle and on an organisation's staff: the circle role and STAFF come from the one query.
    organisation_staff_add(actor=None, organisation=organisation, user=cast.organiser, job_title="Volunteer")
    expected = {
        "notifications:preferences": 5,
        "notifications:preferences_when": 6,
        "notifications:preferences_push": 7,
    }
    for name, queries_expected in expected.items():
        counts = {}
        for user in (cast.helper, cast.org_staff, cast.organiser):
            client = as_user(user)
            client.get(reverse(name))
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse(name)).content.decode()
            counts[user.display_name] = len(queries)
            if name != "notifications:preferences_when":
                assert ("Referrals and organisation work" in page) is (user != cast.helper)
        assert counts == dict.fromkeys(counts, queries_expected), name

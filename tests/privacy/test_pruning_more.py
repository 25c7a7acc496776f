"""The tables that grew without a rule: declines, stand-in asks, nobody-left notices, invitations, share links.

Each test builds rows on the code's clock (the test clock when CARECIRCLE_TEST_CLOCK is set) and runs
the daily job with "now" moved on, rather than travelling in time.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.circles.models import Invitation, Role
from carecircle.orgs.models import Organisation, StaffInvitation, StaffRole
from carecircle.records.models import RecordView, ShareLink
from carecircle.tasks.models import Decline, NobodyLeft, StandInAsk
from carecircle.web.jobs import privacy_maintenance
from tests.cast import Cast
from tests.tasks.conftest import make_task, soon


def days(number: float) -> datetime.timedelta:
    return datetime.timedelta(days=number)


def test_declines_asks_and_notices_go_90_days_after_their_occurrence(cast: Cast, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 90
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=DAILY;COUNT=60", start_date=soon(1))
    early, late = task.start_date, task.start_date + days(20)
    for on in (early, late):
        Decline.objects.create(task=task, occurrence_date=on, user=cast.helper)
        StandInAsk.objects.create(task=task, occurrence_date=on, user=cast.helper, asker=cast.organiser)
        NobodyLeft.objects.create(task=task, occurrence_date=on, reason=NobodyLeft.Reason.NONE_SET)
    # 91 days after the early occurrence's day (and a day for time zones): only its rows are due.
    now = timezone.now() + days((early - timezone.localdate()).days + 92)

    removed = privacy_maintenance(now=now)["retention"]

    assert (removed["declines"], removed["stand-in asks"], removed["nobody-left notices"]) == (1, 1, 1)
    for model in (Decline, StandInAsk, NobodyLeft):
        assert list(model.objects.values_list("occurrence_date", flat=True)) == [late]


def test_declines_of_an_occurrence_still_ahead_stay_however_old(cast: Cast, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 90
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(200))
    Decline.objects.create(task=task, occurrence_date=task.start_date, user=cast.helper)

    removed = privacy_maintenance(now=timezone.now() + days(150))["retention"]

    assert removed["declines"] == 0
    assert Decline.objects.count() == 1


def invitation(cast: Cast, number: int, *, expires_at: datetime.datetime) -> Invitation:
    return Invitation.objects.create(
        circle=cast.circle,
        role=Role.HELPER,
        channel="email",
        email=f"friend{number}@example.org",
        token_hash=f"hash-{number}",
        invited_by=cast.organiser,
        expires_at=expires_at,
    )


def test_expired_invitations_go_90_days_after_they_expire(cast: Cast, settings) -> None:
    settings.RETENTION_DELIVERIES_DAYS = 90
    now = timezone.now()
    old = invitation(cast, 1, expires_at=now + days(7))
    newer = invitation(cast, 2, expires_at=now + days(30))
    organisation = Organisation.objects.create(name="Riverside Carers", slug="riverside-carers")
    StaffInvitation.objects.create(
        organisation=organisation,
        email="worker@example.org",
        role=StaffRole.choices[0][0],
        token_hash="staff-hash",
        expires_at=now + days(7),
    )
    kept_before = set(Invitation.objects.values_list("pk", flat=True))

    within = privacy_maintenance(now=now + days(96))["retention"]
    assert (within["invitations"], within["staff invitations"]) == (0, 0)
    assert set(Invitation.objects.values_list("pk", flat=True)) == kept_before

    removed = privacy_maintenance(now=now + days(98))["retention"]

    assert (removed["invitations"], removed["staff invitations"]) == (1, 1)
    assert not Invitation.objects.filter(pk=old.pk).exists()
    assert Invitation.objects.filter(pk=newer.pk).exists()
    assert not StaffInvitation.objects.exists()


def test_a_share_link_is_kept_as_long_as_the_access_log_of_its_views(cast: Cast, settings) -> None:
    settings.RETENTION_ACCESS_LOG_DAYS = 6 * 365
    now = timezone.now()
    link = ShareLink.objects.create(
        circle=cast.circle, recipient="Practice nurse", sections=["medications"], token_hash="share", expires_at=now
    )
    RecordView.objects.create(
        circle=cast.circle, viewer_name="Practice nurse", viewer_kind="share_link", share_link=link, what="Medications"
    )

    # A year after it expired: the view is still in the log, and still says which link it came through.
    assert privacy_maintenance(now=now + days(365))["retention"]["share links"] == 0
    assert RecordView.objects.get().share_link_id == link.pk

    removed = privacy_maintenance(now=now + days(6 * 365 + 1))["retention"]

    assert (removed["access log"], removed["share links"]) == (1, 1)
    assert not ShareLink.objects.exists()


def test_expired_sessions_are_read_on_from_the_last_key(db, monkeypatch) -> None:
    from carecircle.web import jobs

    monkeypatch.setattr(jobs, "BATCH", 2)
    for _ in range(5):
        session = SessionStore()
        session.set_expiry(60)
        session.create()

    with CaptureQueriesContext(connection) as queries:
        result = privacy_maintenance(now=timezone.now() + days(1))

    assert result["expired_sessions"] == 5
    reads = [query["sql"] for query in queries if query["sql"].startswith('SELECT "django_session"."session_key"')]
    assert len(reads) == 3
    # After the first batch, each read starts past the last key deleted rather than at the table's start.
    assert all('"django_session"."session_key" >' in sql for sql in reads[1:])

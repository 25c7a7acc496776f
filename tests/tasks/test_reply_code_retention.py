"""Reply codes (`YES 4821`) are pruned by the daily retention job once their occurrence is well past."""

from __future__ import annotations

import datetime

from django.utils import timezone

from carecircle.lib.retention import retention_enforce
from carecircle.tasks.models import ReplyCode
from carecircle.tasks.reply_codes import reply_code_find, reply_code_for
from tests.cast import Cast
from tests.tasks.conftest import make_task, soon


def test_codes_of_occurrences_past_the_period_are_pruned_and_their_numbers_freed(cast: Cast, settings) -> None:
    settings.RETENTION_REPLY_CODES_DAYS = 14
    task = make_task(actor=cast.organiser, circle=cast.circle, rule="FREQ=DAILY;COUNT=60", start_date=soon(1))
    first_day = task.start_date
    code_soon = reply_code_for(task=task, occurrence_date=first_day)
    code_later = reply_code_for(task=task, occurrence_date=first_day + datetime.timedelta(days=30))
    # Fifteen days after the first occurrence: its code has outlived the period; the later one has not.
    now = timezone.now() + datetime.timedelta(days=(first_day - timezone.localdate()).days + 16)

    removed = retention_enforce(now=now)

    assert removed["reply codes"] == 1
    assert list(ReplyCode.objects.values_list("code", flat=True)) == [code_later]
    assert reply_code_find(user=cast.helper, code=code_soon) is None
    assert reply_code_find(user=cast.helper, code=code_later) is not None


def test_a_code_is_kept_through_the_period_and_zero_keeps_codes_forever(cast: Cast, settings) -> None:
    task = make_task(actor=cast.organiser, circle=cast.circle, start_date=soon(1))
    reply_code_for(task=task, occurrence_date=task.start_date)
    within = timezone.now() + datetime.timedelta(days=14)

    settings.RETENTION_REPLY_CODES_DAYS = 14
    assert retention_enforce(now=within).get("reply codes", 0) == 0
    settings.RETENTION_REPLY_CODES_DAYS = 0
    assert "reply codes" not in retention_enforce(now=within + datetime.timedelta(days=400))
    assert ReplyCode.objects.count() == 1

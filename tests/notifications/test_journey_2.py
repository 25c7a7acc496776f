"""Journey 2 (PRODUCT.md), the telling part: new help reaches a brother by email and a neighbour by text.

The daughter adds "Lift to hospital, Tue 10:30" and a weekly "Sunday lunch visit". Before issue 10
only people whose standing offer matched the time were told; now everyone who can help is, each on
their own channel. When the brother takes the lift, the daughter hears; the neighbour, who reads
texts only, is not emailed at all. (Acting from the email or the text is not built yet.)
"""

from __future__ import annotations

from typing import Any

from django.core import mail

from carecircle.accounts.models import User
from carecircle.notifications.models import Delivery, NotificationPreference
from carecircle.tasks.services import task_volunteer
from tests.cast import Cast
from tests.tasks.conftest import make_task

NEIGHBOUR_MOBILE = "+447700900456"


def test_new_help_reaches_each_member_on_their_channel_and_the_organiser_hears_who_took_it(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()  # The cast joining told the organiser already.
    User.objects.filter(pk=cast.paid_carer.pk).update(phone=NEIGHBOUR_MOBILE)
    NotificationPreference.objects.create(user=cast.paid_carer, category="help_needed", channel="email", enabled=False)
    NotificationPreference.objects.create(user=cast.paid_carer, category="help_needed", channel="sms", enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        lift = make_task(actor=cast.organiser, circle=cast.circle, title="Lift to hospital")
        make_task(actor=cast.organiser, circle=cast.circle, title="Sunday lunch visit", rule="FREQ=WEEKLY")

    to_brother = [message for message in mail.outbox if message.to == [cast.helper.email]]
    assert [message.subject for message in to_brother] == [
        "Help needed: Lift to hospital",
        "Help needed: Sunday lunch visit",
    ]
    assert f"/circles/{cast.circle.pk}/tasks/{lift.pk}/" in to_brother[0].body
    assert not [message for message in mail.outbox if message.to == [cast.paid_carer.email]]
    texts = Delivery.objects.filter(channel="sms", to=NEIGHBOUR_MOBILE, status="sent").order_by("id")
    assert [text.body.split(" http")[0] for text in texts] == [
        "Help needed: Lift to hospital",
        "Help needed: Sunday lunch visit",
    ]
    # Nobody is told about their own task.
    assert not [message for message in mail.outbox if message.to == [cast.organiser.email]]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        task_volunteer(actor=cast.helper, task=lift, occurrence_date=lift.start_date)
    [told] = [message for message in mail.outbox if message.to == [cast.organiser.email]]
    assert told.subject.startswith("Helper will do Lift to hospital on ")

"""The hooks through which accounts and circles reach the audit log, live events and the delivery queue."""

from __future__ import annotations

import typing

import pytest

from carecircle.audit.services import audit_record
from carecircle.conversations.telling import conversation_live_readers, conversation_unread
from carecircle.lib import hooks
from carecircle.notifications.account_notices import notify_account
from carecircle.notifications.fan_out import fan_outs_finish
from carecircle.notifications.models import Channel
from carecircle.notifications.notify import notify
from carecircle.notifications.services import delivery_enqueue
from carecircle.realtime.events import circle_event_record, user_event_send, users_event_send


def test_every_hook_is_installed_by_the_app_that_owns_it() -> None:
    assert hooks._functions == {
        "audit_record": audit_record,
        "circle_event_record": circle_event_record,
        "user_event_send": user_event_send,
        "users_event_send": users_event_send,
        "delivery_enqueue": delivery_enqueue,
        "notify": notify,
        "notify_finish": fan_outs_finish,
        "notify_account": notify_account,
        "conversation_unread": conversation_unread,
        "conversation_live_readers": conversation_live_readers,
    }


def test_a_hook_nobody_installed_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_functions", {})
    with pytest.raises(RuntimeError, match="Nothing installed the user_event_send hook"):
        hooks.user_event_send(user_id=1, type="access.changed")
    with pytest.raises(ValueError, match="No such hook: send_fax"):
        hooks.install(send_fax=print)


def test_the_hooks_channels_are_the_delivery_queues_channels() -> None:
    assert set(typing.get_args(hooks.DeliveryChannel)) == set(Channel.values)

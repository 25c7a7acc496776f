"""The audit log, live events, notifications and the delivery queue, as the apps reach them.

`accounts` and `circles` sit below `audit`, `realtime` and `notifications` (those read circles and
memberships: docs/architecture/layers.md), yet their services must write an audit row, publish live
events and queue emails like every other service. The three apps install their functions here from
AppConfig.ready(); calling a hook nobody installed is a programming error and raises. Apps above
`audit`, `realtime` and `notifications` import audit and realtime directly; every app tells
members things through `notify` here, never by importing notifications (an import-linter contract).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model
from django.utils.functional import Promise

# The delivery channels, as notifications.models.Channel stores them.
DeliveryChannel = Literal["email", "sms", "push"]


@dataclass(frozen=True)
class ReplyTarget:
    """Where a reply to a notification email goes: a conversation, or the replies to an update.

    `capability` is what a member needs to write there; members without it get no reply address.
    """

    kind: Literal["conversation", "update"]
    object_id: int
    capability: str


_functions: dict[str, Callable[..., Any]] = {}
NAMES = frozenset(
    {
        "audit_record",
        "circle_event_record",
        "user_event_send",
        "users_event_send",
        "delivery_enqueue",
        "notify",
        "notify_account",
        "notify_finish",
        "conversation_unread",
        "conversation_live_readers",
    }
)


def install(**functions: Callable[..., Any]) -> None:
    """Install the functions behind the hooks below (from an AppConfig.ready())."""
    unknown = set(functions) - NAMES
    if unknown:
        raise ValueError(f"No such hook: {', '.join(sorted(unknown))}.")
    _functions.update(functions)


def _installed(name: str) -> Callable[..., Any]:
    try:
        return _functions[name]
    except KeyError:
        raise RuntimeError(f"Nothing installed the {name} hook: is its app in INSTALLED_APPS?") from None


def audit_record(
    *,
    actor: Model | None,
    action: str,
    circle: Model | None = None,
    subject: Model | None = None,
    subject_name: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log (audit.services.audit_record), inside the caller's transaction."""
    _installed("audit_record")(
        actor=actor, action=action, circle=circle, subject=subject, subject_name=subject_name, data=data
    )


def circle_event_record(*, circle: Model, type: str, **data: Any) -> None:
    """Store a circle's live event and publish it after commit (realtime.events.circle_event_record)."""
    _installed("circle_event_record")(circle=circle, type=type, **data)


def user_event_send(*, user_id: int, type: str, **data: Any) -> None:
    """Send a personal live event after commit (realtime.events.user_event_send)."""
    _installed("user_event_send")(user_id=user_id, type=type, **data)


def users_event_send(*, user_ids: Collection[int], circle_id: int, type: str, **data: Any) -> None:
    """Send one personal live event to several members of a circle, in one publish after commit.

    Only each named member's own connections receive it (realtime.events.users_event_send).
    """
    _installed("users_event_send")(user_ids=user_ids, circle_id=circle_id, type=type, **data)


def delivery_enqueue(
    *, channel: DeliveryChannel, to: str, body: str, idempotency_key: str, subject: str = "", html_body: str = ""
) -> None:
    """Queue an email or text message as a delivery row (notifications.services.delivery_enqueue)."""
    _installed("delivery_enqueue")(
        channel=channel, to=to, body=body, idempotency_key=idempotency_key, subject=subject, html_body=html_body
    )


def notify_account(*, user_id: int, category: str, key: str, render: Callable[[], tuple[str, str]], url: str) -> bool:
    """Tell one account about something asked of them, not of a circle (notifications.account_notices.notify_account).

    In the app; for a category for organisation staff, also by the channels the account chose.
    `render()` gives (title, text) in the account's language; `key` tells it once. Call inside the
    transaction of the change. Returns whether the account was told in the app (they may have turned it off).
    """
    told: bool = _installed("notify_account")(user_id=user_id, category=category, key=key, render=render, url=url)
    return told


def notify(
    *,
    category: str,
    circle: Model,
    key: str,
    title: str | Promise,
    body: str | Promise = "",
    url: str = "",
    actor: Model | None = None,
    user_ids: Collection[int] | None = None,
    capability: str | None = None,
    skip_user_ids: Collection[int] = (),
    conversation_id: int | None = None,
    render: Callable[[Any], Any] | None = None,
    sms_suffix: Callable[[], str] | None = None,
    reply_target: ReplyTarget | None = None,
    later: bool = False,
    live_message_id: int | None = None,
) -> list[int]:
    """Tell members of a circle about one thing, as their preferences say (notifications.notify.notify).

    `category` is one of notifications.categories; `key` names the thing, so it is told once;
    `render(user)` may return (subject, text) for each member's own email (their time zone);
    `sms_suffix()` gives words that end every text message uncut, called only if someone is texted;
    `reply_target` lets each member answer the email to write back there (notifications/reply_mail.py).
    Call inside the transaction of the change. Returns the ids of the members told.

    With `later`, only one row is written in the transaction (no `render` or `sms_suffix`): once it
    has committed, and its live event left, call `notify_finish` with the keys to tell the members.
    With `later` and `live_message_id` (a message in `conversation_id`), members reading that
    conversation live when they are told (`conversation_live_readers`) hear nothing more.
    """
    told: list[int] = _installed("notify")(
        category=category,
        circle=circle,
        key=key,
        title=title,
        body=body,
        url=url,
        actor=actor,
        user_ids=user_ids,
        capability=capability,
        skip_user_ids=skip_user_ids,
        conversation_id=conversation_id,
        render=render,
        sms_suffix=sms_suffix,
        reply_target=reply_target,
        later=later,
        live_message_id=live_message_id,
    )
    return told


def notify_finish(keys: Collection[str]) -> None:
    """Tell the members of notify(later=True) calls whose transaction has committed (fan_out.fan_outs_finish).

    Call outside any transaction, best after the request's answer (lib/after_response.py). What
    this doesn't finish (the process died first) the worker's sweep does.
    """
    _installed("notify_finish")(keys)


def conversation_unread(*, user_id: int, conversation_id: int) -> bool:
    """Whether a member has unread messages in a conversation (conversations.telling.conversation_unread).

    Installed by conversations, above notifications: the delivery worker asks it before a batched chat email.
    """
    unread: bool = _installed("conversation_unread")(user_id=user_id, conversation_id=conversation_id)
    return unread


def conversation_live_readers(*, conversation_id: int, message_id: int) -> set[int]:
    """Members reading a conversation live as a message arrives (conversations.telling.conversation_live_readers).

    Installed by conversations, above notifications: asked when a notice about the message is told
    (after its commit, by the request or by the worker), never inside the message's transaction.
    """
    readers: set[int] = _installed("conversation_live_readers")(conversation_id=conversation_id, message_id=message_id)
    return readers

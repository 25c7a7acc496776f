"""The audit log, live events and the delivery queue, as the two apps below them reach them.

`accounts` and `circles` sit below `audit`, `realtime` and `notifications` (those read circles and
memberships: docs/architecture/layers.md), yet their services must write an audit row, publish live
events and queue emails like every other service. The three apps install their functions here from
AppConfig.ready(); calling a hook nobody installed is a programming error and raises. Apps above
`audit`, `realtime` and `notifications` import those functions directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.db.models import Model

# The delivery channels, as notifications.models.Channel stores them.
DeliveryChannel = Literal["email", "sms"]

_functions: dict[str, Callable[..., Any]] = {}
NAMES = frozenset({"audit_record", "circle_event_record", "user_event_send", "delivery_enqueue"})


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


def delivery_enqueue(
    *, channel: DeliveryChannel, to: str, body: str, idempotency_key: str, subject: str = "", html_body: str = ""
) -> None:
    """Queue an email or text message as a delivery row (notifications.services.delivery_enqueue)."""
    _installed("delivery_enqueue")(
        channel=channel, to=to, body=body, idempotency_key=idempotency_key, subject=subject, html_body=html_body
    )

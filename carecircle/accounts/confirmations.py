"""Who must hear when someone confirms an email address, without accounts importing them.

Something may have been waiting for an address before its account proved it owns it: an
organisation's request to link a circle is shown only to a confirmed address (orgs/circle_links.py),
so the moment of confirming is when that person can first be told. orgs registers a listener
(AppConfig.ready); listeners run inside the confirming transaction and only for the one request
that confirmed the address, so a second click or a burst of them tells nobody twice.
"""

from __future__ import annotations

from collections.abc import Callable

from carecircle.accounts.models import User

ConfirmListener = Callable[[User], None]
_listeners: list[ConfirmListener] = []


def email_confirmed_listener_register(listener: ConfirmListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def user_email_confirmed(user: User) -> None:
    """Tell every registered listener that `user.email` is now confirmed, inside the caller's transaction."""
    for listener in _listeners:
        listener(user)

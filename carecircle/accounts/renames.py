"""Who must hear when a person changes their name, email address or phone number, without accounts importing them.

Circle pages show names (and members' lists addresses and numbers), and a browser reuses a circle
page (a 304), as the server reuses a rendered part of one (circles/fragments.py), until the
circle's event sequence moves (circles/conditional.py). circles registers a listener (AppConfig.ready) that records
an event in each of the person's circles, so every page showing the old name is drawn again and
open pages refresh their people parts live.
"""

from __future__ import annotations

from collections.abc import Callable

from carecircle.accounts.models import User

RenameListener = Callable[[User], None]
_listeners: list[RenameListener] = []


def rename_listener_register(listener: RenameListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def user_renamed(user: User) -> None:
    """Tell every registered listener, inside the caller's transaction (a new name, address or number)."""
    for listener in _listeners:
        listener(user)

"""Live groups beyond circles: an app above realtime registers a scope (an organisation, say) here.

A scope names the key its events carry (`"organisation": 7`), which of them a person's connections
join (`ids_for`), and how much of one event may reach one person (`hearing`), asked of the database
for every event, because what someone may see inside a scope can depend on the event (a volunteer
hears only of the referrals given to them). Realtime never imports the apps above it; they call
`register_live_scope` when they are ready (docs/architecture/realtime.md).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Hearing(enum.Enum):
    """How much of one scope event reaches one person's connections."""

    # The event itself.
    EVENT = "event"
    # Only that its number was taken, as `{"type": "<key>.skip", "<key>": 7, "seq": 19}`: someone in
    # the scope who may not hear this event still counts it, so their page tells a number that was
    # not for them from one that was lost (a gap, which refetches everything).
    NUMBER = "number"
    NOTHING = "nothing"


@dataclass(frozen=True)
class LiveScope:
    key: str
    ids_for: Callable[[int], list[int]]
    hearing: Callable[[int, dict[str, Any]], Hearing]
    # For a scope whose events are numbered: the person's scopes with each one's latest number, in
    # one query, used instead of `ids_for`; the consumer then tells the client `<key>.latest` on
    # connect, on each refresh and after Redis restarts, so a client that missed events refetches.
    latest_for: Callable[[int], list[tuple[int, int]]] | None = None


_SCOPES: dict[str, LiveScope] = {}


def register_live_scope(scope: LiveScope) -> None:
    _SCOPES[scope.key] = scope


def live_scopes() -> list[LiveScope]:
    return list(_SCOPES.values())


def scope_group(key: str, scope_id: int) -> str:
    return f"{key}.{scope_id}"

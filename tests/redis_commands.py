"""The commands this process sends to Redis, counted on redis-py's connections (no MONITOR needed).

Every command goes out through a connection's `send_command` (one command) or, for a pipeline,
`pack_commands` (several, sent together); each write is one `send_packed_command`, so the round
trips are counted too. Used by tests (tests/circles/test_home_redis.py) and by
bench/home_pages.py, which loads this file by its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.connection import AbstractConnection


@dataclass
class RedisCommands:
    """Command names in the order sent, and how many writes (round trips) carried them."""

    names: list[str] = field(default_factory=list)
    round_trips: int = 0

    def clear(self) -> None:
        self.names.clear()
        self.round_trips = 0


@contextmanager
def counting_redis_commands() -> Iterator[RedisCommands]:
    """Count what every redis-py connection of this process sends while inside."""
    counted = RedisCommands()
    # redis-py's methods are untyped: held as Any, so calling them is too.
    send_command: Any = AbstractConnection.send_command
    pack_commands: Any = AbstractConnection.pack_commands
    send_packed_command: Any = AbstractConnection.send_packed_command

    def one(self: AbstractConnection, *args: Any, **kwargs: Any) -> Any:
        counted.names.append(_name(args[0]))
        return send_command(self, *args, **kwargs)

    def several(self: AbstractConnection, commands: Any) -> Any:
        commands = list(commands)
        counted.names.extend(_name(command[0]) for command in commands)
        return pack_commands(self, commands)

    def write(self: AbstractConnection, *args: Any, **kwargs: Any) -> Any:
        counted.round_trips += 1
        return send_packed_command(self, *args, **kwargs)

    AbstractConnection.send_command = one  # type: ignore[method-assign]
    AbstractConnection.pack_commands = several  # type: ignore[method-assign]
    AbstractConnection.send_packed_command = write  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        AbstractConnection.send_command = send_command  # type: ignore[method-assign]
        AbstractConnection.pack_commands = pack_commands  # type: ignore[method-assign]
        AbstractConnection.send_packed_command = send_packed_command  # type: ignore[method-assign]


def _name(command: object) -> str:
    return (command.decode() if isinstance(command, bytes) else str(command)).upper()

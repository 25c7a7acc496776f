"""Event frames written straight to uvicorn's WebSocket connection, without awaiting its `send`.

uvicorn's `send` (the websockets-sansio protocol `carecircle serve` names) builds the same text
frame for every connection of a process that hears an event, and is a coroutine, so the consumer
had to be woken in its own task to await it. A server-to-client frame is never masked: its bytes
are the same for every connection, so `frame_bytes` builds them once per event per process
(EncodedEvents), and `FrameWriter.write` puts them on the connection's transport at once, when
that is what uvicorn's `send` would do without waiting: the handshake done, no close sent or
received, the connection open, no extension (per-message deflate is off) and its transport not
paused for a slow reader. Otherwise it returns False and the caller awaits the `send` as before.
docs/architecture/realtime.md, "Fan-out in the reader's turn".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State


def frame_bytes(text: str) -> bytes:
    """The unmasked text frame a server sends for `text` (no extensions), as websockets builds it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class FrameWriter:
    """Writes a connection's event frames at once when uvicorn's `send` would not have to wait."""

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self.protocol = protocol

    def write(self, frame: bytes) -> bool:
        """True if `frame` was written to the connection; False to have it sent by awaiting `send`."""
        protocol = self.protocol
        connection = protocol.conn
        if (
            protocol.writable.is_set()
            and protocol.handshake_complete
            and not protocol.close_sent
            and not protocol.disconnected
            and protocol.initial_response is None
            and connection.state is State.OPEN
            and not connection.expect_continuation_frame
            and not connection.extensions
            and not protocol.transport.is_closing()
        ):
            protocol.transport.write(frame)
            return True
        return False


def frame_writer(send: Callable[..., Any]) -> Callable[[bytes], bool] | None:
    """A way to write event frames at once if `send` is uvicorn's websockets-sansio one, else None."""
    protocol = getattr(send, "__self__", None)
    if isinstance(protocol, WebSocketsSansIOProtocol):
        return FrameWriter(protocol).write
    return None

"""A zip written as it is downloaded: memory stays flat and the first bytes leave at once.

Members are (name, pieces) where pieces is an iterable of bytes, or (name, opener) where opener
returns a binary file to copy. Used by the subject access download; the record's full export has
its own copy of the same idea (records/archive.py).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

Member = tuple[str, Iterable[bytes] | Callable[[], IO[bytes]]]
BLOCK = 256 * 1024


class _Sink(io.RawIOBase):
    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def zip_stream(members: Iterable[Member]) -> Iterator[bytes]:
    """The zip of these members, chunk by chunk. A file that has gone missing is left out."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in members:
            if callable(source):
                try:
                    handle = source()
                except FileNotFoundError:
                    continue
                with handle, archive.open(name, "w", force_zip64=True) as member:
                    while block := handle.read(BLOCK):
                        member.write(block)
                        yield sink.take()
            else:
                with archive.open(name, "w", force_zip64=True) as member:
                    for piece in source:
                        member.write(piece)
                        if sink.tell():
                            yield sink.take()
            yield sink.take()
    yield sink.take()

"""Where apps plug in what they do for data rights: subject access, erasure, and retention.

Each app registers in its own `privacy.py` (found by `privacy_autodiscover`), so the account's
pages and the worker reach every app without importing any (ARCHITECTURE: apps meet through
registries). The register of *what* is held is lib/personal_data.py; this is *what happens to it*.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

from carecircle.lib.spreadsheet import safe_cells
from carecircle.lib.zipstream import Member

# The person is an accounts.User; lib sits below accounts, so it is typed loosely here.
Person = Any

# Subject access: a part yields zip members (name, bytes pieces or a file opener) about one person.
SubjectPart = Callable[[Person], Iterable[Member]]
# Erasure: a blocker names what must be done first ("you're the only organiser of …"); a handler
# removes or de-identifies the app's data about the person, inside the erasure's transaction.
ErasureBlocker = Callable[[Person], list[str]]
ErasureHandler = Callable[[Person], None]
# What is kept for others, said on the page before the person confirms.
ErasureKept = Callable[[Person], list[str]]
# Erasing a whole circle: each app removes its rows in batches and its files (photos, documents),
# given the circle's id, before the circle row goes.
CircleEraser = Callable[[int], int]


@dataclass
class _Registry:
    parts: dict[str, SubjectPart]
    blockers: dict[str, ErasureBlocker]
    handlers: dict[str, ErasureHandler]
    kept: dict[str, ErasureKept]
    circle_erasers: dict[str, CircleEraser]
    discovered: bool = False


_registry = _Registry(parts={}, blockers={}, handlers={}, kept={}, circle_erasers={})


def privacy_autodiscover() -> None:
    if not _registry.discovered:
        _registry.discovered = True
        autodiscover_modules("privacy")


def subject_part_register(name: str, part: SubjectPart) -> None:
    _registry.parts[name] = part


def erasure_register(
    name: str, *, handler: ErasureHandler, blocker: ErasureBlocker | None = None, kept: ErasureKept | None = None
) -> None:
    _registry.handlers[name] = handler
    if blocker is not None:
        _registry.blockers[name] = blocker
    if kept is not None:
        _registry.kept[name] = kept


def circle_eraser_register(name: str, eraser: CircleEraser) -> None:
    _registry.circle_erasers[name] = eraser


def circle_erasers() -> dict[str, CircleEraser]:
    privacy_autodiscover()
    return dict(_registry.circle_erasers)


def subject_parts() -> dict[str, SubjectPart]:
    privacy_autodiscover()
    return dict(_registry.parts)


def erasure_blockers() -> dict[str, ErasureBlocker]:
    privacy_autodiscover()
    return dict(_registry.blockers)


def erasure_handlers() -> dict[str, ErasureHandler]:
    privacy_autodiscover()
    # Accounts last: the others may still need to find the person by their email or phone.
    return dict(sorted(_registry.handlers.items(), key=lambda item: item[0] == "accounts"))


def erasure_kept() -> dict[str, ErasureKept]:
    privacy_autodiscover()
    return dict(_registry.kept)


# Small writers for parts


def csv_rows(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterable[bytes]:
    def line(values: Iterable[Any]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(safe_cells(list(values)))
        return buffer.getvalue().encode()

    yield line(header)
    for row in rows:
        yield line(row)


def json_document(value: Any) -> Iterable[bytes]:
    yield json.dumps(value, indent=2, default=str, ensure_ascii=False).encode()


def json_array(items: Iterable[Any]) -> Iterable[bytes]:
    """A JSON list written item by item, so a big account's messages never sit in memory at once."""
    yield b"["
    first = True
    for item in items:
        yield (b"\n" if first else b",\n") + json.dumps(item, default=str, ensure_ascii=False).encode()
        first = False
    yield b"\n]"

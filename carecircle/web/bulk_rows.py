"""Writing many rows fast: COPY on PostgreSQL, executemany on SQLite, with explicit ids.

Used by `carecircle seed-scale` only. Each table names the columns the caller fills; every other
concrete column gets its model default once, so a new NOT NULL field with a default never breaks
the seeder. Values are Python values; JSON columns take already-serialised text.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

Row = tuple[Any, ...]


def _sqlite_adapter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    if isinstance(field, models.UUIDField):
        return lambda value: None if value is None else value.hex
    if isinstance(field, models.DecimalField):
        return lambda value: None if value is None else str(value)
    return None


def _default(field: models.Field[Any, Any]) -> Any:
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    if isinstance(value, datetime.datetime | datetime.date | decimal.Decimal | uuid.UUID | str | int | bool | None):
        return value
    raise TypeError(f"{field} has a default bulk_rows cannot write; name it in the columns")


class Table:
    """One table's rows waiting to be written, in `columns` order."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        by_name = {field.name: field for field in model._meta.concrete_fields}
        by_name.update({field.attname: field for field in model._meta.concrete_fields})
        given = [by_name[name] for name in columns]
        rest = [field for field in model._meta.concrete_fields if field not in given and not field.primary_key]
        self.fields = given + rest
        self.fill: Row = tuple(_default(field) for field in rest)
        self.rows: list[Row] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.fill)

    def __len__(self) -> int:
        return len(self.rows)

    def flush(self) -> int:
        """Write the waiting rows; returns how many."""
        count = len(self.rows)
        if count:
            write_rows(self.model, [str(field.column) for field in self.fields], self.rows, self.fields)
        self.rows = []
        return count


def write_rows(
    model: type[models.Model], columns: list[str], rows: Iterable[Row], fields: Sequence[models.Field[Any, Any]]
) -> None:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapters = [_sqlite_adapter(field) for field in fields]
        adapted = [
            tuple(
                value if adapter is None or value is None else adapter(value)
                for value, adapter in zip(row, adapters, strict=True)
            )
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(columns))
        # Table and column names come from the models, never from input.
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", adapted)  # noqa: S608


def next_id(model: type[models.Model]) -> int:
    """The first free id of a table, so explicit ids never clash with rows already there."""
    highest = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return int(highest or 0) + 1


def sequences_reset(model_list: Sequence[type[models.Model]]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@contextlib.contextmanager
def loading(model_list: Sequence[type[models.Model]], progress: Callable[[str], None] | None = None) -> Iterator[None]:
    """On PostgreSQL, load without the tables' plain indexes and foreign keys, then put them back.

    Row by row, a search index and deferred foreign-key triggers cost more than the COPY itself.
    Unique indexes and constraints stay, so every uniqueness rule is checked as rows arrive; each
    foreign key is added back with the same name and definition, which checks every row at once.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [tables],
        )
        foreign_keys: list[tuple[str, str, str]] = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid) ORDER BY 1",
            [tables],
        )
        indexes: list[tuple[str, str]] = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        say = progress or (lambda text: None)
        say(f"Building {len(indexes)} indexes and checking {len(foreign_keys)} foreign keys…")
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for number, (name, definition) in enumerate(indexes, start=1):
                step = time.monotonic()
                cursor.execute(definition)
                _say_slow(say, f"index {number}/{len(indexes)} {name}", step)
            built = time.monotonic()
            for number, (table, name, definition) in enumerate(foreign_keys, start=1):
                step = time.monotonic()
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
                _say_slow(say, f"foreign key {number}/{len(foreign_keys)} {name}", step)
        say(
            f"{len(indexes)} indexes built in {built - started:.0f} s, "
            f"{len(foreign_keys)} foreign keys checked in {time.monotonic() - built:.0f} s"
        )


def _say_slow(say: Callable[[str], None], what: str, started: float, *, slow: float = 1.0) -> None:
    """Name a step that took a noticeable time, so a long silence at full scale has a name."""
    seconds = time.monotonic() - started
    if seconds >= slow:
        say(f"  {what}: {seconds:.0f} s")

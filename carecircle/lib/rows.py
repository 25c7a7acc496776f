"""Rows read by SQL written once, turned into model instances exactly as the ORM would.

For the one or two queries every page runs (the session's user, the circle access check), the
ORM's compile of the query cost several times its run. Their SQL is written once per connection
from the models' own table and column names, and each row goes through the connection's own
converters and `Model.from_db`, so the instances are the ORM's (docs/architecture/serving.md).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

ModelT = TypeVar("ModelT", bound=models.Model)


class Columns:
    """A model's concrete columns under a table alias, with their converters for one connection."""

    def __init__(self, connection: BaseDatabaseWrapper, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(str(field.column))}" for field in self.fields)
        self.converters: list[tuple[Any, list[Any]]] = []
        for field in self.fields:
            column = field.get_col(str(model._meta.db_table))
            self.converters.append(
                (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
            )

    def instance(self, connection: BaseDatabaseWrapper, values: list[Any] | tuple[Any, ...]) -> Any:
        """The model instance for this model's part of a row (its first len(fields) values)."""
        converted = list(values[: len(self.fields)])
        for index, (column, converters) in enumerate(self.converters):
            for converter in converters:
                converted[index] = converter(converted[index], column, connection)
        return self.model.from_db(connection.alias, self.attnames, converted)


def quoted(connection: BaseDatabaseWrapper, model: type[models.Model], name: str | None = None) -> str:
    """A model's table name, or one of its fields' column names, quoted for the connection."""
    if name is None:
        return connection.ops.quote_name(str(model._meta.db_table))
    field: Any = model._meta.get_field(name)
    return connection.ops.quote_name(str(field.column))


_CODE = re.compile(r"[a-z][a-z0-9_]*")


def code_literal(code: str) -> str:
    """A code constant (a role, a status) written in SQL as a string literal, for a query written once.

    SQLite prepares a statement again on every run when a bound value is compared where a partial
    index's condition may apply (the value decides whether the index can be used), so such constants
    go into the SQL and only the ids stay bound (docs/architecture/serving.md). Only lowercase
    identifier-like codes are accepted, never anything that could come from input.
    """
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValueError(f"Not a code constant to write in SQL: {code!r}")
    return f"'{code}'"


def counter_next(model: type[models.Model], pk: int, field: str = "event_seq") -> int | None:
    """Add one to a row's counter and read it back in one round trip (`UPDATE … RETURNING`); None if the row is gone.

    The UPDATE locks the row until the transaction ends (PostgreSQL's FOR NO KEY UPDATE; SQLite's
    IMMEDIATE transactions hold the whole database), so numbers taken in transactions are handed
    out in commit order, without gaps (a rolled-back number is taken again) or repeats. PostgreSQL
    and SQLite 3.35 or later both read RETURNING; an UPDATE then a SELECT were two round trips.
    """
    connection = connections[router.db_for_write(model)]
    column = quoted(connection, model, field)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quoted(connection, model)} SET {column} = {column} + 1 "  # noqa: S608 (a model's own names)
            f"WHERE {quoted(connection, model, model._meta.pk.name)} = %s RETURNING {column}",
            [pk],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])

"""Rows read by SQL written once, turned into model instances exactly as the ORM would.

For the one or two queries every page runs (the session's user, the circle access check), the
ORM's compile of the query cost several times its run. Their SQL is written once per connection
from the models' own table and column names, and each row goes through the connection's own
converters and `Model.from_db`, so the instances are the ORM's (docs/architecture/serving.md).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
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

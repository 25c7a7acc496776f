"""Writing many new rows at once: cheaper than bulk_create on PostgreSQL, the same rows everywhere.

`bulk_create(objs, ignore_conflicts=True)` of the worker's 250 notifications spent half its CPU in
Django and psycopg building one INSERT with a placeholder and a quoted parameter per field per row
(2,750 of them). `insert_new` sends the rows as one JSON text instead:

    INSERT INTO table (a, b, ...) SELECT a, b, ... FROM json_populate_recordset(NULL::table, %s::json)
    ON CONFLICT DO NOTHING

The statement is written once per model and connection. Each value is prepared by its field as
bulk_create prepares it (`pre_save`, then `get_db_prep_save`), once per distinct value in a column
rather than once per row, so defaults, auto fields and the ids from the table's sequence come out
the same. PostgreSQL reads each JSON value as the table's own column type, so a text too long for
its column fails as bulk_create's would rather than being cut. On other databases, for rows that
name their own id, or for values other than text, numbers, booleans, nulls and aware datetimes,
it is bulk_create itself (docs/architecture/notifications.md, "The cost of a fan-out").

`insert_values` takes the rows as tuples of the named fields' values rather than instances: making
the worker's 1,000 `Notification` instances a message (and reading each field back from them) was
then the largest part of what was left. The JSON is the same; elsewhere it makes the instances
and calls bulk_create, so the rows written are those either way.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

# (connection alias, model) -> the statement and the fields in its column order.
_statements: dict[tuple[str, type[models.Model]], tuple[str, list[Any]]] = {}


class _NotPlain(Exception):
    """A value JSON cannot carry exactly: the rows go through bulk_create instead."""


def _statement(connection: BaseDatabaseWrapper, model: type[models.Model]) -> tuple[str, list[Any]]:
    found = _statements.get((connection.alias, model))
    if found is None:
        quote = connection.ops.quote_name
        # bulk_create leaves the auto id to the table's sequence for rows without one: so does this.
        fields = [
            field
            for field in model._meta.concrete_fields
            if not field.generated and field is not model._meta.auto_field
        ]
        columns = ", ".join(quote(str(field.column)) for field in fields)
        table = quote(str(model._meta.db_table))
        # Table and column names come from the model, never from input.
        statement = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
            f"FROM json_populate_recordset(NULL::{table}, %s::json) ON CONFLICT DO NOTHING"
        )
        found = _statements[(connection.alias, model)] = (statement, fields)
    return found


def _plain(value: Any) -> Any:
    """A prepared value as JSON carries it: PostgreSQL reads it back as the column's type, unchanged."""
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.isoformat()
    raise _NotPlain


# Fields whose preparation on PostgreSQL gives back a value of exactly this type unchanged (to_python
# of a str, int() of an int, a bool as it is): such a column is sent as given, not value by value.
_UNCHANGED: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
}


def _unchanged(field: Any, values: Sequence[Any]) -> bool:
    """Whether every value of the column is one its field sends as it is."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = _UNCHANGED.get(type(target))
    return kind is not None and all(type(value) is kind for value in values)


def _prepared(field: Any, values: Sequence[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """A column's values as JSON carries them, each prepared by its field once per distinct value."""
    if _unchanged(field, values):
        return list(values)
    prepared: dict[tuple[type, Any], Any] = {}
    found: Any
    column = []
    for value in values:
        if hasattr(value, "resolve_expression"):
            raise _NotPlain
        try:
            key = (type(value), value)
            found = prepared.get(key, prepared)
        except TypeError:  # unhashable: prepared on its own
            key, found = None, prepared
        if found is prepared:
            found = _plain(field.get_db_prep_save(value, connection))
            if key is not None:
                prepared[key] = found
        column.append(found)
    return column


def _column(field: Any, objs: Sequence[models.Model], connection: BaseDatabaseWrapper) -> list[Any]:
    """A field's column of these instances, each value as bulk_create reads it (`pre_save`), prepared."""
    return _prepared(field, [field.pre_save(obj, True) for obj in objs], connection)


def insert_new(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert these unsaved instances, skipping any a unique constraint refuses: bulk_create(ignore_conflicts=True).

    The instances are left as bulk_create leaves them on PostgreSQL with ignore_conflicts: without
    their new ids, still marked as being added. Runs in the caller's transaction.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or any(obj.pk is not None for obj in objs):
        model._default_manager.bulk_create(objs, ignore_conflicts=True)
        return
    statement, fields = _statement(connection, model)
    for obj in objs:
        # Refuses an unsaved related instance and copies a saved one's id, as bulk_create does.
        prepare: Any = obj._prepare_related_fields_for_save  # type: ignore[attr-defined]
        prepare(operation_name="bulk_create")
    try:
        columns = [_column(field, objs, connection) for field in fields]
    except _NotPlain:
        model._default_manager.bulk_create(objs, ignore_conflicts=True)
        return
    names = [str(field.column) for field in fields]
    rows = json.dumps(
        ensure_ascii=False, obj=[dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [rows])


def insert_values(model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """insert_new of `model(**dict(zip(names, row)))` for each row, without making the instances on PostgreSQL.

    `names` are field attribute names (`recipient_id`, not `recipient`); the fields not named take
    their defaults, a callable one called for each row as a new instance would. The rows written,
    the conflicts skipped and the errors are those of insert_new (bulk_create with ignore_conflicts).
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    statement, fields = _statement(connection, model)
    given = {name: number for number, name in enumerate(names)}
    # A field whose pre_save sets the value (auto_now, files) or a named id: the instances' own path.
    plain = connection.vendor == "postgresql" and "id" not in given and model._meta.pk.attname not in given
    if plain and any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields):
        plain = False
    if plain and set(given) - {str(field.attname) for field in fields}:
        plain = False
    if plain:
        try:
            columns = [
                _prepared(
                    field,
                    [row[given[field.attname]] for row in rows]
                    if field.attname in given
                    else _defaults(field, len(rows)),
                    connection,
                )
                for field in fields
            ]
        except _NotPlain:
            plain = False
    if not plain:
        insert_new(model, [model(**dict(zip(names, row, strict=True))) for row in rows])
        return
    columns_named = [str(field.column) for field in fields]
    text = json.dumps(
        ensure_ascii=False,
        obj=[dict(zip(columns_named, values, strict=True)) for values in zip(*columns, strict=True)],
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [text])


def _defaults(field: Any, count: int) -> list[Any]:
    """A field's default for `count` new rows: a callable one (timezone.now) called for each, as each instance would."""
    if field.has_default() and callable(field.default):
        return [field.get_default() for _ in range(count)]
    return [field.get_default()] * count

"""`column IN (ids)` for long lists of ids: one array parameter on PostgreSQL, not one per id.

`.filter(user_id__in=ids)` with the worker's 250 member ids made Django prepare each id through
the foreign key's lookup and psycopg quote each of 250 parameters in Python: ≈ 1.4 ms of CPU a
query, six such queries a chunk. `OneOf("user_id", ids)` sends the list as one array instead:

    "table"."user_id" = ANY(%s::bigint[])   -- the parameter is the array's text, '{1,2,3}'

which PostgreSQL plans as it plans the `IN` list (it rewrites one into the other). On other
databases it is the same `IN (%s, %s, ...)` as `__in` (SQLite compares it with true). The values
must be integers: each is turned into one, so text that is not a number fails at once. Docs:
docs/architecture/notifications.md, "A chunk's ids as one array".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F


class OneOf(Expression):
    """A filter: the integer column `name` holds one of `values` (`.filter(OneOf("user_id", ids))`)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, name: str, values: Iterable[int | str]) -> None:
        super().__init__()
        self.column: Any = F(name)
        self.values = [int(value) for value in values]

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> OneOf:
        resolved = self.copy()
        resolved.column = self.column.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return resolved

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.column)
        if not self.values:
            # `__in=[]` matches nothing: so does this, without a statement PostgreSQL must type an empty array for.
            return "(1 = 0)", tuple(params)
        if connection.vendor == "postgresql":
            # The array as its text ("{1,2,3}"): psycopg dumps a list of ints one item at a time in
            # Python (≈ 1 ms for 250 ids), and one string at once. Integers only, so nothing to quote.
            return f"{sql} = ANY(%s::bigint[])", (*params, "{" + ",".join(map(str, self.values)) + "}")
        marks = ", ".join(["%s"] * len(self.values))
        return f"({sql} IN ({marks}))", (*params, *self.values)

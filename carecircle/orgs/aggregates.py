"""Percentiles and time gaps computed by the database, the same on SQLite and PostgreSQL.

PostgreSQL has `percentile_cont` and `percentile_disc`; SQLite has neither, so two aggregate
functions with the same meaning are registered on each SQLite connection (`register_sqlite_functions`).
Semantics: the continuous percentile interpolates between neighbours (the median of 1, 2, 3, 4 is
2.5); the discrete one is the smallest value with at least that fraction of values at or below it
("nine in ten within X"). NULLs are ignored, and no values give NULL.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Aggregate, Expression, FloatField, Func

SQLITE_CONTINUOUS = "carecircle_percentile_cont"
SQLITE_DISCRETE = "carecircle_percentile_disc"


def percentile_of(values: list[float], fraction: float, *, discrete: bool) -> float | None:
    """The percentile of `values` at `fraction` (0 to 1), as PostgreSQL computes it."""
    if not values:
        return None
    ordered = sorted(values)
    if discrete:
        index = max(math.ceil(fraction * len(ordered)) - 1, 0)
        return ordered[index]
    position = fraction * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


class _SqlitePercentile:
    discrete = False

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return percentile_of(self.values, self.fraction, discrete=self.discrete)


class _SqliteDiscretePercentile(_SqlitePercentile):
    discrete = True


def register_sqlite_functions(sender: object, connection: Any, **kwargs: object) -> None:
    """Connected to `connection_created`: adds the percentile aggregates to each new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_aggregate(SQLITE_CONTINUOUS, 2, _SqlitePercentile)
    connection.connection.create_aggregate(SQLITE_DISCRETE, 2, _SqliteDiscretePercentile)


class Percentile(Aggregate):
    """The `fraction` percentile (0 to 1) of a numeric expression, continuous or discrete."""

    output_field = FloatField()
    name = "Percentile"

    def __init__(self, expression: Any, *, fraction: float, discrete: bool = False) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction is between 0 and 1.")
        self.fraction = float(fraction)
        self.discrete = discrete
        super().__init__(expression)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        fraction = repr(self.fraction)  # a float made here, never user input
        if connection.vendor == "postgresql":
            function = "percentile_disc" if self.discrete else "percentile_cont"
            template = f"{function}({fraction}) WITHIN GROUP (ORDER BY %(expressions)s)"
        else:
            function = SQLITE_DISCRETE if self.discrete else SQLITE_CONTINUOUS
            template = f"{function}(%(expressions)s, {fraction})"
        return super().as_sql(compiler, connection, template=template, **extra_context)


class SecondsBetween(Func):
    """Seconds from `earlier` to `later` (two datetime columns) as a float; NULL if either is NULL."""

    output_field = FloatField()
    arity = 2

    def __init__(self, later: Expression | str, earlier: Expression | str) -> None:
        super().__init__(later, earlier)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        later, earlier = self.get_source_expressions()
        later_sql, later_params = compiler.compile(later)
        earlier_sql, earlier_params = compiler.compile(earlier)
        if connection.vendor == "postgresql":
            sql = f"EXTRACT(EPOCH FROM ({later_sql} - {earlier_sql}))::double precision"
        else:
            sql = f"((julianday({later_sql}) - julianday({earlier_sql})) * 86400.0)"
        return sql, (*later_params, *earlier_params)

"""lib.one_of: `OneOf(column, ids)` finds the rows `column__in=ids` finds, with one parameter on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from carecircle.accounts.models import User
from carecircle.lib.one_of import OneOf


@pytest.fixture
def people(db: Any) -> list[User]:
    return [User.objects.create_user(f"one-of-{number}@example.org", display_name=f"P{number}") for number in range(6)]


def ids_of(rows: Any) -> list[int]:
    return sorted(rows.values_list("pk", flat=True))


@pytest.mark.parametrize("chosen", [[0, 2, 5], [3], [], [1, 1, 4]])
def test_the_same_rows_as_in(people: list[User], chosen: list[int]) -> None:
    wanted = [people[index].pk for index in chosen]
    everyone = User.objects.filter(pk__in=[person.pk for person in people])

    assert ids_of(everyone.filter(OneOf("id", wanted))) == ids_of(everyone.filter(id__in=wanted))
    assert ids_of(everyone.exclude(OneOf("id", wanted))) == ids_of(everyone.exclude(id__in=wanted))
    assert ids_of(everyone.filter(Q(OneOf("id", wanted)) | Q(display_name="P1"))) == ids_of(
        everyone.filter(Q(id__in=wanted) | Q(display_name="P1"))
    )


def test_a_set_and_text_ids_are_taken_as_numbers(people: list[User]) -> None:
    wanted = {people[1].pk, people[4].pk}

    assert ids_of(User.objects.filter(OneOf("id", wanted))) == sorted(wanted)
    assert ids_of(User.objects.filter(OneOf("id", [str(pk) for pk in wanted]))) == sorted(wanted)
    with pytest.raises(ValueError, match="invalid literal"):
        OneOf("id", ["1; DROP TABLE"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one array parameter on PostgreSQL only")
def test_the_ids_are_one_parameter_on_postgresql(people: list[User]) -> None:
    wanted = [person.pk for person in people]

    _sql, params = User.objects.filter(OneOf("id", wanted)).query.sql_with_params()

    assert list(params) == ["{" + ",".join(str(pk) for pk in wanted) + "}"]
    assert ids_of(User.objects.filter(OneOf("id", wanted))) == sorted(wanted)

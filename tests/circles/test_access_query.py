"""The access query every circle page runs first: its answer, and that SQLite prepares it once."""

from __future__ import annotations

import pytest
from django.db import connection

from carecircle.circles.access import access_circle
from carecircle.circles.models import Membership, Role
from tests.sqlite_prepares import statements_prepared


def test_it_reads_each_role_and_whether_the_person_is_a_member(cast):
    for user, role in [(cast.person, Role.PERSON), (cast.organiser, Role.ORGANISER), (cast.helper, Role.HELPER)]:
        access = access_circle(user=user, circle_id=cast.circle.pk)
        assert (access.role, access.person_is_member) == (role, True)
    Membership.objects.filter(circle=cast.circle, role=Role.PERSON).delete()
    assert access_circle(user=cast.organiser, circle_id=cast.circle.pk).person_is_member is False


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statement cache and authorizer")
def test_it_is_prepared_once_not_on_every_page(cast):
    """A value bound where a partial index may apply makes SQLite prepare the statement again on every run."""
    access_circle(user=cast.organiser, circle_id=cast.circle.pk)
    with statements_prepared() as compiled:
        access_circle(user=cast.organiser, circle_id=cast.circle.pk)
        assert compiled, "the authorizer saw the statement prepared"
        compiled.clear()
        for user in (cast.organiser, cast.helper, cast.person):
            assert access_circle(user=user, circle_id=cast.circle.pk).person_is_member is True
    assert compiled == []

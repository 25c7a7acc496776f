"""The failed deliveries an organiser's home reads in its page state: SQLite prepares that query once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from carecircle.circles.access import access_circle
from carecircle.circles.conditional import viewer_part_values
from tests.cast import Cast
from tests.security.test_failed_deliveries import failed_email_to
from tests.sqlite_prepares import statements_prepared

pytestmark = pytest.mark.django_db


def failed_part(cast: Cast, name: str) -> str:
    """The failed-deliveries part of the home's state for one member, read afresh as a new request would."""
    access = access_circle(user=cast.user(name), circle_id=cast.circle.pk)
    values = viewer_part_values(RequestFactory().get("/"), access)
    return next(value for value in values if value.startswith("failed deliveries="))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's statement cache and authorizer")
def test_the_home_state_is_prepared_once_not_on_every_page(cast: Cast) -> None:
    """A status bound where the partial index of failures may apply made SQLite prepare it again on every run."""
    delivery = failed_email_to(cast.helper.email, "Connection refused")
    failed_part(cast, "organiser")
    with statements_prepared() as compiled:
        failed_part(cast, "organiser")
        assert compiled, "the authorizer saw the statements prepared"
        compiled.clear()
        for _ in range(3):
            part = failed_part(cast, "organiser")
            assert part == f"failed deliveries=1:{delivery.pk}/{timezone.now():%Y-%m-%dT%H}"
    assert compiled == []

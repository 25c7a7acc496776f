"""The circle home's per-viewer state, read by SQL written once, is what the ORM reads.

The state (read markers, failed deliveries, the offer of support) goes into the page's ETag and its
sections' cache keys, so a wrong value would serve a stale page. Each part's SQL is checked here
against the same question asked through the ORM, in every state the part can be in.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import CharField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast as CastAs
from django.db.models.functions import Concat
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import viewer_part_values
from carecircle.circles.models import Circle
from carecircle.conversations import services as conversations
from carecircle.conversations.models import ReadMarker
from carecircle.notifications.models import Delivery, DeliveryStatus
from carecircle.orgs.models import SupportOffer
from carecircle.orgs.support_offers import OFFERED_TO, SHOWN, uk_today
from tests.cast import Cast
from tests.conversations.conftest import family_of
from tests.security.test_failed_deliveries import failed_email_to

pytestmark = pytest.mark.django_db


def by_the_orm(access: CircleAccess) -> list[str]:
    """The three parts asked through the ORM, as one query with subqueries on the circle's row."""
    markers = ReadMarker.objects.filter(user_id=access.user_id, conversation__circle_id=OuterRef("pk"))
    read = Subquery(markers.order_by().values("user_id").annotate(total=Sum("last_read_id")).values("total")[:1])
    latest = Delivery.objects.filter(status=DeliveryStatus.FAILED).order_by("-id").values("id")[:1]
    failed = (
        Concat(CastAs(Subquery(latest), CharField()), Value(f"/{timezone.now():%Y-%m-%dT%H}"))
        if access.can("circle.edit")
        else Value("")
    )
    showing = SupportOffer.objects.filter(
        Q(later_until__isnull=True) | Q(later_until__lte=uk_today()),
        user_id=access.user_id,
        circle_id=OuterRef("pk"),
        due=True,
        dismissed_at__isnull=True,
    ).values(shown=Concat(Value(SHOWN), "district", output_field=CharField()))
    offer = Subquery(showing[:1], output_field=CharField()) if access.role in OFFERED_TO else Value("")
    row = Circle.objects.filter(pk=access.circle.pk).annotate(a=failed, b=read, c=offer).values("a", "b", "c").get()
    return [f"failed deliveries={row['a']}", f"read markers={row['b']}", f"support offer={row['c']}"]


def by_sql(cast: Cast, name: str) -> list[str]:
    access = access_circle(user=cast.user(name), circle_id=cast.circle.pk)
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as captured:
        values = viewer_part_values(request, access)
        assert viewer_part_values(request, access) == values  # Read once per request.
    assert len(captured) == 1
    assert values == by_the_orm(access)
    return values


NAMES = ["person", "organiser", "helper", "paid_carer", "professional", "well_wisher"]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_read_no_failure_no_offer(cast: Cast, name: str) -> None:
    values = by_sql(cast, name)
    assert "read markers=None" in values


def test_read_markers_change_the_state_of_their_reader_only(cast: Cast) -> None:
    before = {name: by_sql(cast, name) for name in NAMES}
    posted = conversations.message_post(actor=cast.organiser, where=family_of(cast, cast.organiser), body="Hi").message
    conversations.read_marker_set(actor=cast.helper, where=family_of(cast, cast.helper), last_read_id=posted.pk)

    after = {name: by_sql(cast, name) for name in NAMES}

    assert after["helper"] != before["helper"]
    assert f"read markers={posted.pk}" in after["helper"]
    assert after["organiser"] == before["organiser"]


def test_a_failed_delivery_changes_the_state_of_those_who_see_it(cast: Cast) -> None:
    before = {name: by_sql(cast, name) for name in NAMES}
    delivery = failed_email_to(cast.helper.email, "Connection refused")

    after = {name: by_sql(cast, name) for name in NAMES}

    assert f"failed deliveries={delivery.pk}/{timezone.now():%Y-%m-%dT%H}" in after["organiser"]
    assert after["helper"] == before["helper"]
    assert "failed deliveries=" in after["helper"]


@pytest.mark.parametrize(
    ("later_until", "dismissed", "shown"),
    [
        (None, False, True),
        (datetime.timedelta(days=-1), False, True),
        (datetime.timedelta(days=0), False, True),
        (datetime.timedelta(days=14), False, False),
        (None, True, False),
    ],
)
def test_an_offer_of_support_is_state_while_it_shows(
    cast: Cast, later_until: datetime.timedelta | None, dismissed: bool, shown: bool
) -> None:
    SupportOffer.objects.create(
        user=cast.helper,
        circle=cast.circle,
        district="SW1A",
        due=True,
        later_until=None if later_until is None else uk_today() + later_until,
        dismissed_at=timezone.now() if dismissed else None,
    )
    SupportOffer.objects.create(user=cast.organiser, circle=cast.other_circle, district="CF10", due=True)

    assert ("support offer=shown:SW1A" in by_sql(cast, "helper")) is shown
    assert "support offer=None" in by_sql(cast, "organiser")  # Offered in another circle only.
    assert "support offer=" in by_sql(cast, "well_wisher")

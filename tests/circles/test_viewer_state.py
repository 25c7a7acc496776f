"""The circle home's per-viewer state, read by SQL written once, is what the ORM reads.

The state (read markers, failed deliveries, the offer of support) goes into the page's ETag and its
sections' cache keys, so a wrong value would serve a stale page. Each part's SQL is checked here
against the same question asked through the ORM, in every state the part can be in.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import CharField, Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Concat
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.services import user_update_profile
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import viewer_part_values
from carecircle.circles.models import Circle, Membership
from carecircle.conversations import services as conversations
from carecircle.conversations.models import ReadMarker
from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.notifications.services import delivery_enqueue
from carecircle.orgs.models import SupportOffer
from carecircle.orgs.support_offers import OFFERED_TO, SHOWN, uk_today
from tests.cast import Cast
from tests.conversations.conftest import family_of
from tests.security.test_failed_deliveries import failed_email_to

pytestmark = pytest.mark.django_db


def by_the_orm(access: CircleAccess) -> list[str]:
    """The three parts asked through the ORM: the failures to members, then the rest on the circle's row."""
    markers = ReadMarker.objects.filter(user_id=access.user_id, conversation__circle_id=OuterRef("pk"))
    read = Subquery(markers.order_by().values("user_id").annotate(total=Sum("last_read_id")).values("total")[:1])
    members = Membership.objects.filter(circle_id=access.circle.pk)
    failures = Delivery.objects.filter(status=DeliveryStatus.FAILED).filter(
        Q(channel=Channel.EMAIL, to__in=members.exclude(user__email="").values("user__email"))
        | Q(channel=Channel.SMS, to__in=members.exclude(user__phone="").values("user__phone"))
    )
    totals = failures.aggregate(count=Count("id"), total=Sum("id"))
    failed = (
        Value(f"{totals['count']}:{totals['total'] or 0}/{timezone.now():%Y-%m-%dT%H}")
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

    assert f"failed deliveries=1:{delivery.pk}/{timezone.now():%Y-%m-%dT%H}" in after["organiser"]
    assert after["helper"] == before["helper"]
    assert "failed deliveries=" in after["helper"]


def failed_text_to(number: str) -> Delivery:
    delivery = delivery_enqueue(channel=Channel.SMS, to=number, body="…", idempotency_key=f"text {number}")
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=5)
    return delivery


def test_a_failure_in_another_circle_leaves_the_state_as_it_is(cast: Cast) -> None:
    before = by_sql(cast, "organiser")
    failed_email_to(cast.outsider.email, "Connection refused")  # Organises the other circle only.
    failed_email_to("someone@example.net", "Connection refused")  # An invitation to no member.

    assert by_sql(cast, "organiser") == before
    assert f"failed deliveries=0:0/{timezone.now():%Y-%m-%dT%H}" in before


def test_a_failed_text_to_a_members_number_changes_the_state(cast: Cast) -> None:
    helper = cast.helper
    user_update_profile(
        actor=helper,
        display_name=helper.display_name,
        phone="+447700900321",
        time_zone=helper.time_zone,
        language=helper.language,
    )
    before = by_sql(cast, "organiser")
    failed_text_to("+447700900321")
    failed_email_to("+447700900321", "Refused")  # The number as an email address: not this member's.

    after = by_sql(cast, "organiser")

    assert after != before
    assert "failed deliveries=1:" in " ".join(after)


def test_an_older_delivery_failing_after_a_newer_one_changes_the_state(cast: Cast) -> None:
    older = delivery_enqueue(channel=Channel.EMAIL, to=cast.helper.email, subject="S", body="…", idempotency_key="a")
    newer = failed_email_to(cast.paid_carer.email, "Connection refused")
    assert older.pk < newer.pk
    before = by_sql(cast, "organiser")

    Delivery.objects.filter(pk=older.pk).update(status=DeliveryStatus.FAILED, attempts=5)

    assert by_sql(cast, "organiser") != before


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

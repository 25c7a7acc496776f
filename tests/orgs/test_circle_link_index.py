"""The waiting requests for an address are found through the partial index, not by reading every request."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from carecircle.orgs.circle_links import waiting_for_address
from carecircle.orgs.models import CircleLinkRequest
from tests.orgs.conftest import Org, make_referral

INDEX = "orgs_link_pending_email"


def test_the_waiting_requests_for_an_address_are_read_through_the_partial_index(org: Org) -> None:
    # One waiting request per referral (a constraint), so the waiting ones need referrals of their own.
    referrals = [make_referral(org.organisation, person_name=f"Person {number}") for number in range(6)]
    now = timezone.now()
    # Many answered requests and a few waiting ones, as a busy organisation has after a year.
    CircleLinkRequest.objects.bulk_create(
        CircleLinkRequest(
            referral=referrals[number // 500],
            email=f"family{number}@example.org",
            token_hash=f"{number:064d}",
            status="pending" if number % 500 == 0 else "declined",
            expires_at=now + datetime.timedelta(days=14),
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {CircleLinkRequest._meta.db_table}")
    waiting = waiting_for_address("family500@example.org")
    assert [request.email for request in waiting] == ["family500@example.org"]
    plan = waiting.explain()
    assert INDEX in plan, plan
    # Partial: answered requests are not in it, so it stays as small as what is waiting.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [INDEX])
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX])
        (definition,) = cursor.fetchone()
    assert "WHERE" in definition
    assert "'pending'" in definition

"""Referrals: the pipeline, who may do what, clocks, notes, duplicates and merging, search, list and board."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEntry
from carecircle.orgs.models import Referral, ReferralEvent
from tests.orgs.conftest import Org, make_referral, text


def url(name: str, org: Org, referral: Referral | None = None) -> str:
    kwargs: dict[str, int] = {"organisation_id": org.organisation.pk}
    if referral is not None:
        kwargs["referral_id"] = referral.pk
    return reverse(f"orgs:{name}", kwargs=kwargs)


def test_a_referral_goes_through_the_whole_pipeline_by_plain_form_posts(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    coordinator = as_user(org.coordinator)
    move = url("referral_move", org, referral)
    assert coordinator.post(move, {"to": "triaged"}).status_code == 302
    assert coordinator.post(move, {"to": "accepted"}).status_code == 302
    coordinator.post(url("referral_assign", org, referral), {"assignee": org.volunteer.pk})
    volunteer = as_user(org.volunteer)
    volunteer.post(url("referral_contact", org, referral), {"text": "Spoke on the phone"})
    volunteer.post(move, {"to": "active"})
    volunteer.post(url("referral_note", org, referral), {"text": "Visited on Tuesday, enjoyed a chat."})
    coordinator.post(move, {"to": "closed", "outcome": "supported", "note": "Now goes to the lunch club."})
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert referral.assigned_to == org.volunteer
    assert referral.first_contact_at is not None
    assert referral.closed_at is not None
    assert referral.outcome == "supported"
    kinds = list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))
    assert kinds == ["created", "moved", "moved", "assigned", "contact", "moved", "note", "moved"]
    assert AuditEntry.objects.filter(data__referral=referral.pk).count() == len(kinds)
    page = text(coordinator.get(url("referral", org, referral)))
    assert "Visited on Tuesday" in page
    assert "Now goes to the lunch club" in page


def test_declining_needs_a_reason(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    response = as_user(org.coordinator).post(url("referral_move", org, referral), {"to": "declined"}, follow=True)
    assert "Say why the referral is declined" in text(response)
    referral.refresh_from_db()
    assert referral.status == "new"


def test_a_move_the_state_does_not_allow_is_refused_with_a_message(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    response = as_user(org.coordinator).post(
        url("referral_move", org, referral), {"to": "closed", "outcome": "supported"}, follow=True
    )
    assert "can't be moved to closed" in text(response)


def test_volunteers_see_only_what_is_assigned_to_them(org: Org, as_user: Any, coordinator_access: Any) -> None:
    from carecircle.orgs.referral_services import referral_assign, referral_move

    theirs = make_referral(org.organisation, person_name="Assigned Person")
    other = make_referral(org.organisation, person_name="Someone Else")
    referral_move(access=coordinator_access, referral=theirs, to="accepted")
    referral_assign(access=coordinator_access, referral=theirs, assignee=org.volunteer)
    volunteer = as_user(org.volunteer)
    listing = text(volunteer.get(url("referrals", org)))
    assert "Assigned Person" in listing
    assert "Someone Else" not in listing
    assert volunteer.get(url("referral", org, other)).status_code == 404
    assert volunteer.get(url("referral", org, theirs)).status_code == 200
    assert volunteer.get(url("referral_new", org)).status_code == 403
    assert (
        volunteer.post(url("referral_move", org, theirs), {"to": "closed", "outcome": "supported"}).status_code == 302
    )
    theirs.refresh_from_db()
    assert theirs.status == "assigned"


def test_another_organisations_staff_get_404_for_a_referral(org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    assert as_user(org.other_staff).get(url("referral", org, referral)).status_code == 404
    assert as_user(org.commissioner).get(url("referrals", org)).status_code == 404


def test_overdue_referrals_are_highlighted_and_found_by_the_filter(org: Org, as_user: Any) -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        late = make_referral(org.organisation, person_name="Waiting Long", urgency="urgent")
    make_referral(org.organisation, person_name="Just Arrived", urgency="urgent")
    page = text(as_user(org.coordinator).get(url("referrals", org) + "?overdue=1"))
    assert "Waiting Long" in page
    assert "Just Arrived" not in page
    detail = text(as_user(org.coordinator).get(url("referral", org, late)))
    assert "Overdue: first contact was due by" in detail


def test_search_and_filters_narrow_the_list(org: Org, as_user: Any) -> None:
    make_referral(org.organisation, person_name="Alice Ash", needs=["shopping"], urgency="soon")
    make_referral(org.organisation, person_name="Bob Birch", needs=["transport"], person_postcode="LL13 7AB")
    client = as_user(org.coordinator)
    assert "Bob Birch" not in text(client.get(url("referrals", org) + "?q=alice"))
    by_need = text(client.get(url("referrals", org) + "?need=transport"))
    assert "Bob Birch" in by_need
    assert "Alice Ash" not in by_need
    by_postcode = text(client.get(url("referrals", org) + "?q=LL13"))
    assert "Bob Birch" in by_postcode
    assert "Alice Ash" not in by_postcode
    assert "Alice Ash" in text(client.get(url("referrals", org) + "?urgency=soon"))


def test_possible_duplicates_are_flagged_and_merging_keeps_both_histories(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    from carecircle.orgs.referral_services import referral_note_add

    first = make_referral(org.organisation, person_name="Mary  Jones", needs=["loneliness"])
    second = make_referral(org.organisation, person_name="mary jones", person_postcode="ll111aa", needs=["shopping"])
    referral_note_add(access=coordinator_access, referral=second, text="Daughter called too.")
    client = as_user(org.coordinator)
    assert text(client.get(url("referrals", org))).count("Possible duplicate") == 2
    client.post(url("referral_merge", org, first), {"other": second.pk})
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.merged_into == first
    assert second.status == "closed"
    assert set(first.needs) == {"loneliness", "shopping"}
    page = text(client.get(url("referral", org, first)))
    assert "Daughter called too." in page
    assert "Possible duplicate" not in text(client.get(url("referrals", org)))


def test_staff_add_a_referral_and_bad_input_keeps_what_was_typed(org: Org, as_user: Any) -> None:
    client = as_user(org.coordinator)
    bad = client.post(
        url("referral_new", org),
        {
            "person_name": "Tom Price",
            "person_postcode": "NOT CODE",
            "contact_preference": "phone",
            "urgency": "routine",
            "source": "gp",
            "consent_given_by": "person",
            "consent_to": "Contact",
            "consent_confirmed": "on",
        },
    )
    assert bad.status_code == 400
    assert "Give a UK postcode" in text(bad)
    assert "Tom Price" in text(bad)
    good = client.post(
        url("referral_new", org),
        {
            "person_name": "Tom Price",
            "person_postcode": "ll11 2bb",
            "contact_preference": "phone",
            "urgency": "routine",
            "source": "gp",
            "consent_given_by": "person",
            "consent_to": "Contact",
            "consent_confirmed": "on",
            "needs": ["shopping", "transport"],
        },
    )
    assert good.status_code == 302
    referral = Referral.objects.get(person_name="Tom Price")
    assert referral.person_postcode == "LL11 2BB"
    assert referral.needs == ["shopping", "transport"]


def _queries(client: Any, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_list_board_and_home_make_the_same_number_of_queries_however_many_referrals(
    org: Org, as_user: Any, coordinator_access: Any
) -> None:
    from carecircle.orgs.referral_services import referral_assign, referral_move

    client = as_user(org.coordinator)
    pages = [url("referrals", org), url("referral_board", org), url("home", org), url("referrals", org) + "?need=home"]
    for number in range(3):
        make_referral(org.organisation, person_name=f"Person {number}", needs=["home"])
    _queries(client, pages[0])  # The first request of a session warms caches.
    before = [_queries(client, page) for page in pages]
    for number in range(30):
        referral = make_referral(org.organisation, person_name=f"More {number}", needs=["home"])
        if number % 3 == 0:
            referral_move(access=coordinator_access, referral=referral, to="accepted")
            referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
    after = [_queries(client, page) for page in pages]
    assert before == after
    detail = make_referral(org.organisation, person_name="Detail Person")
    few = _queries(client, url("referral", org, detail))
    referral_move(access=coordinator_access, referral=detail, to="accepted")
    referral_assign(access=coordinator_access, referral=detail, assignee=org.volunteer)
    make_referral(org.organisation, person_name="Detail Person")
    assert _queries(client, url("referral", org, detail)) == few


def test_a_referrals_live_regions_are_parts_of_its_page_behind_the_same_check(org: Org, as_user: Any) -> None:
    """The open page refetches its summary and history (orgs/live.py) through the page's own view."""
    referral = make_referral(org.organisation)
    coordinator = as_user(org.coordinator)
    coordinator.post(url("referral_note", org, referral), {"text": "Rang the surgery."})
    page = url("referral", org, referral)
    summary = text(coordinator.get(page + "?fragment=summary"))
    history = text(coordinator.get(page + "?fragment=history"))
    assert referral.person_name in summary
    assert "What next" in summary
    assert "Rang the surgery." not in summary
    assert "<html" not in summary
    assert "Rang the surgery." in history
    assert referral.person_name not in history
    assert 'name="text"' not in history, "the note form is outside both regions"
    whole = text(coordinator.get(page + "?fragment=something-else"))
    assert "<html" in whole
    assert f'data-live-referral="{referral.pk}"' in whole
    # A volunteer it isn't given to, and another organisation's staff, get no region either.
    assert as_user(org.volunteer).get(page + "?fragment=history").status_code == 404
    assert as_user(org.other_staff).get(page + "?fragment=summary").status_code == 404

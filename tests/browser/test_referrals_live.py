"""Live updates for staff: a referral sent through the API appears on the open board without a reload.

Without JavaScript the board is the same page and shows the referral on the next load.
"""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import Browser, expect

from carecircle.accounts.services import api_token_create
from carecircle.orgs.models import OrganisationStaff
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


def send_referral(server: str, organisation_id: int, secret: str, name: str) -> int:
    """What a GP system does: POST the referral with its token."""
    body = {"person_name": name, "consent_given_by": "person", "consent_to": "Being contacted", "needs": ["shopping"]}
    request = urllib.request.Request(
        f"{server}/api/v1/organisations/{organisation_id}/referrals",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return int(response.status)


def test_a_referral_sent_through_the_api_shows_on_an_open_board(server: str, browser: Browser) -> None:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    _, secret = api_token_create(actor=cast.org_staff, name="GP system")

    board = make_checked(sign_in(browser.new_context(), server, cast.org_staff))
    page = board.page
    page.goto(f"{server}/organisations/{organisation.pk}/referrals/board")
    board.check("the referrals board")
    new_column = page.get_by_role("region", name="New")
    expect(new_column.get_by_text("None")).to_be_visible()
    expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    list_page = board.page.context.new_page()
    list_page.goto(f"{server}/organisations/{organisation.pk}/referrals/")
    expect(list_page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")

    assert send_referral(server, organisation.pk, secret, "Edna Hughes") == 201

    # No reload: the board's columns and the list refetch themselves through the same views.
    expect(new_column.get_by_role("link", name="Edna Hughes")).to_be_visible()
    expect(new_column.get_by_role("heading")).to_contain_text("(1)")
    expect(list_page.get_by_role("link", name="Edna Hughes")).to_be_visible()
    board.check("the board after a referral arrived live")
    board.close()

    # Without JavaScript: the same board, with what arrived, on the next load.
    plain = signed_in_without_javascript(browser, server, cast.org_staff)
    assert send_referral(server, organisation.pk, secret, "Owen Price") == 201
    plain.page.goto(f"{server}/organisations/{organisation.pk}/referrals/board")
    expect(plain.page.get_by_role("link", name="Owen Price")).to_be_visible()
    expect(plain.page.get_by_role("link", name="Edna Hughes")).to_be_visible()
    plain.check("the board without JavaScript")
    plain.close()

"""A volunteer's open pages refetch only for their own referrals: the organisation's other events reach
them as bare numbers ("organisation.skip"), counted without a fetch, while a number that never
arrives (a publish that failed) still refetches everything.

The counts are the figures in docs/performance.md ("Volunteers' live pages"): 20 changes in the
organisation, 3 of them to the volunteer's referral, with a dropped connection half way through.
Without JavaScript the same pages show every change on the next load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from playwright.sync_api import Browser, BrowserContext, Page, expect

from carecircle.accounts.models import User
from carecircle.orgs.access import access_organisation
from carecircle.orgs.live import organisation_event_seq_next
from carecircle.orgs.models import Organisation, OrganisationStaff, Referral, StaffRole
from carecircle.orgs.referral_services import ReferralInput, referral_assign, referral_create, referral_move
from carecircle.orgs.services import organisation_staff_add
from tests.browser.conftest import make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast

# Keeps every WebSocket the page opens (so the test can drop one, as a train's tunnel does) and
# every message it is sent, before live.js reads it.
SOCKETS_KEPT = """
(() => {
  const Native = window.WebSocket;
  window.keptSockets = [];
  window.heard = [];
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (message) => { window.heard.push(JSON.parse(message.data)); });
    window.keptSockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""
# Changes 1-20: the three to Val's referral come 4th, 11th and 18th; the connection drops after the 10th.
OWN_CHANGES = {4, 11, 18}
DROP_AFTER = 10


@dataclass
class Team:
    organisation: Organisation
    coordinator: User
    val: User
    edna: Referral  # Val's
    nia: Referral  # Val's too
    others: list[Referral]  # Wyn's and nobody's


def _given(organisation: Organisation, coordinator: User, name: str, to: User | None) -> Referral:
    access = access_organisation(user=coordinator, organisation_id=organisation.pk)
    referral, _ = referral_create(
        actor=None,
        organisation=organisation,
        data=ReferralInput(person_name=name, consent_given_by="person", consent_to="Being contacted"),
        via="through the API",
    )
    referral = referral_move(access=access, referral=referral, to="accepted")
    return referral if to is None else referral_assign(access=access, referral=referral, assignee=to)


def _team() -> Team:
    cast = build_cast()
    organisation = OrganisationStaff.objects.get(user=cast.org_staff).organisation
    val = User.objects.create_user(email="val@example.org", password=None, display_name="Val Volunteer")
    wyn = User.objects.create_user(email="wyn@example.org", password=None, display_name="Wyn Volunteer")
    for person in (val, wyn):
        organisation_staff_add(actor=None, organisation=organisation, user=person, role=StaffRole.VOLUNTEER)
    return Team(
        organisation=organisation,
        coordinator=cast.org_staff,
        val=val,
        edna=_given(organisation, cast.org_staff, "Edna Hughes", val),
        nia=_given(organisation, cast.org_staff, "Nia Rees", val),
        others=[
            _given(organisation, cast.org_staff, "Owen Price", wyn),
            _given(organisation, cast.org_staff, "Mary Jones", None),
        ],
    )


@dataclass
class Colleague:
    """The coordinator's browser, changing referrals through the site's own forms."""

    context: BrowserContext
    server: str
    organisation: Organisation
    token: str = ""

    def post(self, referral: Referral, action: str, form: dict[str, str]) -> None:
        if not self.token:
            page = self.context.new_page()
            page.goto(f"{self.server}/organisations/{self.organisation.pk}/referrals/{referral.pk}/")
            self.token = next(c["value"] for c in self.context.cookies() if c["name"] == "csrftoken")
            page.close()
        address = f"{self.server}/organisations/{self.organisation.pk}/referrals/{referral.pk}/{action}"
        response = self.context.request.post(address, form={**form, "csrfmiddlewaretoken": self.token}, max_redirects=0)
        assert response.status == 302, f"{address} answered {response.status}"

    def note(self, referral: Referral, text: str) -> None:
        self.post(referral, "note", {"text": text})


@dataclass
class Watched:
    """A page whose region refetches (`?fragment=`) are counted."""

    page: Page
    organisation: Organisation
    fetches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", lambda request: self._count(request.url))

    def _count(self, url: str) -> None:
        if "fragment=" in url:
            self.fetches.append(url)

    def latest_number(self) -> int:
        return int(Organisation.objects.values_list("event_seq", flat=True).get(pk=self.organisation.pk))

    def counted_without_fetch(self, change: Callable[[], None]) -> None:
        """Make a change and wait until the page has counted its number."""
        change()
        self.page.wait_for_function(
            f"() => sessionStorage.getItem('cc-org-seq-{self.organisation.pk}') === '{self.latest_number()}'"
        )

    def refetched(self, change: Callable[[], None], regions: int) -> None:
        """Make a change and wait until the page's regions (as many as given) have come back refetched."""
        done = "performance.getEntriesByType('resource').filter((entry) => entry.name.includes('fragment=')).length"
        before = self.page.evaluate(done)
        change()
        self.page.wait_for_function(f"() => {done} >= {before + regions}")

    def drop_connection(self) -> None:
        """Close the page's WebSocket, as a lost signal does, and wait for live.js to be back."""
        self.page.evaluate("window.keptSockets[window.keptSockets.length - 1].close()")
        self.page.wait_for_function(
            "() => window.keptSockets.length === 2"
            " && window.heard.filter((m) => m.type === 'organisation.latest').length === 2"
        )


def _open(page: Page, address: str, organisation: Organisation) -> Watched:
    page.add_init_script(SOCKETS_KEPT)
    watched = Watched(page=page, organisation=organisation)
    page.goto(address)
    expect(page.locator("[data-live-status]")).to_have_text("Live: changes appear as they happen.")
    page.wait_for_function("() => window.heard.some((m) => m.type === 'organisation.latest')")
    page.evaluate("window.stillTheSamePage = true")
    assert watched.fetches == []
    return watched


def _twenty_changes(
    watched: Watched, colleague: Colleague, mine: Callable[[int], None], others: list[Referral], regions: int
) -> None:
    """Twenty changes, three of them the volunteer's (`mine(n)`), a dropped connection after the tenth."""
    for number in range(1, 21):
        if number in OWN_CHANGES:
            watched.refetched(partial(mine, number), regions=regions)
        else:
            other = others[number % len(others)]
            watched.counted_without_fetch(partial(colleague.note, other, f"Change {number}."))
        if number == DROP_AFTER:
            watched.drop_connection()


def test_a_volunteers_list_refetches_only_for_their_own_referral(server: str, browser: Browser) -> None:
    team = _team()
    organisation, edna = team.organisation, team.edna
    base = f"{server}/organisations/{organisation.pk}/referrals"
    colleague = Colleague(sign_in(browser.new_context(), server, team.coordinator), server, organisation)

    volunteer = make_checked(sign_in(browser.new_context(), server, team.val))
    watched = _open(volunteer.page, f"{base}/", organisation)
    volunteer.check("a volunteer's live referral list")
    edna_row = volunteer.page.get_by_role("row").filter(has_text="Edna Hughes")
    expect(edna_row).to_contain_text("Assigned")

    def mine(number: int) -> None:
        if number == 11:
            colleague.post(edna, "move", {"to": "active"})
        else:
            colleague.note(edna, f"Change {number}: rang Edna.")

    _twenty_changes(watched, colleague, mine, team.others, regions=1)

    # One fetch per change to Edna's referral, none for the 17 others or the dropped connection.
    assert len(watched.fetches) == 3, watched.fetches
    expect(edna_row).to_contain_text("Active")
    assert volunteer.page.evaluate("window.stillTheSamePage") is True
    volunteer.check("a volunteer's list after Edna's referral changed live")

    # A number taken whose publish failed is a real gap: the next number (someone else's) refetches.
    organisation_event_seq_next(organisation.pk)
    watched.refetched(lambda: colleague.note(team.others[0], "After a lost event."), regions=1)
    assert len(watched.fetches) == 4, watched.fetches
    volunteer.close()
    colleague.context.close()

    # Without JavaScript: the same list, reloaded, shows the truth.
    plain = signed_in_without_javascript(browser, server, team.val)
    plain.page.goto(f"{base}/")
    expect(plain.page.get_by_role("row").filter(has_text="Edna Hughes")).to_contain_text("Active")
    expect(plain.page.get_by_role("link", name="Owen Price")).to_have_count(0)
    plain.check("a volunteer's list without JavaScript")
    plain.close()


def test_a_volunteers_open_referral_refetches_only_for_that_referral(server: str, browser: Browser) -> None:
    team = _team()
    organisation, edna = team.organisation, team.edna
    address = f"{server}/organisations/{organisation.pk}/referrals/{edna.pk}/"
    colleague = Colleague(sign_in(browser.new_context(), server, team.coordinator), server, organisation)

    volunteer = make_checked(sign_in(browser.new_context(), server, team.val))
    watched = _open(volunteer.page, address, organisation)
    volunteer.check("a volunteer's live referral")

    # Her other referral (Nia's) changes too, five times among the others: her open page of Edna's
    # refetches neither.
    others = [team.nia, *team.others]
    _twenty_changes(
        watched, colleague, lambda number: colleague.note(edna, f"Change {number}: rang Edna."), others, regions=2
    )

    # Both regions (summary and history) once per change to Edna's referral: 3 times 2.
    assert len(watched.fetches) == 6, watched.fetches
    expect(volunteer.page.locator(".history")).to_contain_text("Change 18: rang Edna.")
    assert volunteer.page.evaluate("window.stillTheSamePage") is True
    volunteer.check("a volunteer's referral after changes arrived live")
    volunteer.close()
    colleague.context.close()

    plain = signed_in_without_javascript(browser, server, team.val)
    plain.page.goto(address)
    expect(plain.page.locator(".history")).to_contain_text("Change 18: rang Edna.")
    plain.check("a volunteer's referral without JavaScript")
    plain.close()


def test_a_volunteers_board_counts_others_changes_without_a_fetch_and_moves_their_own_card(
    server: str, browser: Browser
) -> None:
    """The board: skips for colleagues' referrals fetch nothing; a change to the volunteer's own refetches once."""
    team = _team()
    organisation, edna = team.organisation, team.edna
    address = f"{server}/organisations/{organisation.pk}/referrals/board"
    colleague = Colleague(sign_in(browser.new_context(), server, team.coordinator), server, organisation)

    volunteer = make_checked(sign_in(browser.new_context(), server, team.val))
    watched = _open(volunteer.page, address, organisation)
    volunteer.check("a volunteer's live referrals board")
    assigned = volunteer.page.get_by_role("region", name="Assigned")
    active = volunteer.page.get_by_role("region", name="Active")
    expect(assigned).to_contain_text("Edna Hughes")
    expect(active).not_to_contain_text("Edna Hughes")

    # Five changes to Wyn's and nobody's referrals: each reaches the board as a skip, and none refetches.
    for number in range(1, 6):
        watched.counted_without_fetch(partial(colleague.note, team.others[number % 2], f"Change {number}."))
    skips = volunteer.page.evaluate("window.heard.filter((m) => m.type === 'organisation.skip').length")
    assert skips == 5
    assert watched.fetches == []
    expect(volunteer.page.get_by_text("Owen Price")).to_have_count(0)

    # Edna's referral becomes active: the one event meant for Val refetches the board once, and her card moves.
    watched.refetched(lambda: colleague.post(edna, "move", {"to": "active"}), regions=1)
    assert len(watched.fetches) == 1, watched.fetches
    expect(active).to_contain_text("Edna Hughes")
    expect(assigned).not_to_contain_text("Edna Hughes")
    assert volunteer.page.evaluate("window.stillTheSamePage") is True
    volunteer.check("a volunteer's board after their referral changed live")
    volunteer.close()
    colleague.context.close()

    # Without JavaScript the board, reloaded, shows the same.
    plain = signed_in_without_javascript(browser, server, team.val)
    plain.page.goto(address)
    expect(plain.page.get_by_role("region", name="Active")).to_contain_text("Edna Hughes")
    expect(plain.page.get_by_text("Owen Price")).to_have_count(0)
    plain.check("a volunteer's board without JavaScript")
    plain.close()

"""Live updates of the referral list and board for an organisation's staff (docs/architecture/organisations.md).

Every change to a referral writes a history entry (orgs/history.py), which sends
`{"type": "referral.changed", "organisation": 7, "referral": 42, "seq": 18}` to the organisation's
group after commit: ids only, numbered per organisation (`Organisation.event_seq`), so a page that
missed one (a gap, or `organisation.latest` on reconnecting above what it heard) refetches.
A connection joins the group of each organisation its person is on the staff of; each event is
passed on only if they still are, and, for a volunteer, only if the referral is assigned to them
now: of anyone else's, a volunteer is sent only the number (`{"type": "organisation.skip",
"organisation": 7, "seq": 19}`), so their page can tell a number that wasn't theirs from a lost
one without refetching everything. The page then fetches its list or board again through the same
view and the same access checks (`?fragment=1`), so nothing about a referral travels through the
channel layer.

Someone who loses referrals (one given to someone else, their role lowered, or taken off the staff) is
sent `{"type": "referrals.withdrawn", "organisation": 7, "user": 9}` on their personal group: no
referral id, so it says nothing of what they lost, only that their pages should refetch (and the
fetch, through the access checks, leaves out what they no longer may see). Someone taken off the
staff is first told, on the same personal group, to re-read their organisations, so their
connections leave the organisation's group at once rather than at the minute's refresh.
"""

from __future__ import annotations

from typing import Any

from carecircle.lib.rows import counter_next
from carecircle.orgs.access import ROLE_CAPABILITIES
from carecircle.orgs.models import Organisation, OrganisationStaff, Referral
from carecircle.realtime.events import scope_event_send, user_event_send, user_scopes_refresh
from carecircle.realtime.registries import Hearing, LiveScope, register_live_scope

KEY = "organisation"
REFERRAL_CHANGED = "referral.changed"
REFERRALS_WITHDRAWN = "referrals.withdrawn"


def referral_changed(*, organisation_id: int, referral_id: int) -> None:
    """Tell the organisation's open lists and boards that this referral changed, once the transaction commits."""
    scope_event_send(
        key=KEY,
        scope_id=organisation_id,
        type=REFERRAL_CHANGED,
        next_seq=lambda: organisation_event_seq_next(organisation_id),
        referral=referral_id,
    )


def organisation_event_seq_next(organisation_id: int) -> int | None:
    """The organisation's next event number, taken in one UPDATE … RETURNING (None if it is gone)."""
    return counter_next(Organisation, organisation_id)


def referrals_withdrawn(*, organisation_id: int, user_id: int) -> None:
    """Tell one person's open pages of the organisation to refetch: they may see fewer referrals now."""
    user_event_send(user_id=user_id, type=REFERRALS_WITHDRAWN, **{KEY: organisation_id, "user": user_id})


def staff_joined(*, user_id: int) -> None:
    """After commit, someone added to the staff: their open connections join the group now, not in a minute."""
    user_scopes_refresh(user_id=user_id)


def staff_left(*, organisation_id: int, user_id: int) -> None:
    """After commit, someone taken off the staff: their connections leave the group at once, then their pages refetch.

    In that order (both go to their personal group, which keeps order), so by the time a page
    refetches, its connection hears nothing more of the organisation.
    """
    user_scopes_refresh(user_id=user_id)
    referrals_withdrawn(organisation_id=organisation_id, user_id=user_id)


def organisations_of(user_id: int) -> list[int]:
    return list(OrganisationStaff.objects.filter(user_id=user_id).values_list("organisation_id", flat=True))


def organisations_latest_of(user_id: int) -> list[tuple[int, int]]:
    """The person's organisations, each with the number of its latest event (one query)."""
    return list(
        OrganisationStaff.objects.filter(user_id=user_id)
        .order_by("organisation_id")
        .values_list("organisation_id", "organisation__event_seq")
    )


def hearing(user_id: int, event: dict[str, Any]) -> Hearing:
    """Staff who see every referral hear of each; a volunteer of referrals assigned to them now, and
    only the number of the others; someone not on the staff, nothing.

    A withdrawal is heard only by the person it names (it is sent only to them), staff or not any more.
    """
    organisation_id, referral_id = event.get(KEY), event.get("referral")
    if event.get("type") == REFERRALS_WITHDRAWN:
        named = isinstance(organisation_id, int) and event.get("user") == user_id
        return Hearing.EVENT if named else Hearing.NOTHING
    if not isinstance(organisation_id, int) or not isinstance(referral_id, int):
        return Hearing.NOTHING
    role = (
        OrganisationStaff.objects.filter(organisation_id=organisation_id, user_id=user_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        return Hearing.NOTHING
    if "referrals.view" in ROLE_CAPABILITIES[role]:
        return Hearing.EVENT
    if Referral.objects.filter(pk=referral_id, organisation_id=organisation_id, assigned_to_id=user_id).exists():
        return Hearing.EVENT
    # Someone else's referral: the volunteer counts its number without learning which referral it was,
    # so their page refetches only for their own (docs/architecture/organisations.md).
    return Hearing.NUMBER


def register() -> None:
    register_live_scope(
        LiveScope(key=KEY, ids_for=organisations_of, hearing=hearing, latest_for=organisations_latest_of)
    )

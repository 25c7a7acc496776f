"""Writing an entry in a referral's history, and what every entry brings with it.

Every history entry goes through `referral_history_add`, so what depends on "someone did something
to a referral" is kept in one place: the actor's "active" figure for the month (orgs/figures.py),
which the report's "Volunteers active" sums instead of probing the history per volunteer and month,
and the live update of the organisation's open referral lists and boards (orgs/live.py).
"""

from __future__ import annotations

from carecircle.accounts.models import User
from carecircle.orgs.figures import ACTIVE, staff_figure_add
from carecircle.orgs.live import referral_changed
from carecircle.orgs.models import Referral, ReferralEvent


def referral_history_add(
    *,
    referral: Referral,
    actor: User | None,
    kind: str,
    text: str = "",
    assignee: User | None = None,
    from_status: str = "",
    to_status: str = "",
) -> ReferralEvent:
    """Add an entry to the referral's history and count its actor active that month, in the change's transaction."""
    entry = ReferralEvent.objects.create(
        referral=referral,
        actor=actor,
        kind=kind,
        text=text,
        assignee=assignee,
        from_status=from_status,
        to_status=to_status,
    )
    referral_changed(organisation_id=referral.organisation_id, referral_id=referral.pk)
    if actor is not None:
        staff_figure_add(
            organisation_id=referral.organisation_id, user_id=actor.pk, kind=ACTIVE, moment=entry.created_at
        )
    return entry

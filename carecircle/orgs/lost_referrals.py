"""Telling a member of staff that a referral they were given is no longer theirs, or that their role changed.

A referral given to someone else, merged into another, or everything given to someone taken off the
staff: besides the live withdrawal their open pages hear (orgs/live.py), the person is told once
(notifications.notify_account), in their own language, that it is no longer theirs and to ask the
organisation about it: in the app, and by email, text or push as they chose for "Referrals and
organisation work" (staff hear in the app and by email unless they change it). A coordinator or
admin made a volunteer is told what that means for them. The notice never names the person
referred nor gives the referral's number: they may no longer see it. Written in the change's
transaction, so a change rolled back tells nobody; the pings and deliveries go after commit. Each
notice's key names the change, so a burst of the same change tells them once
(docs/architecture/organisations.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext

from carecircle.lib import hooks
from carecircle.orgs.models import Referral, ReferralStatus

# "Referrals and organisation work": offered only to organisation staff (notifications/categories.py).
CATEGORY = "organisation_work"
STILL_THEIRS = (ReferralStatus.ACCEPTED, ReferralStatus.ASSIGNED, ReferralStatus.ACTIVE)


def referral_given_away_tell(*, user_id: int, organisation_id: int, organisation_name: str, change_id: int) -> bool:
    """Tell the one a referral was taken from that it went to someone else (`change_id`: its history entry)."""

    def render() -> tuple[str, str]:
        return _title(), gettext(
            "%(organisation)s gave it to someone else. Ask %(organisation)s if you have questions about it."
        ) % {"organisation": organisation_name}

    return _tell(user_id, organisation_id, key=f"referral-given-away-{change_id}", render=render)


def referral_merged_away_tell(*, user_id: int, organisation_id: int, organisation_name: str, referral_id: int) -> bool:
    """Tell the one a merged-away referral was given to (a referral is merged away only once)."""

    def render() -> tuple[str, str]:
        return _title(), gettext(
            "%(organisation)s merged it into another referral. Ask %(organisation)s if you have questions about it."
        ) % {"organisation": organisation_name}

    return _tell(user_id, organisation_id, key=f"referral-merged-away-{referral_id}", render=render)


def referrals_left_behind_tell(*, user_id: int, organisation_id: int, organisation_name: str, staff_id: int) -> bool:
    """Tell someone taken off the staff that the open referrals they were given are no longer theirs.

    Only if they had any: `staff_id` is the staff row being removed, so adding them back and removing
    them again is a new change.
    """
    if not Referral.objects.filter(
        organisation_id=organisation_id, assigned_to_id=user_id, status__in=STILL_THEIRS, merged_into__isnull=True
    ).exists():
        return False

    def render() -> tuple[str, str]:
        title = gettext("Referrals you were given are no longer yours")
        text = gettext(
            "You are no longer on the staff of %(organisation)s. Ask %(organisation)s if you have questions about them."
        ) % {"organisation": organisation_name}
        return title, text

    return _tell(user_id, None, key=f"referrals-left-behind-{staff_id}", render=render)


def made_volunteer_tell(*, user_id: int, organisation_id: int, organisation_name: str, change_id: int) -> bool:
    """Tell a coordinator or admin made a volunteer what changed (`change_id`: the change's audit entry)."""

    def render() -> tuple[str, str]:
        title = gettext("You are now a volunteer at %(organisation)s") % {"organisation": organisation_name}
        text = gettext(
            "You keep the referrals you were given, and you now see only those. "
            "Ask %(organisation)s if you have questions about it."
        ) % {"organisation": organisation_name}
        return title, text

    return _tell(user_id, organisation_id, key=f"made-volunteer-{change_id}", render=render)


def _title() -> str:
    return gettext("A referral you were given is no longer yours")


def _tell(user_id: int, organisation_id: int | None, *, key: str, render: Callable[[], tuple[str, str]]) -> bool:
    # Someone still on the staff opens their own list; someone who left opens their notifications.
    url = "" if organisation_id is None else reverse("orgs:referrals", kwargs={"organisation_id": organisation_id})
    return hooks.notify_account(user_id=user_id, category=CATEGORY, key=key, render=render, url=url)

"""A private offer of support to someone who gives a lot of help in a circle (issue 11).

When the help someone logged in a circle reaches HOURS_A_WEEK in at least WEEKS_OVER of the last
WEEKS_LOOKED_AT complete weeks (UK, Monday to Sunday), the circle's home page tells them, and only
them, that they may be able to get support for themself, with the directory's services for people
who help a relative near the circle's postcode district. It never calls them a carer. "Not now"
hides it for LATER_WEEKS weeks; "Don't show this again" hides it for good, in every circle.

Hours of help are the commissioners' "hours of help" (tasks/figures.py): occurrences marked done,
for the minutes they were planned to take, counted for whoever was going (or marked it done).
The worker checks once a day (`support_offers_refresh`); the home page only reads the person's
row, in the query it already makes for per-viewer state (docs/architecture/organisations.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext

from carecircle.accounts.models import User
from carecircle.circles.access import CircleAccess, access_circle
from carecircle.circles.conditional import ViewerPart
from carecircle.circles.models import Circle, Membership, Role
from carecircle.circles.registries import personal_help, record_address_for
from carecircle.lib import rows
from carecircle.lib.errors import DomainError
from carecircle.lib.postcodes import district_in, district_of
from carecircle.orgs.models import DirectoryService, Need, Referral, SupportOffer
from carecircle.orgs.reports import LONDON
from carecircle.orgs.signposting import support_search

HOURS_A_WEEK = 20
WEEKS_OVER = 3
WEEKS_LOOKED_AT = 4
LATER_WEEKS = 6
SERVICES_SHOWN = 3
# Family, friends and neighbours. Not the person (it is their own care), not paid carers or
# professionals (it is their work), not well-wishers (they take no tasks).
OFFERED_TO = frozenset({Role.ORGANISER, Role.HELPER})
LATER, NEVER = "later", "never"
SHOWN = "shown:"


class SupportOfferError(DomainError):
    """A refusal about the offer of support."""


@dataclass(frozen=True)
class RefreshReport:
    offered: int
    withdrawn: int


def uk_today() -> datetime.date:
    return timezone.localdate(timezone=LONDON)


def weeks_looked_at(today: datetime.date) -> list[datetime.date]:
    """The Mondays of the complete weeks the threshold looks at, oldest first (this week isn't over)."""
    this_monday = today - datetime.timedelta(days=today.weekday())
    return [this_monday - datetime.timedelta(weeks=back) for back in range(WEEKS_LOOKED_AT, 0, -1)]


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=LONDON)


def _over_threshold(today: datetime.date) -> dict[tuple[int, int], tuple[int, int]]:
    """(user, circle) -> (weeks over, minutes in all) for everyone whose help passed the threshold."""
    weeks = weeks_looked_at(today)
    end = weeks[-1] + datetime.timedelta(weeks=1)
    per_pair: defaultdict[tuple[int, int], dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in personal_help(_midnight(weeks[0]), _midnight(end)):
        per_pair[(row.user_id, row.circle_id)][row.week] += row.minutes
    over: dict[tuple[int, int], tuple[int, int]] = {}
    for pair, by_week in per_pair.items():
        weeks_over = sum(1 for week in weeks if by_week.get(week, 0) >= HOURS_A_WEEK * 60)
        if weeks_over >= WEEKS_OVER:
            over[pair] = (weeks_over, sum(by_week.values()))
    return over


def _offered_pairs(over: dict[tuple[int, int], tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """user -> (circle, weeks over): the circle where each eligible person gave the most help."""
    if not over:
        return {}
    users = {user for user, _ in over}
    circles = {circle for _, circle in over}
    eligible = set(
        Membership.objects.filter(
            user_id__in=users, circle_id__in=circles, role__in=OFFERED_TO, circle__closed_at__isnull=True
        ).values_list("user_id", "circle_id")
    )
    # Organisation staff who joined a circle through a referral help as part of their work.
    working = set(
        Referral.objects.filter(circle_id__in=circles, organisation__staff__user_id__in=users).values_list(
            "organisation__staff__user_id", "circle_id"
        )
    )
    best: dict[int, tuple[int, int, int]] = {}
    for (user, circle), (weeks_over, minutes) in sorted(over.items()):
        if (user, circle) not in eligible or (user, circle) in working:
            continue
        if user not in best or (weeks_over, minutes) > best[user][1:]:
            best[user] = (circle, weeks_over, minutes)
    return {user: (circle, weeks_over) for user, (circle, weeks_over, _) in best.items()}


def _districts(offered: dict[int, tuple[int, int]]) -> dict[int, str]:
    """Each offered person's postcode district for their circle: the one the circle's organisers gave,
    else the postcode in the record's address *if that person may read it*, else the newest linked
    referral's.

    The circle's own (circles/edit.html) comes first: the family set it for this, and it stays right
    when the person moves after a referral. The record's address is read through the record's own
    access rules (`circles.registries.record_address_for`: the About me section's consent and the
    entry's audience) for the member being offered support, since only they see the district; a
    member who may not read the address gets the referral's district or none. Only the district is
    kept. A query or two per offered person without a district of their circle's own (the worker's
    daily check; few people are over the threshold).
    """
    circle_ids = {circle for circle, _ in offered.values()}
    given: dict[int, str] = dict(
        Circle.objects.filter(pk__in=circle_ids).exclude(person_district="").values_list("pk", "person_district")
    )
    from_referrals: dict[int, str] = {}
    rows = (
        Referral.objects.filter(circle_id__in=circle_ids - set(given))
        .exclude(person_postcode="")
        .order_by("circle_id", "-created_at")
        .values_list("circle_id", "person_postcode")
    )
    for circle_id, postcode in rows:
        if circle_id is not None and circle_id not in from_referrals and district_of(postcode):
            from_referrals[circle_id] = district_of(postcode)
    users = User.objects.in_bulk([user for user, (circle, _) in offered.items() if circle not in given])
    found: dict[int, str] = {}
    for user_id, (circle_id, _) in offered.items():
        if circle_id in given:
            found[user_id] = given[circle_id]
            continue
        district = ""
        user = users.get(user_id)
        if user is not None:
            try:
                access = access_circle(user=user, circle_id=circle_id)
            except (Http404, PermissionDenied):
                access = None
            district = district_in(record_address_for(access)) if access is not None else ""
        found[user_id] = district or from_referrals.get(circle_id, "")
    return found


def support_offers_refresh(*, today: datetime.date | None = None) -> RefreshReport:
    """Check everyone's help over the last complete weeks and mark who is offered support now.

    An offer put off ("Not now") or turned down stays so; someone under the threshold now is no
    longer offered it. Reads a month of done occurrences in two queries, whatever the number.
    """
    today = today or uk_today()
    offered = _offered_pairs(_over_threshold(today))
    districts = _districts(offered)
    with transaction.atomic():
        withdrawn = (
            SupportOffer.objects.filter(due=True)
            .exclude(user_id__in=list(offered))
            .update(due=False, weeks_over=0, checked_on=today)
        )
        for user_id, (circle_id, weeks_over) in offered.items():
            SupportOffer.objects.update_or_create(
                user_id=user_id,
                defaults={
                    "circle_id": circle_id,
                    "district": districts.get(user_id, ""),
                    "due": True,
                    "weeks_over": weeks_over,
                    "checked_on": today,
                },
            )
    return RefreshReport(offered=len(offered), withdrawn=withdrawn)


def _offer_shown_sql(connection: BaseDatabaseWrapper) -> str:
    def column(name: str) -> str:
        return "o." + rows.quoted(connection, SupportOffer, name)

    offer, circle_id = rows.quoted(connection, SupportOffer), rows.quoted(connection, Circle, "id")
    # Table and column names come from the models, never from input; the values are parameters.
    return (
        f"SELECT %s || COALESCE({column('district')}, '') FROM {offer} o"  # noqa: S608
        f" WHERE ({column('later_until')} IS NULL OR {column('later_until')} <= %s) AND {column('user')} = %s"
        f" AND {column('circle')} = c.{circle_id} AND {column('due')} = %s AND {column('dismissed_at')} IS NULL"
        " LIMIT 1"
    )


def _offer_shown_params(access: CircleAccess, connection: BaseDatabaseWrapper) -> list[Any] | None:
    if access.role not in OFFERED_TO:
        return None
    return [SHOWN, connection.ops.adapt_datefield_value(uk_today()), access.user_id, True]


# The home page's per-viewer state: "shown:<district>" while the viewer is offered support here.
offer_shown_part = ViewerPart(sql=_offer_shown_sql, params=_offer_shown_params)


@dataclass(frozen=True)
class OfferOnPage:
    district: str
    services: list[DirectoryService]
    find_url: str


def offer_on_page(state: str) -> OfferOnPage | None:
    """What the home page shows for the viewer's state (from offer_shown_part): None when nothing."""
    if not state.startswith(SHOWN):
        return None
    district = state.removeprefix(SHOWN)
    search = support_search(need=Need.CARER, place=district)
    services = [service for group in search.groups for service in group.services][:SERVICES_SHOWN]
    query = {"need": Need.CARER, **({"place": district} if district else {})}
    return OfferOnPage(
        district=district, services=services, find_url=f"{reverse('orgs:find_support')}?{urlencode(query)}"
    )


def support_offer_answer(*, actor: User, access: CircleAccess, answer: str) -> SupportOffer:
    """ "Not now" (hidden for LATER_WEEKS weeks) or "Don't show this again" (for good); the same answer twice is one.

    Said without an offer, it is kept all the same, so "never" holds whatever a later check finds.
    """
    if access.user_id != actor.pk or access.role not in OFFERED_TO:
        raise PermissionDenied(gettext("This isn't offered to you in this circle."))
    if answer not in (LATER, NEVER):
        raise SupportOfferError(gettext('Choose "Not now" or "Don\'t show this again".'), field="answer")
    later_until = uk_today() + datetime.timedelta(weeks=LATER_WEEKS)
    now = timezone.now()
    first = {"dismissed_at": now} if answer == NEVER else {"later_until": later_until}
    # get_or_create retries as a read when a burst's other request created the row first.
    offer, created = SupportOffer.objects.get_or_create(
        user_id=actor.pk, defaults={"circle_id": access.circle.pk, **first}
    )
    if not created:
        if answer == NEVER:
            SupportOffer.objects.filter(pk=offer.pk, dismissed_at__isnull=True).update(dismissed_at=now)
        else:
            SupportOffer.objects.filter(pk=offer.pk).update(later_until=later_until)
        offer.refresh_from_db()
    return offer

"""The reports' "sent to a local service" tables come from kept per-month figures that equal a recount."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
import time_machine

from carecircle.orgs.access import access_organisation
from carecircle.orgs.directory import directory_import
from carecircle.orgs.figures import month_of, signposting_figures_rebuild
from carecircle.orgs.models import (
    DirectoryService,
    Need,
    Outcome,
    Referral,
    ReferralStatus,
    ServiceUse,
    Signposting,
    SignpostingFigure,
)
from carecircle.orgs.referral_services import referral_assign, referral_merge, referral_move
from carecircle.orgs.reports import Period
from carecircle.orgs.signposting import referral_signpost, signposting_use_record
from carecircle.orgs.support_figures import build_support_figures
from carecircle.orgs.support_offers import uk_today
from tests.bursts import at_once
from tests.orgs.conftest import Org, make_referral
from tests.orgs.test_directory import feed, service

APRIL_TO_JULY = Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 8, 1))
CARERS = [{"taxonomy": {"name": "Carers support"}}]


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


def kept() -> dict[tuple[int, str, str, str], int]:
    """The kept figures; a deleted service's id reads as "" (gone), as the recount, which no longer knows it, has it."""
    listed = {str(pk) for pk in DirectoryService.objects.values_list("pk", flat=True)}
    found: Counter[tuple[int, str, str, str]] = Counter()
    for row in SignpostingFigure.objects.exclude(count=0):
        key = "" if row.kind == "service" and row.key not in listed else row.key
        found[row.organisation_id, f"{row.month:%Y-%m}", row.kind, key] += row.count
    return dict(found)


def shown(organisation_ids: list[int], period: Period) -> dict[str, list[tuple[str, int]]]:
    figures = build_support_figures(organisation_ids, period, private_offers=False)
    return {table.key: [(cell.label, cell.value) for cell in table.cells] for table in figures.tables}


def from_scratch(organisation_ids: list[int], period: Period) -> dict[str, list[tuple[str, int]]]:
    """The same tables counted from every signposting, as the reports did before the figures were kept."""
    sent = [
        one
        for one in Signposting.objects.select_related("referral", "service")
        if one.referral.organisation_id in organisation_ids and period.start <= month_of(one.created_at) < period.end
    ]
    months = Counter(month_of(one.created_at) for one in sent)
    needs = Counter(need for one in sent if one.service for need in set(one.service.needs.split()))
    gone = sum(1 for one in sent if one.service is None)
    closed = Counter(one.referral.outcome for one in sent if one.referral.status == ReferralStatus.CLOSED)
    states = Counter(one.referral.status for one in sent)
    uses = Counter(one.use for one in sent)
    built = shown(organisation_ids, period)
    labels = {key: [label for label, _ in cells] for key, cells in built.items()}
    return {
        "sent-months": list(zip(labels["sent-months"], [months[month] for month in period.months()], strict=True)),
        "sent-needs": list(zip(labels["sent-needs"], [needs[value] for value in Need.values] + [gone], strict=True)),
        "sent-referrals": list(
            zip(
                labels["sent-referrals"],
                [closed[value] for value in Outcome.values]
                + [
                    sum(n for outcome, n in closed.items() if outcome not in Outcome.values),
                    states[ReferralStatus.DECLINED],
                    sum(
                        n
                        for state, n in states.items()
                        if state not in (ReferralStatus.CLOSED, ReferralStatus.DECLINED)
                    ),
                ],
                strict=True,
            )
        ),
        "sent-use": list(
            zip(
                labels["sent-use"],
                [uses[ServiceUse.USED], uses[ServiceUse.NOT_USED], uses[ServiceUse.NOT_KNOWN]],
                strict=True,
            )
        ),
    }


def _directory() -> tuple[DirectoryService, DirectoryService, DirectoryService]:
    directory_import(
        feed(
            service(1, name="Near befriending"),
            service(2, name="Carers centre", service_taxonomys=CARERS),
            service(3, name="Money advice", service_taxonomys=[{"taxonomy": {"name": "Debt and money advice"}}]),
        )
    )
    return tuple(DirectoryService.objects.get(external_id=f"svc-{n}") for n in (1, 2, 3))  # type: ignore[return-value]


def _accepted(access: Any, name: str, organisation: Any) -> Referral:
    referral = make_referral(organisation, person_name=name)
    return referral_move(access=access, referral=referral, to="accepted")


def test_kept_figures_equal_a_recount_through_every_change(org: Org) -> None:
    """Sent in several months (one at 00:30 UK time on 1 May), used, moved, closed, merged, a service
    dropped from the directory, another's categories changed: the tables equal a count of every row."""
    near, carers, money = _directory()
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    other = access_organisation(user=org.other_staff, organisation_id=org.other_organisation.pk)
    with time_machine.travel(utc(2026, 4, 10, 10), tick=False):
        first = _accepted(access, "Ann", org.organisation)
        second = _accepted(access, "Bob", org.organisation)
        elsewhere = _accepted(other, "Cai", org.other_organisation)
        referral_signpost(access=access, referral=first, service=near, for_carer=False)
    with time_machine.travel(utc(2026, 4, 30, 23, 30), tick=False):  # 00:30 on 1 May in the UK
        referral_signpost(access=access, referral=first, service=carers, for_carer=True)
        referral_signpost(access=access, referral=second, service=money, for_carer=False)
        referral_signpost(access=other, referral=elsewhere, service=near, for_carer=False)
    with time_machine.travel(utc(2026, 5, 20, 10), tick=False):
        sent = Signposting.objects.get(referral=first, service=near)
        signposting_use_record(access=access, signposting=sent, use=ServiceUse.USED, used_on=datetime.date(2026, 5, 19))
        signposting_use_record(
            access=access, signposting=sent, use=ServiceUse.NOT_USED, used_on=datetime.date(2026, 5, 20)
        )
        money_sent = Signposting.objects.get(referral=second, service=money)
        signposting_use_record(
            access=access, signposting=money_sent, use=ServiceUse.USED, used_on=datetime.date(2026, 5, 20)
        )
        signposting_use_record(access=access, signposting=money_sent, use=ServiceUse.NOT_KNOWN, used_on=None)
        referral_assign(access=access, referral=first, assignee=org.volunteer)
    with time_machine.travel(utc(2026, 6, 3, 10), tick=False):
        third = _accepted(access, "Dee", org.organisation)
        referral_signpost(access=access, referral=third, service=near, for_carer=False)
        referral_move(access=access, referral=first, to="closed", outcome=Outcome.SUPPORTED)
        referral_merge(access=access, keep=third, other=second)  # second is closed, its signposting stays with it
        referral_move(access=other, referral=elsewhere, to="closed", outcome=Outcome.SIGNPOSTED)
    with time_machine.travel(utc(2026, 7, 1, 10), tick=False):
        fourth = _accepted(access, "Eve", org.organisation)
        referral_signpost(access=access, referral=fourth, service=money, for_carer=False)
        referral_move(access=access, referral=fourth, to="closed", outcome=Outcome.DECLINED_BY_PERSON)
    # The directory drops a service's row and changes another's categories: the report reads them as they are now.
    money.delete()
    DirectoryService.objects.filter(pk=near.pk).update(needs=" loneliness carer ")

    for ids in ([org.organisation.pk], [org.other_organisation.pk], [org.organisation.pk, org.other_organisation.pk]):
        assert shown(ids, APRIL_TO_JULY) == from_scratch(ids, APRIL_TO_JULY), ids
    own = dict(shown([org.organisation.pk], APRIL_TO_JULY)["sent-months"])
    assert list(own.values()) == [1, 2, 1, 1]  # April, May (the one at 00:30 UK time), June, July
    figures = kept()
    signposting_figures_rebuild()
    assert kept() == figures


@pytest.mark.django_db(transaction=True)
def test_signpostings_use_and_moves_at_once_are_all_counted(org: Org) -> None:
    """A burst of sending, recording use and closing the same referrals (SQLite and PostgreSQL), on the real clock."""
    near, carers, money = _directory()
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    referrals = [_accepted(access, f"Burst {number}", org.organisation) for number in range(4)]
    made = [
        referral_signpost(access=access, referral=referral, service=near, for_carer=False)[0] for referral in referrals
    ]
    today = uk_today()

    def send(referral: Referral, to: DirectoryService) -> Any:
        return lambda: referral_signpost(access=access, referral=referral, service=to, for_carer=False)

    def use(signposting: Signposting) -> Any:
        return lambda: signposting_use_record(
            access=access, signposting=signposting, use=ServiceUse.USED, used_on=today
        )

    def close(referral: Referral) -> Any:
        return lambda: referral_move(access=access, referral=referral, to="closed", outcome=Outcome.SUPPORTED)

    at_once(
        [send(referral, carers) for referral in referrals]
        + [send(referral, money) for referral in referrals[:2]]
        + [use(signposting) for signposting in made]
        + [close(referral) for referral in referrals]
    )

    figures = kept()
    assert sum(count for (_, _, kind, _), count in figures.items() if kind == "sent") == 10
    assert sum(count for (_, _, kind, key), count in figures.items() if kind == "use" and key == "used") == 4
    assert (
        sum(count for (_, _, kind, key), count in figures.items() if kind == "referral" and key == "closed:supported")
        == 10
    )
    signposting_figures_rebuild()
    assert kept() == figures

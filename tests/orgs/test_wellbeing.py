"""The wellbeing measure (ONS4): asked at the start and the end, with the change shown per referral."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.orgs.models import WellbeingMeasure
from carecircle.orgs.referral_services import referral_move
from tests.orgs.conftest import Org, make_referral, text

START = {"stage": "start", "life_satisfaction": "4", "worthwhile": "5", "happy": "3", "anxious": "7"}
CLOSE = {"stage": "close", "life_satisfaction": "7", "worthwhile": "7", "happy": "6", "anxious": "4"}


def test_the_change_in_wellbeing_is_shown_on_the_referral(org: Org, as_user: Any, coordinator_access: Any) -> None:
    referral = make_referral(org.organisation)
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    client = as_user(org.coordinator)
    client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), START)
    client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), CLOSE)
    assert WellbeingMeasure.objects.filter(referral=referral).count() == 2
    page = text(client.get(reverse("orgs:referral", kwargs=kwargs)))
    assert "+3 (better)" in page
    assert "-3 (better)" in page  # Anxiety fell.


def test_answers_out_of_range_or_twice_are_refused(org: Org, as_user: Any, coordinator_access: Any) -> None:
    referral = make_referral(org.organisation)
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    client = as_user(org.coordinator)
    too_early = client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), START, follow=True)
    assert "Accept the referral before" in text(too_early)
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    wrong = client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), {**START, "happy": "11"}, follow=True)
    assert "number from 0 to 10" in text(wrong)
    client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), START)
    twice = client.post(reverse("orgs:referral_wellbeing", kwargs=kwargs), START, follow=True)
    assert "already answered" in text(twice)
    assert WellbeingMeasure.objects.filter(referral=referral).count() == 1

"""Whether someone used a service they were sent to: recorded from the referral's page, counted in the reports."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.orgs.access import access_organisation
from carecircle.orgs.models import DirectoryService, ReferralEvent, Signposting
from carecircle.orgs.signposting import referral_signpost, signposting_use_record
from carecircle.orgs.support_offers import uk_today
from tests.orgs.conftest import Org, make_referral, text
from tests.orgs.test_directory import directory  # noqa: F401  (the fixture: a few Wrexham services)
from tests.orgs.test_report_api import figures, token_client
from tests.orgs.test_support_figures import _csv, _send, _table

SENT_USE = "Sent to a local service, by whether they used it"


def _one_sent(org: Org) -> Signposting:
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    referral = make_referral(org.organisation, person_name="Mary Jones")
    sent, _ = referral_signpost(
        access=access, referral=referral, service=DirectoryService.objects.get(name="Near befriending"), for_carer=False
    )
    return sent


def _address(sent: Signposting) -> str:
    return reverse(
        "orgs:signposting_use",
        kwargs={
            "organisation_id": sent.referral.organisation_id,
            "referral_id": sent.referral_id,
            "signposting_id": sent.pk,
        },
    )


@pytest.mark.usefixtures("directory")
def test_it_records_that_they_used_it_with_the_day_in_the_history_and_the_audit_log(org: Org, as_user: Any) -> None:
    sent = _one_sent(org)
    today = uk_today()
    client = as_user(org.coordinator)
    response = client.post(_address(sent), {"use": "used", "used_on": today.isoformat()})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#sent-{sent.pk}")
    sent.refresh_from_db()
    assert (sent.use, sent.used_on, sent.use_recorded_by) == ("used", today, org.coordinator)
    page = text(client.get(response["Location"]))
    assert "Recorded for Near befriending: used it." in page
    assert '<option value="used" selected>Used it</option>' in page
    assert f"Used Near befriending (known on {today:%-d %b %Y})." in page
    assert AuditEntry.objects.filter(
        action="referral.service_use_recorded", subject_name=sent.referral.reference
    ).exists()

    # Changed later: both answers stay in the history; the same answer again changes nothing.
    client.post(_address(sent), {"use": "not_used", "used_on": today.isoformat()})
    page = text(client.get(response["Location"]))
    assert "That was already recorded" not in page
    entries = ReferralEvent.objects.filter(referral=sent.referral, text__contains="Near befriending (known on")
    assert entries.count() == 2
    client.post(_address(sent), {"use": "not_used", "used_on": today.isoformat()})
    assert "That was already recorded for Near befriending." in text(client.get(response["Location"]))
    assert entries.count() == 2


@pytest.mark.usefixtures("directory")
def test_not_known_yet_needs_no_date_and_clears_it(org: Org, as_user: Any) -> None:
    sent = _one_sent(org)
    client = as_user(org.coordinator)
    client.post(_address(sent), {"use": "used", "used_on": uk_today().isoformat()})
    client.post(_address(sent), {"use": "", "used_on": ""})
    sent.refresh_from_db()
    assert (sent.use, sent.used_on) == ("", None)
    assert ReferralEvent.objects.filter(text="Not known yet whether they used Near befriending.").exists()


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"use": "used", "used_on": ""}, "Give the date, as day, month and year."),
        ({"use": "used", "used_on": "31/12/2026"}, "Give the date, as day, month and year."),
        ({"use": "used", "used_on": "in the future"}, "Give the date, as day, month and year."),
        ({"use": "maybe", "used_on": ""}, "Choose whether they used the service."),
        ({"use": "used", "used_on": "+days:1"}, "The date can't be in the future."),
        ({"use": "not_used", "used_on": "+days:-400"}, "The date can't be before they were sent, on"),
    ],
)
def test_a_form_it_cannot_use_says_what_to_fix_and_changes_nothing(
    org: Org, as_user: Any, form: dict[str, str], message: str
) -> None:
    sent = _one_sent(org)
    if form["used_on"].startswith("+days:"):
        form = {**form, "used_on": (uk_today() + datetime.timedelta(days=int(form["used_on"][6:]))).isoformat()}
    client = as_user(org.coordinator)
    response = client.post(_address(sent), form)
    assert message in text(client.get(response["Location"]))
    sent.refresh_from_db()
    assert (sent.use, sent.used_on) == ("", None)


@pytest.mark.usefixtures("directory")
def test_only_staff_who_can_see_the_referral_may_record_it(org: Org, as_user: Any) -> None:
    sent = _one_sent(org)
    form = {"use": "used", "used_on": uk_today().isoformat()}
    # Not their referral (a volunteer sees only those given to them), another organisation, a circle member.
    assert as_user(org.volunteer).post(_address(sent), form).status_code == 404
    assert as_user(org.other_staff).post(_address(sent), form).status_code == 404
    assert as_user(org.commissioner).post(_address(sent), form).status_code == 404
    # A signposting of another referral, through this referral's address.
    other = _one_sent(org)
    wrong = reverse(
        "orgs:signposting_use",
        kwargs={"organisation_id": org.organisation.pk, "referral_id": sent.referral_id, "signposting_id": other.pk},
    )
    assert as_user(org.coordinator).post(wrong, form).status_code == 404
    assert as_user(org.coordinator).get(_address(sent)).status_code == 405
    assert not Signposting.objects.exclude(use="").exists()


@pytest.mark.usefixtures("directory")
def test_the_reports_count_whether_they_used_it_with_small_numbers_hidden(org: Org, as_user: Any) -> None:
    referrals = _send(org, near=12, carers=0)
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)

    today = uk_today()
    sent = list(Signposting.objects.filter(referral__in=referrals).order_by("pk"))
    for item in sent[:6]:
        signposting_use_record(access=access, signposting=item, use="used", used_on=today)
    signposting_use_record(access=access, signposting=sent[6], use="not_used", used_on=today)
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})
    page = text(as_user(org.coordinator).get(address))
    use = _table(page, "sent-use")
    assert "Used it</td><td>6</td>" in use
    # 1 didn't: hidden, and the 5 not known yet with it, so it doesn't come back from the total of 12.
    assert "Didn't use it</td><td>not shown</td>" in use
    assert "Not known yet</td><td>not shown</td>" in use
    assert "Total</th><td>12</td>" in use
    assert "is not recorded" not in page

    rows = _csv(as_user(org.coordinator).get(address + "?format=csv"))
    assert rows[(SENT_USE, "Used it")] == "6"
    assert rows[(SENT_USE, "Didn't use it")] == "not shown"

    own = token_client(org.coordinator).get(f"/api/v1/organisations/{org.organisation.pk}/report")
    tables = {table["key"]: table for table in own.json()["local_support"]}
    assert figures(tables["sent-use"]) == {"used": 6, "not-used": None, "not-known": None}

    area = token_client(org.commissioner).get("/api/v1/commissioning/report")
    tables = {table["key"]: table for table in area.json()["local_support"]}
    assert figures(tables["sent-use"]) == {"used": 6, "not-used": None, "not-known": None}
    assert "Used it</td><td>6</td>" in _table(
        text(as_user(org.commissioner).get(reverse("orgs:commissioning"))), "sent-use"
    )

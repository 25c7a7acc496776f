"""The report's CSV download names its fixed rows in the reader's language (docs/architecture/i18n.md)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import time_machine
from django.urls import reverse

from carecircle.accounts.services import user_update_profile
from tests.orgs.conftest import Org, make_referral


def test_the_csv_download_names_its_rows_in_polish(org: Org, as_user: Any) -> None:
    coordinator = org.coordinator
    user_update_profile(
        actor=coordinator,
        display_name=coordinator.display_name,
        phone=coordinator.phone,
        time_zone=coordinator.time_zone,
        language="pl",
    )
    with time_machine.travel(datetime.datetime(2026, 4, 10, 12, tzinfo=datetime.UTC)):
        for number in range(5):
            make_referral(org.organisation, person_name=f"Osoba {number}")
    address = reverse("orgs:reports", kwargs={"organisation_id": org.organisation.pk})

    response = as_user(coordinator).get(address + "?from=2026-03&to=2026-04&format=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "label", "value"]  # column keys, for programs
    tables = {row[0] for row in rows[1:]}
    labels = {row[1] for row in rows[1:]}
    assert "Razem" in labels
    assert "Total" not in labels
    assert "Pierwszy kontakt w kolejnych miesiącach" in tables
    assert "kwi 2026: otrzymane" in labels
    assert not {"Days to first contact", "First contact by month", "Wellbeing: average change"} & tables

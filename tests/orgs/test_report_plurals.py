"""The report's times read as real plurals ("1 dnia", "2 dni", "2 ddiwrnod"), and hidden times say why."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from carecircle.orgs import report_api
from carecircle.orgs.referral_services import referral_contact_record
from carecircle.orgs.reports import Period, build_report, days_words
from tests.orgs.conftest import Org, make_referral

WHOLE_DAYS = (1, 2, 5, 22)
EXPECTED = {
    "en-gb": ["1 day", "2 days", "5 days", "22 days"],
    "cy": ["1 diwrnod", "2 ddiwrnod", "5 diwrnod", "22 diwrnod"],
    "pl": ["1 dnia", "2 dni", "5 dni", "22 dni"],
}
WITH_A_DECIMAL = {"en-gb": "2.5 days", "cy": "2.5 diwrnod", "pl": "2,5 dnia"}


def test_whole_days_take_each_languages_plural_form() -> None:
    for language, words in EXPECTED.items():
        with translation.override(language):
            assert [days_words(days * 10) for days in WHOLE_DAYS] == words
            assert days_words(25) == WITH_A_DECIMAL[language]


def _report_in(language: str, organisation_id: int, period: Period) -> str:
    with translation.override(language):
        return render_to_string("orgs/_report.html", {"report": build_report([organisation_id], period)})


def test_half_contacted_within_one_day_reads_correctly_in_every_language(org: Org, coordinator_access: Any) -> None:
    start = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    for number, days in enumerate([1, 1, 1, 2, 2]):
        with time_machine.travel(start):
            referral = make_referral(org.organisation, person_name=f"C{number}")
        with time_machine.travel(start + datetime.timedelta(days=days)):
            referral_contact_record(access=coordinator_access, referral=referral)
    period = Period.from_request({"from": "2026-05", "to": "2026-05"}, today=datetime.date(2026, 6, 1))
    pages = {language: _report_in(language, org.organisation.pk, period) for language in EXPECTED}
    assert (
        "Of 5 referrals contacted: half were contacted within <strong>1 day</strong>, "
        "and nine in ten within <strong>2 days</strong>."
    ) in pages["en-gb"]
    assert "o fewn <strong>1 diwrnod</strong>, a naw o bob deg o fewn <strong>2 ddiwrnod</strong>." in pages["cy"]
    assert (
        "w ciągu <strong>1 dnia</strong>, a z dziewięcioma na dziesięć w ciągu <strong>2 dni</strong>." in pages["pl"]
    )
    # Too few closed: the sentence says so rather than "within not shown days".
    assert "Not shown until at least 5 referrals have been closed." in pages["en-gb"]
    assert "not shown</strong> days" not in pages["en-gb"]
    assert "Nie pokazujemy, dopóki co najmniej 5 skierowań nie zostanie zamkniętych." in pages["pl"]
    assert "Heb ei ddangos nes bod o leiaf 5 atgyfeiriad wedi'u cau." in pages["cy"]


def test_the_month_table_shows_days_as_the_reader_writes_numbers_and_the_api_reads_the_figure(
    org: Org, coordinator_access: Any
) -> None:
    """May: five first contacts 3 days on ("3", not "3.0"); June: five 2½ days on ("2.5", Polish "2,5")."""
    for month, gap in [(5, datetime.timedelta(days=3)), (6, datetime.timedelta(days=2, hours=12))]:
        start = datetime.datetime(2026, month, 4, 9, tzinfo=datetime.UTC)
        for number in range(5):
            with time_machine.travel(start):
                referral = make_referral(org.organisation, person_name=f"C{month}-{number}")
            with time_machine.travel(start + gap):
                referral_contact_record(access=coordinator_access, referral=referral)
    period = Period.from_request({"from": "2026-05", "to": "2026-06"}, today=datetime.date(2026, 7, 1))
    shown = {"en-gb": ("3", "2.5"), "cy": ("3", "2.5"), "pl": ("3", "2,5")}
    for language, (may, june) in shown.items():
        with translation.override(language):
            report = build_report([org.organisation.pk], period)
            page = render_to_string("orgs/_report.html", {"report": report})
            figures = report_api._report(report)["first_contact_by_month"]
        assert [(row.median_shown, row.p90_shown) for row in report.month_rows] == [(may, may), (june, june)]
        assert f"<td>{may}</td><td>{may}</td>" in page
        assert f"<td>{june}</td><td>{june}</td>" in page
        assert "3.0" not in page
        assert [(row.median_days, row.p90_days) for row in figures] == [(3.0, 3.0), (2.5, 2.5)]  # type: ignore[attr-defined]

"""The referral list pages by keyset (newest first); its counts never read every referral.

The whole list's count comes from the per-month figures; a filtered list counts only what fits on
its one page; counts that must read referrals (a volunteer's own, overdue, yours) stop at 1,000.
"""

from __future__ import annotations

import datetime
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carecircle.orgs import referral_selectors as selectors
from carecircle.orgs.figures import referral_figures_rebuild
from carecircle.orgs.models import Referral, ReferralStatus
from tests.orgs.conftest import Org, make_referral, text


def _references(page: str) -> list[str]:
    return re.findall(r'<span class="meta">(R\d{5})</span>', page)


def _link(page: str, label: str) -> str | None:
    found = re.search(r'<a href="\?([^"]*)">' + label + "</a>", page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_paging_older_then_newer_visits_every_referral_once(org: Org, as_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    same_moment = datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC)
    with time_machine.travel(same_moment):
        # Five at exactly the same time: the id breaks the tie, so none is skipped or shown twice.
        for number in range(5):
            make_referral(org.organisation, person_name=f"Tie {number}")
    for number in range(6):
        with time_machine.travel(same_moment + datetime.timedelta(hours=number + 1)):
            make_referral(org.organisation, person_name=f"Later {number}")
    newest_first = Referral.objects.filter(organisation=org.organisation).order_by("-created_at", "-id")
    expected = [referral.reference for referral in newest_first]
    client = as_user(org.coordinator)
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    pages = [text(client.get(address))]
    assert "11 referrals." in pages[0]
    while (older := _link(pages[-1], "Older")) is not None:
        pages.append(text(client.get(f"{address}?{older}")))
    seen = [reference for page in pages for reference in _references(page)]
    assert seen == expected
    assert len(pages) == 3
    newer = _link(pages[-1], "Newer")
    assert newer is not None
    back = text(client.get(f"{address}?{newer}"))
    assert _references(back) == expected[4:8]


def test_filters_are_kept_across_pages(org: Org, as_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for number in range(3):
        make_referral(org.organisation, person_name=f"Money {number}", needs=["money"])
    make_referral(org.organisation, person_name="Shopping only", needs=["shopping"])
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    first = text(as_user(org.coordinator).get(f"{address}?need=money"))
    older = _link(first, "Older")
    assert older is not None
    assert older.startswith("need=money&after=")
    second = text(as_user(org.coordinator).get(f"{address}?{older}"))
    assert "Money 0" in second
    assert "Shopping only" not in second


def test_a_broken_cursor_shows_the_first_page(org: Org, as_user: Any) -> None:
    make_referral(org.organisation, person_name="Still here")
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    for cursor in ["nonsense", "99999999999999999.1", "1.2.3", "-5.1", "9" * 40 + ".1"]:
        response = as_user(org.coordinator).get(address, {"after": cursor})
        assert response.status_code == 200
        assert "Still here" in text(response)


def _bulk_copies(org: Org, how_many: int, **fields: Any) -> None:
    make_referral(org.organisation, person_name="Template")
    template = Referral.objects.get(organisation=org.organisation)
    copies = []
    for number in range(how_many):
        template.pk = None
        template.person_name = f"Copy {number}"
        values = {f.attname: getattr(template, f.attname) for f in Referral._meta.concrete_fields}
        copies.append(Referral(**{**values, **fields}))
    Referral.objects.bulk_create(copies)


def test_the_whole_list_is_counted_from_the_figures_exactly(org: Org, as_user: Any) -> None:
    _bulk_copies(org, selectors.COUNT_CAP + 5)
    # A bulk load recounts the figures once, as bench/referrals.py and the demo do.
    referral_figures_rebuild(organisation_ids=[org.organisation.pk])
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    with CaptureQueriesContext(connection) as queries:
        page = text(as_user(org.coordinator).get(address))
    assert "1,006 referrals." in page
    assert len(_references(page)) == selectors.PAGE_SIZE
    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]


def test_a_filtered_list_counts_only_what_fits_on_its_page(org: Org, as_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    for number in range(4):
        make_referral(org.organisation, person_name=f"Money {number}", needs=["money"])
    make_referral(org.organisation, person_name="Shopping only", needs=["shopping"])
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    client = as_user(org.coordinator)
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get(f"{address}?need=money"))
    assert "More than 3 referrals found." in page
    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
    assert "1 referral found." in text(client.get(f"{address}?need=shopping"))
    assert "0 referrals found." in text(client.get(f"{address}?need=transport"))


def test_a_volunteers_count_stops_at_a_thousand(org: Org, as_user: Any) -> None:
    _bulk_copies(org, selectors.COUNT_CAP + 5, assigned_to_id=org.volunteer.pk)
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    page = text(as_user(org.volunteer).get(address))
    assert "More than 1,000 referrals." in page
    assert len(_references(page)) == selectors.PAGE_SIZE


def test_home_and_board_counts_from_the_figures_follow_every_change(org: Org, as_user: Any) -> None:
    from carecircle.orgs.access import access_organisation
    from carecircle.orgs.referral_services import referral_assign, referral_merge, referral_move

    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        old = [make_referral(org.organisation, person_name=f"Old {number}") for number in range(3)]
    new = [make_referral(org.organisation, person_name=f"New {number}") for number in range(4)]
    referral_move(access=access, referral=old[0], to="accepted")
    referral_assign(access=access, referral=old[0], assignee=org.coordinator)
    referral_move(access=access, referral=new[0], to="declined", reason="Out of area")
    referral_merge(access=access, keep=new[1], other=new[2])
    make_referral(org.other_organisation, person_name="Elsewhere")

    unmerged = Referral.objects.filter(organisation=org.organisation, merged_into__isnull=True)
    direct = {state: unmerged.filter(status=state).count() for state in ReferralStatus.values}
    assert selectors.state_totals_for(access=access) == {state: n for state, n in direct.items() if n}
    counts = selectors.referral_counts_for(access=access)
    assert counts["new"] == direct["new"] == 4
    assert counts["open"] == 5
    assert counts["mine"] == 1
    assert counts["overdue"] == 3  # The three old ones: nobody has contacted them yet.
    home = text(as_user(org.coordinator).get(reverse("orgs:home", kwargs={"organisation_id": org.organisation.pk})))
    assert "<strong>4</strong> new referrals to look at" in home
    assert "3 waiting too long for first contact" in home
    board = selectors.board_for(access=access)
    assert {column["status"]: column["total"] for column in board[:-1]}["new"] == 4
    assert board[-1]["finished"] == {"declined": 1, "closed": 0}


def test_search_finds_the_start_of_a_name_and_falls_back_to_anywhere(org: Org, as_user: Any) -> None:
    make_referral(org.organisation, person_name="Mary Jones", person_postcode="LL11 1AA")
    make_referral(org.organisation, person_name="Rosemary Hughes", person_postcode="CH5 4AB", referrer_name="Ann Lee")
    address = reverse("orgs:referrals", kwargs={"organisation_id": org.organisation.pk})
    client = as_user(org.coordinator)
    by_start = text(client.get(f"{address}?q=mary"))
    assert "Mary Jones" in by_start
    assert "Rosemary Hughes" not in by_start  # "mary" starts one name; the other only contains it.
    assert "Rosemary Hughes" in text(client.get(f"{address}?q=ch5"))
    assert "Rosemary Hughes" in text(client.get(f"{address}?q=ann"))
    # Nothing starts with a surname: the search looks for it anywhere in the name instead.
    by_surname = text(client.get(f"{address}?q=hughes"))
    assert "Rosemary Hughes" in by_surname
    assert "Mary Jones" not in by_surname
    assert "0 referrals found." in text(client.get(f"{address}?q=nobody"))


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL answers the search from the pattern indexes of orgs migration 0014 (checked below)",
)
def test_search_by_the_start_uses_the_indexes_migrations_build_on_sqlite(org: Org, tmp_path: Path) -> None:
    # The tests build their tables without migrations: migrate a throwaway file as a deployment would,
    # so an index a later migration loses (a rebuilt table) fails here.
    from carecircle.orgs.access import access_organisation

    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "CARECIRCLE_VAR_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    command = [str(Path(sys.executable).parent / "carecircle"), "migrate", "--no-input"]
    migrated = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert migrated.returncode == 0, migrated.stderr
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    matching = selectors.referrals_matching(access=access, filters=selectors.ReferralFilters(query="Mary J"))
    sql, params = matching.order_by("-created_at", "-id").values("pk").query.sql_with_params()
    with sqlite3.connect(tmp_path / "search.sqlite3") as database:
        explain = f"EXPLAIN QUERY PLAN {sql.replace('%s', '?')}"
        plan = " | ".join(str(row[-1]) for row in database.execute(explain, params))
    for index in ["name_nocase", "postcode_nocase", "referrer_nocase", "reference_nocase"]:
        assert f"USING INDEX orgs_referral_{index}" in plan, plan


def _search_migrations() -> list[Any]:
    import importlib

    return [
        importlib.import_module(f"carecircle.orgs.migrations.{name}")
        for name in ["0009_referral_search_trigram", "0014_referral_search_prefix_postgresql"]
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the pattern indexes of orgs migration 0014 are PostgreSQL's; SQLite's are checked above",
)
def test_search_by_the_start_reads_a_range_of_the_pattern_indexes_on_postgresql(org: Org) -> None:
    # The tests build their tables without migrations: build the search indexes as 0009 and 0014
    # do (in the test's transaction, so they go with it), then ask PostgreSQL how it would search.
    from carecircle.orgs.access import access_organisation

    with connection.schema_editor() as editor:
        for migration in _search_migrations():
            migration.forwards(None, editor)
    created = timezone.now()
    Referral.objects.bulk_create(
        Referral(
            organisation=org.organisation,
            person_name=f"Person {number}",
            person_postcode=f"LL{number % 90} 1AA",
            referrer_name=f"Referrer {number % 50}",
            referrer_reference=f"REF-{number}",
            consent_given_by="person",
            consent_to="Contact",
            consent_given_at=created,
            created_at=created - datetime.timedelta(minutes=number),
            updated_at=created,
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orgs_referral")
    access = access_organisation(user=org.coordinator, organisation_id=org.organisation.pk)
    matching = selectors.referrals_matching(access=access, filters=selectors.ReferralFilters(query="Person 1234"))
    plan = matching.order_by("-created_at", "-id").values("pk")[: selectors.PAGE_SIZE + 1].explain()
    # Every branch of the search's OR reads an index by range (or equality), none by trigrams.
    for index in ["name_prefix", "postcode_prefix", "referrer_prefix", "reference_upper"]:
        assert f"Bitmap Index Scan on orgs_referral_{index}" in plan, plan
    assert "~>=~" in plan, plan  # The prefix became a range of the text_pattern_ops index.
    assert "_trgm" not in plan, plan
    assert [referral.person_name for referral in matching] == ["Person 1234"]

    with connection.schema_editor() as editor:
        _search_migrations()[1].backwards(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'orgs_referral' AND indexname LIKE %s", ["%_prefix"]
        )
        assert cursor.fetchall() == []

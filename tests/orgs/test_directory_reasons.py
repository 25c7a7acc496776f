"""The directory importer's reasons are kept as codes and read in the admin's own language."""

from __future__ import annotations

import importlib
import socket
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from carecircle.accounts.models import User
from carecircle.orgs.directory_reasons import ServiceProblem
from carecircle.orgs.jobs import directory_refresh
from carecircle.orgs.models import DirectoryFeedStatus
from tests.orgs.conftest import Org, text
from tests.orgs.test_directory import _Handler, feed, local_server, service

__all__ = ["local_server"]  # the fixture, shared with test_directory.py

codes = importlib.import_module("carecircle.orgs.migrations.0024_directory_reasons_to_codes")

EVERY_KIND_OF_SKIP = (
    service(1),
    "not a service",
    service(3, id=""),
    service(4, id="x" * 201),
    service(5, name=""),
    service(6, name="n" * 201),
    service(7, url="ftp://files.example.org/"),
    service(8, url="https://service-8.example.org/" + "a" * 480),
    service(9, email="not an address"),
    service(1, name="The same id again"),
)
STORED = [
    {"position": 2, "service": "", "code": "not_a_service", "values": {}},
    {"position": 3, "service": "", "code": "field_missing", "values": {"field": "id"}},
    {"position": 4, "service": "x" * 200, "code": "field_too_long", "values": {"field": "id", "longest": 200}},
    {"position": 5, "service": "svc-5", "code": "field_missing", "values": {"field": "name"}},
    {"position": 6, "service": "svc-6", "code": "field_too_long", "values": {"field": "name", "longest": 200}},
    {
        "position": 7,
        "service": "svc-7",
        "code": "bad_web_address",
        "values": {"field": "url", "value": "'ftp://files.example.org/'"},
    },
    {"position": 8, "service": "svc-8", "code": "field_too_long", "values": {"field": "url", "longest": 500}},
    {"position": 9, "service": "svc-9", "code": "bad_email", "values": {"field": "email", "value": "'not an address'"}},
    {"position": 10, "service": "svc-1", "code": "duplicate_id", "values": {}},
]


def _speaks(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def _home(org: Org, as_user: Any, language: str) -> str:
    address = reverse("orgs:home", kwargs={"organisation_id": org.organisation.pk})
    return text(as_user(_speaks(org.admin, language)).get(address))


def test_every_kind_of_skip_is_kept_as_a_code_with_its_values(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(*EVERY_KIND_OF_SKIP)
    with translation.override("cy"):  # whoever runs the import, nothing is stored in their language
        status = directory_refresh(url=url)
    status.refresh_from_db()
    assert status.last_problem_count == 9
    assert status.last_problems == STORED
    assert status.last_summary.startswith("1 added")


def test_the_skipped_services_are_read_in_each_admins_language(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any, org: Org, as_user: Any
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(*EVERY_KIND_OF_SKIP)
    directory_refresh(url=url)
    english = _home(org, as_user, "en")
    assert "skipped 9 services. Ask whoever publishes the directory to correct them:" in english
    assert "<li>Service 2: it isn't a service (expected an object with an id and a name).</li>" in english
    assert '<li>Service 5 (svc-5): it has no "name".</li>' in english
    assert "<li>Service 7 (svc-7): its \"url\" 'ftp://files.example.org/' doesn't start with" in english
    assert '<li>Service 8 (svc-8): its "url" is longer than 500 characters.</li>' in english
    assert "<li>Service 10 (svc-1): its id is listed twice, so only the first was kept.</li>" in english
    welsh = _home(org, as_user, "cy")
    assert "Gofynnwch i bwy bynnag sy'n cyhoeddi'r cyfeiriadur eu cywiro:" in welsh
    assert "<li>Gwasanaeth 2: nid yw'n wasanaeth (roedd disgwyl gwrthrych ag id ac enw).</li>" in welsh
    assert '<li>Gwasanaeth 5 (svc-5): nid oes ganddo "name".</li>' in welsh
    assert '<li>Gwasanaeth 8 (svc-8): mae ei "url" yn hwy na 500 nod.</li>' in welsh
    assert "<li>Gwasanaeth 9 (svc-9): nid yw ei \"email\" 'not an address' yn gyfeiriad e-bost dilys.</li>" in welsh
    polish = _home(org, as_user, "pl")
    assert "pominął 9 usług. Poproś wydawcę katalogu o ich poprawienie:" in polish
    assert '<li>Usługa 3: brak pola "id".</li>' in polish
    assert '<li>Usługa 6 (svc-6): pole "name" jest dłuższe niż 200 znaków.</li>' in polish
    assert (
        "<li>Usługa 7 (svc-7): pole \"url\" 'ftp://files.example.org/' nie zaczyna się od http:// ani https://.</li>"
        in polish
    )
    assert "<li>Usługa 10 (svc-1): to id występuje dwa razy, więc zachowano tylko pierwszą usługę.</li>" in polish
    for page in (welsh, polish):
        assert "it has no" not in page
        assert "listed twice" not in page
        assert "Service 2" not in page


def test_a_long_list_of_skips_shows_the_first_ten_and_how_many_more(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any, org: Org, as_user: Any
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(service(1), *(service(number, name="") for number in range(2, 14)))
    directory_refresh(url=url)
    english = _home(org, as_user, "en")
    assert english.count("<li>Service ") == 10
    assert "And 2 more." in english
    assert "I jeszcze 2." in _home(org, as_user, "pl")
    # The next good import with nothing skipped clears the list.
    handler.body = feed(service(1))
    directory_refresh(url=url)
    assert "skipped" not in _home(org, as_user, "en")


def test_a_refused_feed_is_read_in_each_admins_language(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any, org: Org, as_user: Any
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.status, handler.body = 503, b"busy"
    with translation.override("pl"):
        status = directory_refresh(url=url)
    assert (status.last_error_code, status.last_error_values, status.last_error) == (
        "server_answered",
        {"status": 503},
        "",
    )
    assert "The directory's server answered 503. Check the address." in _home(org, as_user, "en")
    assert "Atebodd gweinydd y cyfeiriadur 503. Gwiriwch y cyfeiriad." in _home(org, as_user, "cy")
    assert "Serwer katalogu odpowiedział 503. Sprawdź adres." in _home(org, as_user, "pl")


def test_a_fetch_that_failed_is_explained_in_each_admins_language(
    db: None, settings: Any, org: Org, as_user: Any
) -> None:
    # The port was free a moment ago and nothing listens on it: the connection is refused.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    closed.close()
    settings.ORGS_DIRECTORY_URL = url
    with translation.override("cy"):
        status = directory_refresh(url=url)
    assert (status.last_error_code, status.last_error_values, status.last_error) == ("connection_refused", {}, "")
    assert "The directory's server refused the connection. Try again later." in _home(org, as_user, "en")
    assert "Gwrthododd gweinydd y cyfeiriadur y cysylltiad. Rhowch gynnig arall arni nes ymlaen." in _home(
        org, as_user, "cy"
    )
    assert "Serwer katalogu odrzucił połączenie. Spróbuj ponownie później." in _home(org, as_user, "pl")


@pytest.mark.parametrize(
    ("code", "welsh", "polish"),
    [
        (
            "timed_out",
            "Cymerodd gweinydd y cyfeiriadur ormod o amser i ateb. Rhowch gynnig arall arni nes ymlaen.",
            "Serwer katalogu zbyt długo nie odpowiadał. Spróbuj ponownie później.",
        ),
        (
            "unknown_host",
            "Ni ddaethpwyd o hyd i weinydd yng nghyfeiriad y cyfeiriadur. Gwiriwch y cyfeiriad.",
            "Pod adresem katalogu nie znaleziono serwera. Sprawdź adres.",
        ),
    ],
)
def test_each_named_fetch_failure_reads_in_welsh_and_polish(code: str, welsh: str, polish: str) -> None:
    stored = DirectoryFeedStatus(url="https://directory.example.org/", last_error_code=code)
    with translation.override("cy"):
        assert stored.error_text() == welsh
    with translation.override("pl"):
        assert stored.error_text() == polish


OLD_ENGLISH = {
    "not_web_address": "Give the directory's address starting with https:// (or http://).",
    "too_big": "The directory is bigger than 5120 KB: raise the limit or split it.",
    "server_answered": "The directory's server answered 404. Check the address.",
    "not_fetched": "The directory could not be fetched (<urlopen error [Errno 111] refused>). Try again later.",
    "not_utf8": "The directory isn't UTF-8 text. Export it again as UTF-8 JSON.",
    "not_json": "The directory isn't valid JSON (line 3). Check the file.",
    "no_service_list": 'The directory has no list of services ("content" or "contents").',
    "not_a_list": "The directory isn't a list of services.",
}
UNKNOWN = "The directory was switched off by hand on Tuesday."


@pytest.mark.parametrize(("code", "old"), list(OLD_ENGLISH.items()))
def test_the_migration_turns_each_old_english_reason_into_its_code_and_back(db: None, code: str, old: str) -> None:
    kept = DirectoryFeedStatus.objects.create(url="https://directory.example.org/a", last_error=old)
    by_hand = DirectoryFeedStatus.objects.create(url="https://directory.example.org/b", last_error=UNKNOWN)
    codes.to_codes(apps, None)
    kept.refresh_from_db()
    by_hand.refresh_from_db()
    assert (kept.last_error_code, kept.last_error) == (code, "")
    with translation.override("en"):
        assert kept.error_text() == old  # the same words, now from the code
    assert (by_hand.last_error_code, by_hand.last_error) == ("", UNKNOWN)
    with translation.override("cy"):
        assert by_hand.error_text() == UNKNOWN  # the fallback, shown as it was
        assert kept.error_text() != old  # in Welsh
    codes.to_english(apps, None)
    kept.refresh_from_db()
    by_hand.refresh_from_db()
    assert (kept.last_error_code, kept.last_error_values, kept.last_error) == ("", {}, old)
    assert (by_hand.last_error_code, by_hand.last_error) == ("", UNKNOWN)


def test_the_migrations_values_are_the_ones_the_importer_now_stores(db: None) -> None:
    DirectoryFeedStatus.objects.create(url="https://directory.example.org/a", last_error=OLD_ENGLISH["not_json"])
    codes.to_codes(apps, None)
    migrated = DirectoryFeedStatus.objects.get()
    assert (migrated.last_error_code, migrated.last_error_values) == ("not_json", {"line": 3})
    with translation.override("pl"):
        assert migrated.error_text() == "Katalog nie jest prawidłowym plikiem JSON (wiersz 3). Sprawdź plik."


def test_a_stored_problem_with_an_unknown_code_or_missing_values_never_breaks_the_page() -> None:
    assert str(ServiceProblem(4, "svc-4", "gone_code")) == "Service 4 (svc-4): gone_code."
    assert str(ServiceProblem(4, "svc-4", "field_too_long", {"field": "id"})) == "Service 4 (svc-4): field_too_long."

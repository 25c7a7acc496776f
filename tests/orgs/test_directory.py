"""The local service directory: Open Referral UK import, "Find local support", and "We referred them here"."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from carecircle.audit.models import AuditEntry
from carecircle.orgs.directory import DirectoryRefused, directory_import, fetch
from carecircle.orgs.jobs import directory_problem, directory_refresh, directory_refresh_ensure, directory_refresh_job
from carecircle.orgs.models import DirectoryFeedStatus, DirectoryService, ReferralEvent, Signposting
from carecircle.orgs.referral_services import referral_assign, referral_move
from carecircle.orgs.signposting import support_search
from carecircle.web.demo_orgs import DIRECTORY_FILE
from tests.orgs.conftest import Org, make_referral, quick_user, text


def service(number: int, **fields: Any) -> dict[str, Any]:
    """A service as the first Open Referral UK API publishes it."""
    found: dict[str, Any] = {
        "id": f"svc-{number}",
        "name": f"Service {number}",
        "description": "Help for people in Wrexham.",
        "url": f"https://service-{number}.example.org/",
        "status": "active",
        "organization": {"id": "o1", "name": "Wrexham Voluntary Action"},
        "contacts": [{"phones": [{"number": "01978 000000"}]}],
        "service_at_locations": [
            {
                "location": {
                    "physical_addresses": [{"address_1": "1 High St", "city": "Wrexham", "postal_code": "LL11 1AA"}]
                }
            }
        ],
        "service_areas": [{"service_area": "Wrexham"}],
        "service_taxonomys": [{"taxonomy": {"id": "befriending", "name": "Befriending"}}],
    }
    found.update(fields)
    return found


def feed(*services: Any) -> bytes:
    return json.dumps({"totalElements": len(services), "content": list(services)}).encode()


@pytest.fixture
def directory_file(tmp_path: Path) -> Path:
    path = tmp_path / "directory.json"
    path.write_bytes(
        feed(
            service(1),
            service(2, name="", id="svc-2"),
            service(3, url="javascript:alert(1)"),
            service(4, service_taxonomys=[{"taxonomy": {"name": "Carers support"}}]),
            "not a service",
        )
    )
    return path


def test_a_bad_service_is_reported_and_never_loses_the_good_ones(
    db: None, directory_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("directory_import", str(directory_file))
    out, err = capsys.readouterr()
    assert "2 added, 0 updated, 0 unchanged, 0 no longer listed, 3 with problems." in out
    assert 'Service 2 (svc-2): it has no "name".' in err
    assert "Service 3 (svc-3): its \"url\" 'javascript:alert(1)' doesn't start with http:// or https://." in err
    assert "Service 5: it isn't a service" in err
    assert sorted(DirectoryService.objects.values_list("external_id", flat=True)) == ["svc-1", "svc-4"]
    carers = DirectoryService.objects.get(external_id="svc-4")
    assert carers.need_values == ["carer"]
    assert carers.districts == " LL11 "
    assert carers.phone == "01978 000000"
    assert carers.organisation_name == "Wrexham Voluntary Action"


def test_importing_again_changes_nothing_and_a_changed_service_is_updated_by_its_id(db: None) -> None:
    first = directory_import(feed(service(1), service(2)))
    assert (first.added, first.updated) == (2, 0)
    again = directory_import(feed(service(1), service(2)))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    changed = directory_import(feed(service(1, name="Company at home"), service(2)))
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    assert DirectoryService.objects.get(external_id="svc-1").name == "Company at home"
    assert DirectoryService.objects.count() == 2


def test_a_service_the_feed_no_longer_lists_is_hidden_but_a_broken_one_keeps_its_last_version(db: None) -> None:
    directory_import(feed(service(1), service(2), service(3)))
    report = directory_import(feed(service(1), service(2, email="not an address")))
    assert report.hidden == 1
    assert [str(problem) for problem in report.problems] == [
        "Service 2 (svc-2): its \"email\" 'not an address' isn't a valid email address."
    ]
    visible = set(DirectoryService.objects.filter(active=True).values_list("external_id", flat=True))
    assert visible == {"svc-1", "svc-2"}


def test_an_inactive_status_hides_the_service(db: None) -> None:
    directory_import(feed(service(1, status="defunct"), service(2)))
    assert not DirectoryService.objects.get(external_id="svc-1").active


def test_hsds_3_pages_and_attributes_are_read(db: None) -> None:
    hsds3 = {
        "id": "3a8f0c5e-0000-4000-8000-000000000001",
        "name": "Lifts to appointments",
        "attributes": [{"taxonomy_term": {"code": "transport", "name": "Community transport"}}],
        "service_at_locations": [{"location": {"addresses": [{"postal_code": "ll13 7aa", "city": "Wrexham"}]}}],
        "phones": [{"number": "01978 111111"}],
    }
    report = directory_import(json.dumps({"total_items": 1, "contents": [hsds3]}).encode())
    assert report.added == 1
    found = DirectoryService.objects.get()
    assert (found.need_values, found.districts, found.phone) == (["transport"], " LL13 ", "01978 111111")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "isn't valid JSON"),
        (b"\xff\xfe", "isn't UTF-8"),
        (b'{"page": 1}', "has no list of services"),
        (b'"hello"', "isn't a list of services"),
    ],
)
def test_a_directory_that_cannot_be_read_is_refused_whole(db: None, content: bytes, message: str) -> None:
    directory_import(feed(service(1)))
    with pytest.raises(DirectoryRefused, match=message):
        directory_import(content)
    assert DirectoryService.objects.filter(active=True).count() == 1


def test_the_command_says_what_to_do_without_a_file_or_address(db: None, settings: Any) -> None:
    settings.ORGS_DIRECTORY_URL = ""
    with pytest.raises(CommandError, match="set ORGS_DIRECTORY_URL"):
        call_command("directory_import")
    with pytest.raises(CommandError, match="There is no file"):
        call_command("directory_import", "/nowhere/directory.json")


def test_the_demo_directory_imports_cleanly(db: None) -> None:
    report = directory_import(DIRECTORY_FILE.read_bytes())
    assert report.problems == []
    assert report.added >= 8


# Fetching from an address: a real server on 127.0.0.1, nothing from outside.


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services", handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_fetches_the_configured_address(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url, handler = local_server
    handler.body = feed(service(1), service(2))
    settings.ORGS_DIRECTORY_URL = url
    call_command("directory_import")
    assert "2 added" in capsys.readouterr().out


def test_a_directory_past_the_size_limit_is_refused(local_server: tuple[str, type[_Handler]]) -> None:
    url, handler = local_server
    handler.body = feed(*[service(number) for number in range(50)])
    with pytest.raises(DirectoryRefused, match="bigger than"):
        fetch(url, limit=2048)


def test_a_server_error_is_named(local_server: tuple[str, type[_Handler]]) -> None:
    url, handler = local_server
    handler.status = 503
    with pytest.raises(DirectoryRefused, match="answered 503"):
        fetch(url)


def test_a_server_that_never_answers_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with pytest.raises(DirectoryRefused, match="took too long to answer") as refused:
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=0.3)
    finally:
        listener.close()
    assert (refused.value.code, refused.value.values) == ("timed_out", {})


def test_a_server_that_refuses_the_connection_is_named() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(DirectoryRefused, match="refused the connection") as refused:
        fetch(f"http://127.0.0.1:{port}/", timeout=2)
    assert (refused.value.code, refused.value.values) == ("connection_refused", {})


def test_an_address_with_no_server_is_named() -> None:
    # .invalid is reserved (RFC 2606): no name under it ever resolves.
    with pytest.raises(DirectoryRefused, match="No server was found") as refused:
        fetch("http://directory.invalid/", timeout=5)
    assert (refused.value.code, refused.value.values) == ("unknown_host", {})


def test_another_failure_keeps_the_systems_own_words() -> None:
    # A server that accepts and hangs up without answering: no code for it, so urllib's words stay.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.recv(1024)
        connection.close()

    thread = threading.Thread(target=hang_up)
    thread.start()
    try:
        with pytest.raises(DirectoryRefused, match="could not be fetched") as refused:
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=5)
    finally:
        thread.join(5)
        listener.close()
    assert refused.value.code == "not_fetched"
    assert "Remote end closed connection" in refused.value.values["detail"]


def test_only_web_addresses_are_fetched() -> None:
    with pytest.raises(DirectoryRefused, match="starting with https://"):
        fetch("file:///etc/passwd")


# Searching.


@pytest.fixture
def directory(db: None) -> None:
    carers = [{"taxonomy": {"name": "Carers support"}}]
    far = [{"location": {"physical_addresses": [{"postal_code": "LL13 7AA", "city": "Wrexham"}]}}]
    mold = [{"location": {"physical_addresses": [{"postal_code": "CH7 1AA", "city": "Mold"}]}}]
    directory_import(
        feed(
            service(1, name="Near befriending"),
            service(2, name="Carers centre", service_taxonomys=carers),
            service(3, name="Further befriending", service_at_locations=far),
            service(
                4, name="Mold befriending", service_at_locations=mold, service_areas=[{"service_area": "Flintshire"}]
            ),
            service(5, name="Closed befriending", status="inactive"),
        )
    )


def _names(search: Any) -> list[tuple[str, list[str]]]:
    return [(group.heading, [found.name for found in group.services]) for group in search.groups]


def test_a_postcode_finds_its_district_first_then_the_rest_of_the_area(directory: None) -> None:
    found = support_search(need="loneliness", place="ll11 2xy")
    assert _names(found) == [
        ("In LL11", ["Near befriending"]),
        ("Elsewhere in the LL postcode area", ["Further befriending"]),
    ]


def test_a_town_matches_the_areas_a_service_covers(directory: None) -> None:
    assert _names(support_search(need="loneliness", place="Flintshire")) == [
        ("Covering Flintshire", ["Mold befriending"])
    ]


def test_support_for_carers_is_a_category_of_its_own(directory: None) -> None:
    assert _names(support_search(need="carer", place="LL11")) == [
        ("In LL11", ["Carers centre"]),
        ("Elsewhere in the LL postcode area", []),
    ]


def test_nothing_is_searched_before_the_form_is_used(directory: None) -> None:
    assert support_search(need="", place="").groups == []


def test_circle_members_find_support_without_javascript(directory: None, cast: Any, as_user: Any) -> None:
    response = as_user(cast.helper).get(reverse("orgs:find_support"), {"need": "loneliness", "place": "LL11 1AA"})
    page = text(response)
    assert response.status_code == 200
    assert "Near befriending" in page
    assert "Closed befriending" not in page
    assert "We referred them here" not in page


def test_people_in_no_circle_and_no_organisation_are_refused(directory: None, as_user: Any) -> None:
    nobody = quick_user("nobody@example.org", "Nobody")
    assert as_user(nobody).get(reverse("orgs:find_support")).status_code == 403


# "We referred them here".


def _signpost(client: Any, org: Org, referral_id: int, **form: Any) -> Any:
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral_id}
    return client.post(reverse("orgs:referral_signpost", kwargs=kwargs), form, follow=True)


def test_staff_record_where_they_sent_someone_once_with_history_and_audit(
    directory: None, org: Org, as_user: Any
) -> None:
    referral = make_referral(org.organisation, needs=["carer"])
    carers = DirectoryService.objects.get(name="Carers centre")
    client = as_user(org.coordinator)
    search = client.get(reverse("orgs:find_support"), {"referral": referral.pk, "need": "carer", "place": "LL11"})
    assert "We referred them here" in text(search)
    response = _signpost(client, org, referral.pk, service=carers.pk, for_carer="yes", note="Call on Mondays")
    assert "Recorded: Mary Jones was sent to Carers centre." in text(response)
    again = _signpost(client, org, referral.pk, service=carers.pk)
    assert "Carers centre was already recorded" in text(again)
    sent = Signposting.objects.get(referral=referral)
    assert (sent.service_name, sent.for_carer, sent.note) == ("Carers centre", True, "Call on Mondays")
    assert ReferralEvent.objects.filter(referral=referral, kind="signposted").count() == 1
    assert AuditEntry.objects.filter(action="referral.signposted").count() == 1
    page = text(client.get(reverse("orgs:referral", args=[org.organisation.pk, referral.pk])))
    assert "Carers centre for the person who helps them: Call on Mondays" in re.sub(r"<[^>]+>", "", page)


def test_a_volunteer_signposts_only_what_is_assigned_to_them(
    directory: None, org: Org, as_user: Any, coordinator_access: Any
) -> None:
    referral = make_referral(org.organisation)
    near = DirectoryService.objects.get(name="Near befriending")
    volunteer = as_user(org.volunteer)
    kwargs = {"organisation_id": org.organisation.pk, "referral_id": referral.pk}
    assert volunteer.post(reverse("orgs:referral_signpost", kwargs=kwargs), {"service": near.pk}).status_code == 404
    referral_move(access=coordinator_access, referral=referral, to="accepted")
    referral_assign(access=coordinator_access, referral=referral, assignee=org.volunteer)
    assert volunteer.post(reverse("orgs:referral_signpost", kwargs=kwargs), {"service": near.pk}).status_code == 302
    assert Signposting.objects.filter(referral=referral).count() == 1


def test_another_organisations_staff_neither_see_nor_record_on_the_referral(
    directory: None, org: Org, as_user: Any
) -> None:
    referral = make_referral(org.organisation, person_name="Private Person")
    near = DirectoryService.objects.get(name="Near befriending")
    other = as_user(org.other_staff)
    page = text(
        other.get(reverse("orgs:find_support"), {"referral": referral.pk, "need": "loneliness", "place": "LL11"})
    )
    assert "Private Person" not in page
    assert "We referred them here" not in page
    response = other.post(
        reverse("orgs:referral_signpost", kwargs={"organisation_id": org.organisation.pk, "referral_id": referral.pk}),
        {"service": near.pk},
    )
    assert response.status_code == 404
    assert not Signposting.objects.exists()


def test_a_missing_or_withdrawn_service_is_refused_clearly(directory: None, org: Org, as_user: Any) -> None:
    referral = make_referral(org.organisation)
    closed = DirectoryService.objects.get(name="Closed befriending")
    client = as_user(org.coordinator)
    assert "Choose a service from the directory." in text(_signpost(client, org, referral.pk, service="nope"))
    assert "no longer in the directory" in text(_signpost(client, org, referral.pk, service=closed.pk))
    assert not Signposting.objects.exists()


# The worker's scheduled refresh (orgs/jobs.py).


def test_the_worker_refreshes_the_configured_directory_and_records_how_it_went(
    db: None, local_server: tuple[str, type[_Handler]], settings: Any
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(service(1), service(2))
    assert directory_refresh_job.call() == "2 added, 0 updated, 0 unchanged, 0 no longer listed, 0 with problems."
    status = DirectoryFeedStatus.objects.get(url=url)
    assert (status.last_error, status.failures_in_a_row) == ("", 0)
    assert directory_problem() is None


def test_a_broken_feed_keeps_the_previous_services_and_is_shown_to_admins_only(
    db: None,
    local_server: tuple[str, type[_Handler]],
    settings: Any,
    org: Org,
    as_user: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, handler = local_server
    settings.ORGS_DIRECTORY_URL = url
    handler.body = feed(service(1), service(2))
    directory_refresh(url=url)
    handler.status, handler.body = 500, b"oops"
    directory_refresh(url=url)
    handler.status, handler.body = 200, b"<html>not json</html>"
    status = directory_refresh(url=url)
    assert status.failures_in_a_row == 2
    assert status.last_success_at is not None
    assert "was not refreshed" in caplog.text
    # Nothing hidden or lost: both services are still found.
    assert DirectoryService.objects.filter(active=True).count() == 2
    home = reverse("orgs:home", kwargs={"organisation_id": org.organisation.pk})
    assert "could not be refreshed" in text(as_user(org.admin).get(home))
    assert "could not be refreshed" not in text(as_user(org.coordinator).get(home))
    handler.body = feed(service(1), service(2))
    directory_refresh(url=url)
    assert "could not be refreshed" not in text(as_user(org.admin).get(home))


def test_the_worker_books_one_refresh_and_none_without_an_address(db: None, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ORGS_DIRECTORY_URL = ""
    assert directory_refresh_ensure() is False
    settings.ORGS_DIRECTORY_URL = "https://directory.example.org/services"
    assert directory_refresh_ensure() is True
    assert directory_refresh_ensure() is False
    assert DBTaskResult.objects.filter(task_path="carecircle.orgs.jobs.directory_refresh_job").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_feed_is_fetched_outside_any_transaction(
    local_server: tuple[str, type[_Handler]], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from carecircle.orgs import jobs

    url, handler = local_server
    handler.body = feed(service(1))
    seen: list[bool] = []

    def fetch_and_note(address: str) -> bytes:
        seen.append(connection.in_atomic_block)
        return fetch(address)

    monkeypatch.setattr(jobs, "fetch", fetch_and_note)
    settings.ORGS_DIRECTORY_URL = url
    directory_refresh_job.call()
    assert seen == [False]
    assert DirectoryService.objects.count() == 1


def _one_reply(reply: bytes) -> tuple[str, threading.Thread, socket.socket]:
    """A local server that answers one request with these raw bytes, then hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer() -> None:
        connection, _ = listener.accept()
        connection.recv(1024)
        connection.sendall(reply)
        connection.close()

    thread = threading.Thread(target=answer)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/", thread, listener


@pytest.mark.parametrize(
    "reply",
    [
        b"this is not HTTP at all\r\n\r\n",
        b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\nContent-Type: application/json\r\n\r\n[{"id": ',
    ],
    ids=["not HTTP", "cut short"],
)
def test_a_broken_answer_is_a_refusal_the_admin_can_read_not_a_crash(reply: bytes) -> None:
    url, thread, listener = _one_reply(reply)
    try:
        with pytest.raises(DirectoryRefused, match="sent a broken answer") as refused:
            fetch(url, timeout=5)
    finally:
        thread.join(5)
        listener.close()
    assert (refused.value.code, refused.value.values) == ("broken_reply", {})


@pytest.mark.parametrize("url", ["http://[::1/", "http://127.0.0.1:port/"])
def test_an_address_no_server_can_have_is_named(url: str) -> None:
    with pytest.raises(DirectoryRefused, match="can't be a web server's") as refused:
        fetch(url, timeout=2)
    assert refused.value.code == "bad_address"

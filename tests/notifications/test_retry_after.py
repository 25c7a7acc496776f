"""Reading a busy service's Retry-After, and finding a 429 or 503 in what each client library raises.

Every wait is computed against a fixed moment, never the real clock.
"""

from __future__ import annotations

import datetime
import urllib.error
from email.message import Message
from email.utils import format_datetime

import pytest
import requests
from anymail.exceptions import AnymailAPIError, AnymailRequestsAPIError
from notifications_python_client.errors import HTTPError as NotifyHTTPError
from pywebpush import WebPushException

from carecircle.notifications.retry_after import MAX_WAIT, Busy, busy_answer, retry_after_parse
from carecircle.notifications.services import busy_retry_delay

NOW = datetime.datetime(2026, 3, 29, 0, 59, 30, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        ("120", datetime.timedelta(seconds=120)),
        ("0", datetime.timedelta(0)),
        (" 45 ", datetime.timedelta(seconds=45)),
        ("0030", datetime.timedelta(seconds=30)),
        ("3600", MAX_WAIT),
        # Longer than an hour is asked again after an hour.
        ("86400", MAX_WAIT),
        ("9" * 5000, MAX_WAIT),
        # HTTP-dates (RFC 9110: IMF-fixdate, and the obsolete RFC 850 and asctime forms), read as GMT.
        ("Sun, 29 Mar 2026 01:14:30 GMT", 15 * MINUTE),
        ("Sunday, 29-Mar-26 01:04:30 GMT", 5 * MINUTE),
        ("Sun Mar 29 01:00:30 2026", MINUTE),
        ("Sun, 29 Mar 2026 09:00:00 GMT", MAX_WAIT),
        # A date already past asks for no wait.
        ("Sun, 29 Mar 2026 00:00:00 GMT", datetime.timedelta(0)),
    ],
)
def test_a_valid_retry_after_gives_the_wait_it_asks_at_most_an_hour(value: str, wait: datetime.timedelta) -> None:
    assert retry_after_parse(value, now=NOW) == wait


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "-5", "-0", "1.5", "30s", "soon", "²", "١٢٠", "Sun, 32 Mar 2026 01:00:00 GMT", "x" * 500, 30],
)
def test_a_missing_or_malformed_retry_after_asks_for_nothing(value: object) -> None:
    assert retry_after_parse(value, now=NOW) is None


def test_the_wait_is_the_usual_back_off_unless_the_service_asked_for_longer() -> None:
    def wait(attempts: int, header: str | None) -> datetime.timedelta:
        return busy_retry_delay(attempts, busy=Busy(429, header), now=NOW)

    assert wait(1, None) == 2 * MINUTE
    assert wait(1, "junk") == 2 * MINUTE
    assert wait(1, "-600") == 2 * MINUTE
    assert wait(1, "30") == 2 * MINUTE
    assert wait(1, "600") == 10 * MINUTE
    assert wait(1, format_datetime(NOW + 25 * MINUTE, usegmt=True)) == 25 * MINUTE
    assert wait(1, "99999999") == MAX_WAIT
    assert wait(4, "600") == 16 * MINUTE


def response(status: int, retry_after: str | None = None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    if retry_after is not None:
        answer.headers["Retry-After"] = retry_after
    return answer


def test_pywebpush_gives_the_status_and_the_header() -> None:
    assert busy_answer(WebPushException("Push failed", response=response(429, "30"))) == Busy(429, "30")
    assert busy_answer(WebPushException("Push failed", response=response(503))) == Busy(503, None)
    assert busy_answer(WebPushException("Push failed", response=response(500, "30"))) is None
    assert busy_answer(WebPushException("Push failed")) is None


def test_govuk_notifys_client_gives_the_response_but_a_network_failure_is_not_busy() -> None:
    assert busy_answer(NotifyHTTPError(response(429))) == Busy(429, None)
    assert busy_answer(NotifyHTTPError.create(requests.HTTPError(response=response(503, "120")))) == Busy(503, "120")
    assert busy_answer(NotifyHTTPError(response(400))) is None
    # The client reports 503 for a request that got no answer at all: that is no busy service.
    network = NotifyHTTPError.create(requests.ConnectionError("refused"))
    assert network.status_code == 503
    assert busy_answer(network) is None


def test_anymail_gives_the_status_and_the_response() -> None:
    assert busy_answer(AnymailRequestsAPIError("Rate limited", response=response(429, "60"))) == Busy(429, "60")
    assert busy_answer(AnymailAPIError("Down", status_code=503, response=response(503))) == Busy(503, None)
    assert busy_answer(AnymailAPIError("No response", status_code=429)) is None


def test_a_urllib_answer_is_found_behind_the_error_raised_from_it() -> None:
    headers = Message()
    headers["Retry-After"] = "90"
    busy = urllib.error.HTTPError("https://api.example/", 429, "Too Many Requests", headers, None)
    error = RuntimeError("Twilio answered 429")
    error.__cause__ = busy
    assert busy_answer(error) == Busy(429, "90")
    assert busy_answer(urllib.error.HTTPError("https://api.example/", 500, "Oops", Message(), None)) is None
    assert busy_answer(RuntimeError("anything else")) is None

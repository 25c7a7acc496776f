"""A delivery service that says it is busy (429 or 503) and how long to wait (Retry-After, RFC 9110 §10.2.3).

The worker waits at least what the service asked before the next attempt of that delivery, up to
MAX_WAIT, and never takes such an answer as a refusal of the member's device, address or number
(docs/architecture/notifications.md, "Busy services and Retry-After").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# A service asking for longer is asked again after this; a wait of hours would only let news go stale.
MAX_WAIT = datetime.timedelta(hours=1)
BUSY_STATUSES = frozenset({429, 503})
# More digits than this is more than MAX_WAIT anyway (and int() refuses strings of thousands of digits).
_MAX_DIGITS = 10


@dataclass(frozen=True)
class Busy:
    """A 429 or 503 answer and its Retry-After header as sent (None when it had none)."""

    status: int
    retry_after: str | None


def retry_after_parse(value: object, *, now: datetime.datetime) -> datetime.timedelta | None:
    """The wait a Retry-After value asks for, at most MAX_WAIT; None when missing or not a valid value.

    Either delta-seconds (ASCII digits only, so "-5" or "1.5" are not valid) or an HTTP-date, read
    as UTC (RFC 9110 dates are always GMT). A date already past asks for no wait at all.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+", text):
        if len(text.lstrip("0")) > _MAX_DIGITS:
            return MAX_WAIT
        return min(datetime.timedelta(seconds=int(text)), MAX_WAIT)
    if not text or len(text) > 64:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return min(max(when - now, datetime.timedelta(0)), MAX_WAIT)


def busy_answer(error: BaseException) -> Busy | None:
    """The 429 or 503 a service answered, from what each client library gives; None for any other failure.

    - pywebpush (push): `WebPushException.status_code` and `.retry_after` (the header as sent).
    - notifications-python-client (GOV.UK Notify): `HTTPError.response`, the requests response, so
      its status and headers. Notify documents 429 (`RateLimitError`, per minute, and
      `TooManyRequestsError`, the daily limit) without a Retry-After; one is read if it ever comes.
      A network failure has no response (the client then reports 503 without one): not busy.
    - django-anymail (email through a provider's API): `AnymailAPIError.status_code` and
      `.response`. Email through SMTP has no such header: a 4xx reply is retried with back-off.
    - Twilio (urllib): the `urllib.error.HTTPError` the backend raises from, with `.code` and `.headers`.

    The error's explicit cause (`raise … from`) is looked at too.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _busy_of(current)
        if found is not None:
            return found
        current = current.__cause__
    return None


def _busy_of(error: BaseException) -> Busy | None:
    import urllib.error

    from anymail.exceptions import AnymailAPIError
    from notifications_python_client.errors import APIError
    from pywebpush import WebPushException

    status: object = None
    header: object = None
    if isinstance(error, WebPushException):
        status, header = error.status_code, error.retry_after
    elif isinstance(error, APIError | AnymailAPIError):
        response = error.response
        if response is None:
            return None
        status = getattr(response, "status_code", None)
        header = getattr(response, "headers", {}).get("Retry-After")
    elif isinstance(error, urllib.error.HTTPError):
        status = error.code
        header = error.headers.get("Retry-After") if error.headers is not None else None
    if isinstance(status, int) and status in BUSY_STATUSES:
        return Busy(status=status, retry_after=header if isinstance(header, str) else None)
    return None

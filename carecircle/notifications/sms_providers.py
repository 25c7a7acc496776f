"""Real text-message providers: GOV.UK Notify (through its official client) and Twilio's REST format.

Each backend sends one text and returns the provider's id. A refusal that retrying can't fix (an
invalid or opted-out number) raises PermanentSmsError, so the delivery fails at once and the
member's number is marked as failing; anything else raises and is retried with back-off.
Inbound webhooks are checked here too: Twilio signs each request with the account's auth token
(X-Twilio-Signature), Notify sends the bearer token set on its "received text messages" callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from carecircle.notifications.retry_after import BUSY_STATUSES
from carecircle.notifications.sms import NUMBER_CANT_TAKE_TEXTS, NUMBER_OPTED_OUT, PermanentSmsError

# Twilio's error codes for a number that can never receive: invalid, not a mobile, unsubscribed (STOP).
TWILIO_PERMANENT_CODES = frozenset({21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614})
TWILIO_OPTED_OUT = 21610
TIMEOUT_SECONDS = 15


class NotifySmsBackend:
    """GOV.UK Notify: one template whose whole content is `((body))`, filled with our text."""

    def send(self, *, to: str, body: str) -> str:
        client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=TIMEOUT_SECONDS
        )
        try:
            response = client.send_sms_notification(  # type: ignore[no-untyped-call]
                phone_number=to, template_id=settings.NOTIFY_SMS_TEMPLATE_ID, personalisation={"body": body}
            )
        except HTTPError as error:
            if error.status_code == 400 and _mentions_phone_number(error.message):
                raise PermanentSmsError(f"GOV.UK Notify refused {to}: {error.message}") from error
            raise
        return str(response["id"])


def _mentions_phone_number(message: object) -> bool:
    """Notify's 400 answers list errors; one about phone_number means the number itself is wrong."""
    return "phone_number" in json.dumps(message) or "phone number" in json.dumps(message).lower()


class TwilioSmsBackend:
    """Twilio's Messages API: a form POST with basic authentication, answered with the message's sid."""

    def send(self, *, to: str, body: str) -> str:
        account = settings.TWILIO_ACCOUNT_SID
        url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        form = {"To": to, "From": settings.TWILIO_FROM, "Body": body}
        if settings.SITE_URL.startswith("https://"):
            # Twilio posts the text's final status there: an unknown number or a landline marks it failing.
            form["StatusCallback"] = f"{settings.SITE_URL}/sms/status/twilio/"
        credentials = base64.b64encode(f"{account}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"TWILIO_API_BASE must be an http or https address, not {url!r}.")
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            problem = _json_or_empty(error.read())
            code = problem.get("code")
            # Busy (429, 503) is never about the number, whatever code comes with it; the worker reads
            # Retry-After from this HTTPError, the cause of the error raised below (retry_after.py).
            if error.code not in BUSY_STATUSES and isinstance(code, int) and code in TWILIO_PERMANENT_CODES:
                raise PermanentSmsError(
                    f"Twilio refused {to}: {code} {problem.get('message', '')}",
                    reason=NUMBER_OPTED_OUT if code == TWILIO_OPTED_OUT else NUMBER_CANT_TAKE_TEXTS,
                ) from error
            raise RuntimeError(f"Twilio answered {error.code}: {problem.get('message', '')}") from error
        sid = answer.get("sid")
        if not isinstance(sid, str) or not sid:
            raise RuntimeError("Twilio's answer had no message sid.")
        return sid


def _json_or_empty(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def twilio_signature(*, url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """Twilio's request signature: HMAC-SHA1 of the full URL followed by each POST name and value, sorted."""
    payload = url + "".join(f"{name}{value}" for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(*, url: str, params: Iterable[tuple[str, str]], signature: str) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    expected = twilio_signature(url=url, params=params, auth_token=token)
    return hmac.compare_digest(expected.encode(), signature.encode())


def notify_bearer_valid(authorization: str) -> bool:
    """Notify's inbound callback carries the bearer token set for it in Notify's settings."""
    token = settings.NOTIFY_INBOUND_TOKEN
    scheme, _, given = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())

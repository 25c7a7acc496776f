"""What the mail provider tells us after sending: hard bounces, complaints and refusals.

The provider posts its tracking events to `/mail/events/<provider>/`; django-anymail checks the
basic-auth secret (`ANYMAIL["WEBHOOK_SECRET"]`) and turns each provider's shape into one
normalised event. A hard bounce, a complaint ("this is spam") or a refusal marks the member's email
as failing: notify() and the digest stop queueing email for them, the worker cancels what was
waiting, and they are told in the app, with a button to start again. Each event is kept once per
provider event id, so a replayed webhook does nothing twice. docs/architecture/notifications.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from anymail.exceptions import AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, EventType
from anymail.webhooks.base import AnymailBaseWebhookView
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carecircle.accounts.models import User
from carecircle.notifications.channel_failing import member_channel_failing
from carecircle.notifications.models import Channel, MailEvent

logger = logging.getLogger("carecircle.mail")

# The events that mean the address should not be used again until the member says it works.
FAILING_EVENTS = {EventType.BOUNCED, EventType.COMPLAINED, EventType.REJECTED}
# Provider event types anymail counts as bounced or rejected that are passing, or about our own
# sending set-up rather than the member's address: they change nothing.
NOT_THE_ADDRESS = {
    "postmark": {"SoftBounce", "Transient", "DnsError", "DMARCPolicy", "Unconfirmed", "SMTPApiError"},
    "brevo": {"soft_bounce", "deferred"},
}
# Stored in English and translated where the member reads it (failing_notice.html).
REASONS = {
    EventType.BOUNCED: gettext_noop("Your email provider said the address can't receive mail."),
    EventType.COMPLAINED: gettext_noop("An email of ours was marked as spam."),
    EventType.REJECTED: gettext_noop("The mail service refused to send to the address."),
}
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Provider:
    name: str
    view: type[AnymailBaseWebhookView]

    def kind(self, event: AnymailTrackingEvent) -> str:
        """The provider's own type of the event (Postmark's "Type", Brevo's "event")."""
        raw = event.esp_event if isinstance(event.esp_event, dict) else {}
        return str(raw.get("Type") or raw.get("event") or "")


PROVIDERS = {
    "postmark": Provider("postmark", PostmarkTrackingWebhookView),
    "brevo": Provider("brevo", BrevoTrackingWebhookView),
}


def event_key(event: AnymailTrackingEvent) -> str:
    """The provider's event id, or a hash of the event itself when the provider gives none (Brevo)."""
    given = str(event.event_id or "")
    if given and given.isprintable():
        return given[:200]
    raw = json.dumps(event.esp_event, sort_keys=True, default=str)
    return "sha256-" + hashlib.sha256(raw.encode()).hexdigest()


def mail_event_record(*, provider: Provider, event: AnymailTrackingEvent) -> str:
    """Act on one tracking event once; returns what became of it (for the log and the tests)."""
    if event.event_type not in FAILING_EVENTS:
        return "ignored"
    recipient = event.recipient.strip() if isinstance(event.recipient, str) else ""
    if not recipient or len(recipient) > 254 or not recipient.isprintable():
        return "no-recipient"
    passing = provider.kind(event) in NOT_THE_ADDRESS.get(provider.name, set())
    user = User.objects.filter(email__iexact=recipient, is_active=True).first()
    key = event_key(event)
    try:
        with transaction.atomic():
            row = MailEvent.objects.create(
                provider=provider.name,
                event_id=key,
                event_type=str(event.event_type),
                recipient=recipient,
                user=user,
                acted=user is not None and not passing,
            )
            if row.acted and user is not None:
                member_channel_failing(
                    user_id=user.pk,
                    channel=Channel.EMAIL,
                    address=recipient,
                    reason=REASONS[event.event_type],
                    key=f"mail-event-{row.pk}",
                )
    except IntegrityError:
        return "repeated"
    if passing:
        return "passing"
    return "marked" if user is not None else "unknown-address"


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _receive(request: HttpRequest, provider: Provider) -> HttpResponse:
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        # Without a secret anymail only warns and lets anyone in; refuse instead.
        logger.warning("Mail events refused: ANYMAIL_WEBHOOK_SECRET is not set.")
        return _plain("Mail events are not set up on this site.", 403)
    view = provider.view()
    try:
        view.run_validators(request)
    except AnymailWebhookValidationFailure:
        logger.warning("Mail events from %s refused: the basic auth did not match.", provider.name)
        return _plain("The webhook's user name and password are not valid.", 403)
    if len(request.body) > MAX_BODY:
        return _plain("The body is too large for a tracking event.", 413)
    try:
        events: list[Any] = view.parse_events(request)
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        AnymailError,
        AnymailConfigurationError,
    ) as error:
        logger.warning("Mail events from %s refused: the body could not be read (%s).", provider.name, error)
        return _plain(f"The body must be {provider.name.title()}'s tracking event JSON.", 400)
    outcomes = [mail_event_record(provider=provider, event=event) for event in events]
    logger.info("Mail events from %s: %s.", provider.name, ", ".join(outcomes) or "none")
    return _plain("Received.", 200)


@csrf_exempt  # The basic-auth secret is the proof; providers post without a session or form.
@require_POST
def postmark_events(request: HttpRequest) -> HttpResponse:
    """Postmark's bounce, spam-complaint (and other) webhooks."""
    return _receive(request, PROVIDERS["postmark"])


@csrf_exempt  # The basic-auth secret is the proof; providers post without a session or form.
@require_POST
def brevo_events(request: HttpRequest) -> HttpResponse:
    """Brevo's transactional email webhook."""
    return _receive(request, PROVIDERS["brevo"])

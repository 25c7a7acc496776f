"""The provider's way in for replies by email: Postmark's inbound webhook, read by django-anymail.

Anymail checks the basic-auth secret (ANYMAIL_WEBHOOK_SECRET) and turns Postmark's JSON into a
MIME message; `mail_inbound.mail_receive` does the rest, as for mail that came over SMTP. Without
a configured secret the webhook refuses everything (anymail alone would only warn and let anyone in).
"""

from __future__ import annotations

import hashlib
import logging
from types import SimpleNamespace

from anymail.exceptions import AnymailConfigurationError, AnymailError, AnymailWebhookValidationFailure
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carecircle.web.mail_inbound import InboundMail, mail_receive

logger = logging.getLogger("carecircle.mail")


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def postmark_inbound(request: HttpRequest) -> HttpResponse:
    """Postmark posts each inbound mail as JSON, with the basic-auth user and password set in its settings."""
    if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        logger.warning("Inbound email refused: ANYMAIL_WEBHOOK_SECRET is not set.")
        return _plain("Inbound email is not set up on this site.", 403)
    view = PostmarkInboundWebhookView()
    try:
        view.run_validators(request)
    except AnymailWebhookValidationFailure:
        logger.warning("Inbound email refused: the webhook's basic auth did not match.")
        return _plain("The webhook's user name and password are not valid.", 403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return _plain("The body is empty: send the inbound mail as JSON.", 400)
    if length > settings.MAIL_INBOUND_MAX_BYTES:
        logger.warning("Inbound email refused: %s bytes is over the limit.", length)
        return _plain(f"The mail is too large: at most {settings.MAIL_INBOUND_MAX_BYTES:,} bytes are taken.", 413)
    # Read the stream directly: request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE, below a mail's limit.
    body = request.read(settings.MAIL_INBOUND_MAX_BYTES + 1)
    try:
        events = view.parse_events(SimpleNamespace(body=body))
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        AnymailError,
        AnymailConfigurationError,
    ) as error:
        logger.warning("Inbound email refused: the body could not be read (%s).", type(error).__name__)
        return _plain("The body must be Postmark's inbound JSON.", 400)
    digest = hashlib.sha256(body).hexdigest()
    for event in events:
        message = event.message
        if message is None:
            return _plain("The body must be Postmark's inbound JSON.", 400)
        recipients = tuple(address for address in [message.envelope_recipient] if address)
        outcome = mail_receive(
            InboundMail(
                message=message,
                recipients=recipients,
                envelope_sender=message.envelope_sender,
                source="postmark",
                size=len(body),
                raw_digest=digest,
            )
        )
        logger.info("Postmark inbound mail: %s.", outcome)
    return _plain("Received.", 200)

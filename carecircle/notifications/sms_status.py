"""What Twilio tells us after sending a text: a number that doesn't exist or can't take texts.

Twilio posts each text's status to the StatusCallback the adapter gives it (`/sms/status/twilio/`),
signed like inbound texts (X-Twilio-Signature). A text that failed because the number is unknown or
a landline marks the member's number as failing, once per message sid, as a refusal at send time
does; any other status changes nothing. docs/architecture/notifications.md.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from carecircle.notifications.channel_failing import member_channel_failing
from carecircle.notifications.models import Channel, Delivery, Notification
from carecircle.notifications.sms import NUMBER_NOT_DELIVERED
from carecircle.notifications.sms_providers import TWILIO_PERMANENT_CODES, twilio_signature_valid

logger = logging.getLogger(__name__)

# Twilio's delivery errors that are about the number itself: unknown handset, landline or unreachable carrier.
NUMBER_FAILED_CODES = TWILIO_PERMANENT_CODES | {30005, 30006}
FAILED_STATUSES = {"failed", "undelivered"}


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def text_status_record(*, sid: str, status: str, error_code: int | None) -> str:
    """Act on one text's final status; returns what became of it."""
    if status not in FAILED_STATUSES or error_code not in NUMBER_FAILED_CODES:
        return "ignored"
    key = f"sms-status-{sid}"
    if Notification.objects.filter(key=key).exists():
        return "repeated"
    delivery = Delivery.objects.filter(channel=Channel.SMS, provider_id=sid, recipient__isnull=False).first()
    if delivery is None or delivery.recipient_id is None:
        return "unknown-message"
    member_channel_failing(
        user_id=delivery.recipient_id,
        channel=Channel.SMS,
        address=delivery.to,
        reason=NUMBER_NOT_DELIVERED,
        key=key,
    )
    logger.info("Text %s: the number failed with Twilio error %s.", sid, error_code)
    return "marked"


@csrf_exempt  # The Twilio signature is the proof; Twilio posts without a session or form.
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback for a text we sent."""
    url = f"{settings.SITE_URL}{request.get_full_path()}"
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    if not twilio_signature_valid(url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")):
        logger.warning("Text status refused: the Twilio signature did not match.")
        return _plain("The request signature is not valid.", 403)
    sid = request.POST.get("MessageSid", "").strip()
    status = request.POST.get("MessageStatus", "").strip().lower()
    raw_code = request.POST.get("ErrorCode", "").strip()
    if not sid or len(sid) > 64 or not sid.isalnum() or not status:
        return _plain("MessageSid and MessageStatus are required.", 400)
    if raw_code and not (raw_code.isdigit() and len(raw_code) <= 6):
        return _plain("ErrorCode must be a number.", 400)
    outcome = text_status_record(sid=sid, status=status, error_code=int(raw_code) if raw_code else None)
    logger.info("Twilio status for %s: %s (%s).", sid, status, outcome)
    return _plain("Received.", 200)

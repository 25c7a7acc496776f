"""Queueing and sending email and text messages (ARCHITECTURE rule 7)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from carecircle.notifications.models import Channel, Delivery, DeliveryStatus
from carecircle.notifications.sms import get_sms_backend

logger = logging.getLogger(__name__)


def delivery_enqueue(
    *, channel: Channel, to: str, body: str, idempotency_key: str, subject: str = "", html_body: str = ""
) -> Delivery:
    """Queue a message; the same idempotency key never queues it twice."""
    delivery, created = Delivery.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"channel": channel, "to": to, "subject": subject, "body": body, "html_body": html_body},
    )
    if created:
        from carecircle.notifications.tasks import deliver

        transaction.on_commit(lambda: deliver.enqueue(delivery.pk))
    return delivery


def delivery_send(*, delivery_id: int) -> str:
    """Send a queued delivery now. Returns "sent", "skipped", "retry" or "failed"."""
    from carecircle.notifications.tasks import MAX_ATTEMPTS

    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != DeliveryStatus.QUEUED:
            return "skipped"
        delivery.attempts += 1
        try:
            delivery.provider_id = _send(delivery)
        except Exception as error:
            logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error)
            delivery.last_error = str(error)[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
            delivery.save(update_fields=["attempts", "last_error", "status"])
            return "failed" if delivery.status == DeliveryStatus.FAILED else "retry"
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["attempts", "provider_id", "status", "sent_at"])
        return "sent"


def _send(delivery: Delivery) -> str:
    if delivery.channel == Channel.SMS:
        return get_sms_backend().send(to=delivery.to, body=delivery.body)
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],
        headers={"X-CareCircle-Delivery": str(delivery.pk), "Auto-Submitted": "auto-generated"},
    )
    if delivery.html_body:
        message.attach_alternative(delivery.html_body, "text/html")
    message.send()
    return f"email-{delivery.pk}"

"""Outbound messages and what members hear.

Every email or text message is a delivery row first (ARCHITECTURE rule 7); an in-app notification
is a row the member reads on the notifications page; each member's choices live in
NotificationSettings and NotificationPreference (docs/architecture/notifications.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PUSH = "push", _("Push notification")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    CANCELLED = "cancelled", _("Not needed any more")
    # Urgent news its service would have kept waiting too long: it went by the member's next channel
    # (`instead_channel`), so it is never sent this way as well (notifications/instead.py).
    INSTEAD = "instead", _("Sent another way")


class Delivery(models.Model):
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=254)
    # The member it is for, when it is for a member (invitations and sign-up emails have none).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=40, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # Messages about one conversation share a group, so chat is batched (notifications/chat.py).
    group = models.CharField(max_length=80, blank=True)
    # The lines of the messages that joined a batched chat email after it was queued, each "\n• line":
    # grown by one cheap UPDATE, spliced into the body and HTML when it is sent (`composed()`).
    batch_lines = models.TextField(default="", blank=True)
    # Extra headers, e.g. List-Unsubscribe for a member's notification.
    headers = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A worker that claims the row owns it until then; after it, another worker may take it over.
    lease_until = models.DateTimeField(null=True, blank=True)
    # Not sent before this moment: the next retry, or the end of the member's quiet hours.
    not_before = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The busy service (BusyService.service) it was last handed back for, untried; kept until an
    # outcome is recorded. NULL, not "", so the partial index below holds only rows that were held.
    held_by = models.CharField(max_length=300, null=True, blank=True)  # noqa: DJ001
    provider_id = models.CharField(max_length=120, blank=True)
    # The channel it went by instead (status "instead"): "email", "push" or "sms".
    instead_channel = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "not_before"], name="notif_delivery_due"),
            # Failures by address, for a circle home's version of its members' failed deliveries
            # (notifications.selectors): few rows, however many deliveries succeed.
            models.Index(fields=["to"], condition=Q(status="failed"), name="notif_delivery_failed_to"),
            # What a busy service held back, released early when a send to it works (busy_services.py):
            # only rows waiting for a hold, however many deliveries there are.
            models.Index(
                fields=["held_by", "not_before"],
                condition=Q(status="queued", held_by__isnull=False),
                name="notif_delivery_held_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.status}"

    def composed(self) -> tuple[str, str]:
        """The text and HTML as sent: the body with the batched lines that joined it (notifications/chat.py)."""
        if not self.batch_lines:
            return self.body, self.html_body
        from carecircle.notifications.chat import composed

        return composed(self.body, self.html_body, self.batch_lines)


class OutboxMessage(models.Model):
    """On one box with no EMAIL_URL, emails and texts land here for a developer to read."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=500)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}"


class Notification(models.Model):
    """One thing a member is told in the app; read when they open it or the list."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    category = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # Notifications about the same thing (one conversation) share a group, so chat batches.
    group = models.CharField(max_length=80, blank=True)
    key = models.CharField(max_length=160, unique=True)
    # What the member needed to be told this, checked again when a digest is built.
    capability = models.CharField(max_length=80, blank=True)
    # Emailed in the member's next digest, not at once (they chose a daily or weekly email).
    held_for_digest = models.BooleanField(default=False)
    # False for a line kept only for the digest: the member turned this category off in the app,
    # so it isn't listed or counted there (notifications.md, "The digest email").
    in_app = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_unread")]

    def __str__(self) -> str:
        return f"{self.category} for {self.recipient_id}"


class FanOut(models.Model):
    """One notify() to a big circle, waiting for the worker to write each member's rows.

    Written in the change's transaction instead of a Notification and deliveries per member, so
    the change commits (and its live event goes) at once; the worker then tells the members
    `FAN_OUT_CHUNK` at a time (`fan_out.fan_out_expand`). `position` counts the members already
    told: each chunk's rows and the move of `position` commit together, so a worker that dies
    mid-way loses nothing and the next one carries on where it stopped. The row is deleted with
    the last chunk (docs/architecture/notifications.md, "Big circles: the worker tells each member").
    """

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=160, unique=True)
    category = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The title and body in each site language, as notify() was given them (language code -> text).
    titles = models.JSONField(default=dict)
    bodies = models.JSONField(default=dict)
    url = models.CharField(max_length=500, blank=True)
    capability = models.CharField(max_length=80, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    # A message in that conversation: members reading it live when they are told hear nothing more
    # (asked then, not in the change's transaction: the conversation_live_readers hook).
    message_id = models.BigIntegerField(null=True, blank=True)
    # ReplyTarget as [kind, object id, capability], or null.
    reply_target = models.JSONField(null=True, blank=True)
    # The members chosen when the change was made, in order; the worker checks each again.
    user_ids = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    # How many chunks a worker has started, and when the last one did (a stuck expansion shows here).
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.position} of {len(self.user_ids)}"


class Digest(models.TextChoices):
    OFF = "off", _("Tell me as things happen")
    DAILY = "daily", _("One email a day")
    WEEKLY = "weekly", _("One email a week")


class NotificationSettings(models.Model):
    """A member's quiet hours and digest, and which channels have stopped working for them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.OFF)
    # The day of a weekly digest (0 is Monday, as datetime.weekday()).
    digest_weekday = models.PositiveSmallIntegerField(default=0)
    # The moment (08:00 on the member's clock) the last digest period ended, sent or empty.
    digest_sent_until = models.DateTimeField(null=True, blank=True)
    email_failing_since = models.DateTimeField(null=True, blank=True)
    sms_failing_since = models.DateTimeField(null=True, blank=True)
    failing_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"

    # One reason is kept, the last channel's to fail: each notice shows it only when it is its own.
    @property
    def email_failing_reason(self) -> str:
        email, sms = self.email_failing_since, self.sms_failing_since
        return self.failing_reason if email is not None and (sms is None or email >= sms) else ""

    @property
    def sms_failing_reason(self) -> str:
        email, sms = self.email_failing_since, self.sms_failing_since
        return self.failing_reason if sms is not None and (email is None or sms > email) else ""


class NotificationPreference(models.Model):
    """A member's choice for one category on one channel, where it differs from their role's default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=40)
    channel = models.CharField(max_length=10)
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category", "channel"], name="notif_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}/{self.channel}={self.enabled}"


class ConversationMute(models.Model):
    """A member muted one conversation: nothing about it reaches them outside the conversation itself."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation_id"], name="notif_mute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.conversation_id}"


class TextsSent(models.Model):
    """How many texts a member was sent on one UTC day: a conditional UPDATE keeps it under the cap under a burst."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notif_texts_sent_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.count}"


class TextOptOut(models.Model):
    """A number that replied STOP: nothing is texted to it on any path until it replies START."""

    number = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.number} opted out"


class InboundText(models.Model):
    """A text someone sent us, kept once per provider message id, so a replayed webhook does nothing twice."""

    provider = models.CharField(max_length=10)
    provider_id = models.CharField(max_length=64)
    sender = models.CharField(max_length=16)
    body = models.CharField(max_length=1600)
    # What became of it: "yes", "no", "done", "stop", "start", "help", "message", "unknown", "refused".
    outcome = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_id"], name="notif_inbound_text_unique"),
        ]

    def __str__(self) -> str:
        return f"text from {self.sender}: {self.outcome}"


class InboundEmail(models.Model):
    """A reply by email, kept once per Message-ID, so a mail delivered twice is acted on once.

    The words are not kept here: a posted reply is the message in the conversation.
    """

    # SHA-256 of the Message-ID (or of the whole mail when it has none): Message-IDs can be long.
    message_key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=255, blank=True)
    # "smtp" (carecircle mail-inbound) or the provider's webhook ("postmark").
    source = models.CharField(max_length=20)
    sender = models.CharField(max_length=254, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    size = models.PositiveIntegerField(default=0)
    # What became of it: "posted", "auto-reply", "unknown-address", "wrong-sender", "limited", "refused", "empty".
    outcome = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversation_id = models.PositiveBigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"email from {self.sender}: {self.outcome}"


class MailEvent(models.Model):
    """A bounce, complaint or refusal the mail provider reported, kept once per provider event id."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    # Anymail's normalised type: "bounced", "complained" or "rejected".
    event_type = models.CharField(max_length=20)
    recipient = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whether it marked the member's email as failing (a soft bounce or an unknown address does not).
    acted = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="notif_mail_event_unique")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} for {self.recipient}"


class PushSubscription(models.Model):
    """One browser or device a member turned push notifications on for (Web Push, RFC 8030).

    The endpoint is the push service's address for that browser; p256dh and auth are the browser's
    keys, so only it can read what is sent (RFC 8291). An endpoint belongs to one browser, so it is
    unique: subscribing again from the same browser updates the row, whoever is signed in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=1000, unique=True)
    # The browser's P-256 public key (65 bytes) and its 16-byte auth secret, base64url without padding.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # "Chrome on Android": shown on the preferences page so the member knows which device it is.
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Set when the push service refused it for a reason other than "gone" (say, a changed key):
    # nothing more is sent to it until the browser subscribes again.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"push to {self.label or 'a device'} of {self.user_id}"


class PushKey(models.Model):
    """The server's VAPID key pair (RFC 8292), made once at set-up unless VAPID_PRIVATE_KEY is set.

    Browsers bind each subscription to the public key, so it must be kept: a new key means every
    device has to turn push on again.
    """

    purpose = models.CharField(max_length=20, unique=True, default="vapid")
    # The raw 32-byte P-256 private key, base64url without padding.
    private_key = models.CharField(max_length=100)
    # The uncompressed public point (65 bytes), base64url: the browser's applicationServerKey.
    public_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.purpose} key"


class BusyService(models.Model):
    """A delivery service that answered 429 or 503: no worker sends it anything more until `until`.

    One row per service (a push service's origin, "sms" for the text provider, "email"), shared by
    every worker process and sweep (docs/architecture/notifications.md, "Busy services and Retry-After").
    """

    service = models.CharField(max_length=300, unique=True)
    until = models.DateTimeField()
    # The answer that put it here (429 or 503), for the operator.
    status = models.PositiveSmallIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["until", "service"]

    def __str__(self) -> str:
        return f"{self.service} busy until {self.until:%Y-%m-%d %H:%M:%S}"

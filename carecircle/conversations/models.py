"""Keeping in touch: conversations and their messages, photos, reactions, read markers, check-ins and thanks.

Everything people write to each other is a Message in a Conversation. A circle has one family
conversation and one news feed (updates and messages of support); two members may have a direct
conversation; any other app can hang a comment thread on one of its things (a task, a record
entry) by a subject kind and id. Reading rules are per kind (conversations/selectors.py).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversationKind(models.TextChoices):
    CIRCLE = "circle", _("Family conversation")
    NEWS = "news", _("Updates and support")
    DIRECT = "direct", _("Direct messages")
    THREAD = "thread", _("Comments")


class Conversation(models.Model):
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="conversations")
    kind = models.CharField(max_length=10, choices=ConversationKind.choices)
    # Direct conversations: the two members, the lower user id first, so a pair has one conversation.
    first_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    second_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Comment threads: what they are about, in the owning app's words ("task", 42).
    subject_kind = models.CharField(max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # By the columns, not the related rows: "circle" would join the circle table to sort by its
        # person's name on every query that keeps the default order (docs/architecture/conversations.md).
        ordering = ["circle_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["circle", "kind"],
                condition=Q(kind__in=["circle", "news"]),
                name="conversations_one_family_and_news_per_circle",
            ),
            models.UniqueConstraint(
                fields=["circle", "first_user", "second_user"],
                condition=Q(kind="direct"),
                name="conversations_one_direct_per_pair",
            ),
            models.UniqueConstraint(
                fields=["circle", "subject_kind", "subject_id"],
                condition=Q(kind="thread"),
                name="conversations_one_thread_per_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="direct") | Q(first_user__isnull=False, second_user__isnull=False),
                name="conversations_direct_has_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} in {self.circle_id}"


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    UPDATE = "update", _("Update")
    SUPPORT = "support", _("Message of support")


class Message(models.Model):
    """Something one member wrote. Never hard-deleted: a removed message keeps its row and its history."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=120, blank=True, help_text="Updates only: a headline.")
    body = models.TextField(blank=True)
    # The body as safe HTML, rendered once when written (conversations/formatting.py).
    body_html = models.TextField(blank=True)
    reply_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mentions = models.JSONField(default=list, blank=True, help_text="User ids mentioned with @name.")
    client_id = models.UUIDField(null=True, blank=True, help_text="Sent by the client so retries never duplicate.")
    # How a message written outside the app arrived ("sms", "email"), so the circle can see it.
    via = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["conversation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="conversations_message_unique_client_id"),
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="conversations_message_page")]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """An earlier wording of an edited message: edits keep history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    written_at = models.DateTimeField(help_text="When this wording was written.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return f"Revision {self.pk} of {self.message_id}"


def photo_path(instance: object, filename: str) -> str:
    # The uploaded name is never used: it may hold personal details or dangerous characters.
    return f"conversations/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.jpg"


class MessagePhoto(models.Model):
    """A re-encoded photo (no EXIF, so no location) and its thumbnail."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True, help_text="Read aloud by screen readers.")

    class Meta:
        ordering = ["message_id", "id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.message_id}"


class ReactionKind(models.TextChoices):
    HEART = "heart", _("❤️ Love")
    THUMBS_UP = "thumbs_up", _("👍 Thumbs up")
    HUG = "hug", _("🤗 Hug")
    SMILE = "smile", _("😊 Smile")
    CLAP = "clap", _("👏 Well done")


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "kind"], name="conversations_reaction_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.message_id}"


class ReadMarker(models.Model):
    """The newest message a member has seen in a conversation; everything after it is unread."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="conversations_one_marker"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} to {self.last_read_id}"


class Feeling(models.IntegerChoices):
    STRUGGLING = 1, _("Struggling")
    FINDING_IT_HARD = 2, _("Finding it hard")
    GETTING_BY = 3, _("Getting by")
    OK = 4, _("Doing OK")
    WELL = 5, _("Doing well")


class Audience(models.TextChoices):
    ORGANISERS = "organisers", _("Only the person and the organisers")
    FAMILY = "family", _("Everyone in the family conversation")
    EVERYONE = "everyone", _("Everyone who reads the updates")


class CheckIn(models.Model):
    """How one member is doing, for the audience they chose."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    feeling = models.PositiveSmallIntegerField(choices=Feeling.choices)
    note = models.CharField(max_length=500, blank=True)
    audience = models.CharField(max_length=12, choices=Audience.choices)
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="conversations_checkin_unique_client_id"),
        ]
        indexes = [models.Index(fields=["circle", "-id"], name="conversations_checkin_recent")]

    def __str__(self) -> str:
        return f"Check-in {self.pk} by {self.author_id}"


class Visitors(models.TextChoices):
    WELCOME = "welcome", _("Visitors welcome")
    ASK_FIRST = "ask_first", _("Please ask first")
    NOT_NOW = "not_now", _("Not at the moment")


class VisitorsStatus(models.Model):
    """ "Visitors welcome?", set by the person or an organiser. Each change is a new row: history is kept."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Visitors.choices)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle_id", "-id"]

    def __str__(self) -> str:
        return f"{self.status} in {self.circle_id}"


class ThankYou(models.Model):
    """Thanks from one member to another for something they did (a task, a visit)."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject_kind = models.CharField(max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject_label = models.CharField(max_length=200, blank=True, help_text='What it was for: "Lift to hospital".')
    note = models.CharField(max_length=500, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circle_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="conversations_thanks_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"Thanks {self.pk} to {self.recipient_id}"

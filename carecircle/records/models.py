"""The shared record: entries with every version kept, documents, share links and the access log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carecircle.circles.models import Circle, Role


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone who may read this section")
    CARERS = "carers", _("Helpers and carers")
    PROFESSIONALS = "professionals", _("Professionals")
    OWNERS = "owners", _("Organisers and the person only")


# Who is in each audience, on top of the section's capability (which consent governs). Organisers
# and the person are in every audience; a share link counts as a professional.
AUDIENCE_ROLES: dict[str, frozenset[str]] = {
    Audience.EVERYONE: frozenset(Role),
    Audience.CARERS: frozenset({Role.PERSON, Role.ORGANISER, Role.HELPER, Role.PAID_CARER}),
    Audience.PROFESSIONALS: frozenset({Role.PERSON, Role.ORGANISER, Role.PROFESSIONAL}),
    Audience.OWNERS: frozenset({Role.PERSON, Role.ORGANISER}),
}


def audiences_for(role: str) -> list[str]:
    return [audience for audience, roles in AUDIENCE_ROLES.items() if role in roles]


class RecordEntry(models.Model):
    """One entry of a section (a medication, a contact, a note), or the single entry of About me."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="record_entries")
    section = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True, help_text="Field values as text, keyed by field name.")
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    version = models.PositiveIntegerField(default=1, help_text="Posted with every edit form: a stale one clashes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_by_name = models.CharField(max_length=80, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True, help_text="Sent by the client so retries never duplicate.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["circle", "section", "deleted_at"], name="records_entry_section")]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], name="records_entry_unique_client_id"),
            # About me and the emergency plan are one entry each; a second create clashes instead.
            models.UniqueConstraint(
                fields=["circle", "section"],
                condition=Q(section__in=["about", "emergency"], deleted_at__isnull=True),
                name="records_entry_single_sections",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} entry {self.pk} of circle {self.circle_id}"


class RecordVersion(models.Model):
    """What an entry said after one change: who made it, when, and every field value."""

    class Change(models.TextChoices):
        CREATED = "created", pgettext_lazy("record change", "Added")
        EDITED = "edited", pgettext_lazy("record change", "Changed")
        DELETED = "deleted", pgettext_lazy("record change", "Deleted")
        RESTORED = "restored", pgettext_lazy("record change", "Restored")

    entry = models.ForeignKey(RecordEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=10, choices=Change.choices)
    data = models.JSONField(default=dict, blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    author_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="records_version_unique_number")]

    def __str__(self) -> str:
        return f"Version {self.number} of entry {self.entry_id}"


def document_path(instance: RecordDocument, filename: str) -> str:
    # The uploaded name is never part of the path: it may hold personal details or dangerous characters.
    return f"records/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class RecordDocument(models.Model):
    """The file of a Documents entry: checked from its content, pictures re-encoded without EXIF."""

    entry = models.OneToOneField(RecordEntry, on_delete=models.CASCADE, related_name="document")
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    filename = models.CharField(max_length=120, help_text="A safe name to download it as.")

    def __str__(self) -> str:
        return self.filename


class ShareLink(models.Model):
    """Read-only access to chosen sections for someone without an account; only a hash of the token is kept."""

    class CodeChannel(models.TextChoices):
        NONE = "", _("No code")
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="share_links")
    recipient = models.CharField(max_length=80, help_text='Who it is for: "Practice nurse at Riverside".')
    sections = models.JSONField(default=list, help_text="Keys of the sections it shows.")
    token_hash = models.CharField(max_length=64, unique=True)
    code_channel = models.CharField(max_length=10, choices=CodeChannel.choices, blank=True, default="")
    code_to = models.CharField(max_length=254, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_by_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], name="records_share_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"Share link {self.pk} for {self.recipient}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class RecordView(models.Model):
    """One look at the record by a professional, a share link or organisation staff."""

    class ViewerKind(models.TextChoices):
        PROFESSIONAL = "professional", _("Professional")
        SHARE_LINK = "share_link", _("Share link")
        ORG_STAFF = "org_staff", _("Organisation staff")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="record_views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    viewer_name = models.CharField(max_length=120)
    viewer_kind = models.CharField(max_length=20, choices=ViewerKind.choices)
    share_link = models.ForeignKey(ShareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="views")
    what = models.CharField(max_length=120, help_text='What was looked at: "Medications", "the PDF summary".')
    entry = models.ForeignKey(RecordEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["circle", "-id"], name="records_view_circle")]

    def __str__(self) -> str:
        return f"{self.viewer_name} looked at {self.what}"


class PdfJob(models.Model):
    """The summary PDF for one key (`exports.pdf_key`): queued, being drawn by the worker, drawn, or failed.

    The reader's capabilities, audiences, share link, language and time zone are captured when the
    request queues it, so the worker draws exactly what the key promises; the key is unique, so a
    burst of clicks or two readers in the same position share one job (records/pdf_jobs.py).
    """

    class Status(models.TextChoices):
        # Translators: the state of a PDF of the care record that a member asked for.
        WAITING = "waiting", _("Waiting")
        # Translators: the state of a PDF of the care record: being laid out into pages ("drawn": made).
        DRAWING = "drawing", _("Being drawn")
        # Translators: the state of a PDF of the care record: it can be downloaded.
        READY = "ready", _("Ready")
        # Translators: the state of a PDF of the care record: it could not be made.
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=80, unique=True)
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    share_link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    capabilities = models.JSONField(default=list)
    audiences = models.JSONField(default=list)
    language = models.CharField(max_length=16)
    time_zone = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    pdf = models.BinaryField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"PDF job {self.pk} ({self.status})"

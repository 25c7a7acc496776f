"""Circles (the people around one person), memberships with roles, and invitations."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PERSON = "person", _("The person being helped")
    ORGANISER = "organiser", _("Organiser")
    HELPER = "helper", _("Helper")
    PAID_CARER = "paid_carer", _("Paid carer")
    PROFESSIONAL = "professional", _("Professional")
    WELL_WISHER = "well_wisher", _("Well-wisher")


ROLE_DESCRIPTIONS = {
    Role.PERSON: _("The person everyone is helping. They decide who sees what."),
    Role.ORGANISER: _("Coordinates the circle: members, help, the record and settings."),
    Role.HELPER: _("Family, friends and neighbours who lend a hand and keep in touch."),
    Role.PAID_CARER: _("Carers from an agency or employed privately: their visits and what they need to know."),
    Role.PROFESSIONAL: _("GP, nurse, social worker or link worker: reads the record, leaves notes."),
    Role.WELL_WISHER: _("The wider circle: reads updates and sends messages of support."),
}


ROLE_NOUNS = {
    Role.PERSON: _("the person being helped"),
    Role.ORGANISER: _("an organiser"),
    Role.HELPER: _("a helper"),
    Role.PAID_CARER: _("a paid carer"),
    Role.PROFESSIONAL: _("a professional"),
    Role.WELL_WISHER: _("a well-wisher"),
}


def role_noun(role: str) -> str:
    """ "a helper", "an organiser": for sentences."""
    try:
        return str(ROLE_NOUNS[Role(role)])
    except ValueError:
        return role


def circle_photo_path(instance: Circle, filename: str) -> str:
    # The original name is never used: it may hold personal details or dangerous characters.
    return f"circles/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.jpg"


class Circle(models.Model):
    """The people around one person. The person may or may not have an account."""

    person_name = models.CharField(max_length=80)
    person_date_of_birth = models.DateField(null=True, blank=True)
    # The first half of the person's postcode ("LL11"), given by the circle to find support near
    # them (orgs/support_offers.py). Never the full postcode: a district is all that's needed.
    person_district = models.CharField(max_length=4, blank=True, default="")
    person_photo = models.ImageField(upload_to=circle_photo_path, null=True, blank=True)
    consent = models.JSONField(
        default=dict,
        blank=True,
        help_text="Capabilities granted to each role where consent decides: {role: [capability, …]}.",
    )
    event_seq = models.PositiveBigIntegerField(default=0, help_text="Sequence number of the latest live event.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True, help_text="Sent by the client so retries never duplicate.")
    created_at = models.DateTimeField(default=timezone.now)
    # When the circle has come to an end: read-only from closed_at, erased by the worker at erase_after.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(max_length=20, blank=True)
    close_message = models.TextField(blank=True)
    erase_after = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["person_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_id"], name="circles_circle_unique_client_id"),
        ]

    def __str__(self) -> str:
        return self.person_name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Membership(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    relationship = models.CharField(
        max_length=60, blank=True, help_text='How they know the person: "daughter", "neighbour", "district nurse".'
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="circles_membership_unique_user"),
            models.UniqueConstraint(
                fields=["circle"], condition=Q(role="person"), name="circles_membership_one_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.circle_id} as {self.role}"


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LINK = "link", _("Shareable link")


class Invitation(models.Model):
    """An invitation to join a circle with a role; only a hash of its secret token is stored."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices)
    relationship = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=10, choices=InvitationChannel.choices)
    name = models.CharField(max_length=80, blank=True, help_text="Who it is for, as the inviter knows them.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="A personal line from the inviter.")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invited_by", "client_id"], name="circles_invitation_unique_client_id"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.circle_id} as {self.role}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def unusable_message(self, *, cancelling: bool = False) -> str:
        """Why this invitation can't be used (or cancelled), in a whole sentence in the active language."""
        if cancelling:
            return {
                "accepted": gettext("This invitation can't be cancelled: it has already been used."),
                "revoked": gettext("This invitation can't be cancelled: it has already been cancelled."),
                "expired": gettext("This invitation can't be cancelled: it has already expired."),
                "pending": gettext("This invitation can't be cancelled now. Try again."),
            }[self.status]
        return {
            "accepted": gettext("This invitation has already been used. Ask for a new one."),
            "revoked": gettext("This invitation has been cancelled. Ask for a new one."),
            "expired": gettext("This invitation has expired. Ask for a new one."),
            "pending": gettext("This invitation can't be used now. Ask for a new one."),
        }[self.status]

    def gone_sentence(self) -> str:
        """For the page an unusable link opens: "This invitation to help Dad has expired."."""
        sentence = {
            "accepted": gettext("This invitation to help %(person)s has already been used."),
            "revoked": gettext("This invitation to help %(person)s has been cancelled."),
            "expired": gettext("This invitation to help %(person)s has expired."),
            "pending": gettext("This invitation to help %(person)s has not been used yet."),
        }[self.status]
        return sentence % {"person": self.circle.person_name}

    @property
    def recipient(self) -> str:
        return self.name or self.email or self.phone or gettext("Anyone with the link")

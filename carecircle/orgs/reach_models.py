"""How an organisation offers CareCircle: invite codes, the circles started or linked through it.

Kept beside models.py (which imports these) so neither module grows past a readable length.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.orgs.directory_reasons import ServiceProblem, reason_text

# How many skipped services the organisation's home page lists before "and N more".
PROBLEMS_SHOWN = 10


class InviteCode(models.Model):
    """A code an organisation hands out (on a leaflet, at a visit) that starts a circle linked to it.

    Only the code's hash is kept; staff see its label and last four characters. It works until it
    expires, is revoked, or has been used `max_uses` times (a check constraint backs the limit).
    """

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="invite_codes")
    label = models.CharField(max_length=80)
    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=4)
    max_uses = models.PositiveIntegerField()
    uses = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses__lte=models.F("max_uses")), name="orgs_invite_code_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (…{self.hint})"


class OrganisationCircle(models.Model):
    """A circle started with an organisation's invite code, and the consent given for the link.

    The link lets the organisation count the circle; it gives its staff no access to the circle.
    """

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="circle_links")
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="organisation_links")
    invite_code = models.ForeignKey(InviteCode, on_delete=models.SET_NULL, null=True, related_name="circles")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    consent_given_by = models.CharField(max_length=16)
    consent_to = models.TextField()
    consent_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-consent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "circle"], name="orgs_circle_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.circle_id} with {self.organisation_id}"


class CircleLinkRequest(models.Model):
    """Staff ask the organiser of an existing circle to link it to an accepted referral.

    Sent to an email address; only the token's hash is kept. The organiser, signed in, chooses
    which of the circles they organise to link (staff never learn of the others) or declines.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    referral = models.ForeignKey("orgs.Referral", on_delete=models.CASCADE, related_name="link_requests")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    circle = models.ForeignKey("circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per referral: asking again replaces the first (the service withdraws it).
            models.UniqueConstraint(
                fields=["referral"], condition=models.Q(status="pending"), name="orgs_link_request_one_pending"
            ),
        ]
        indexes = [
            # The waiting requests for an address, read on every circles page of a confirmed account
            # and when an address is confirmed; partial, so answered requests never grow it.
            models.Index(fields=["email"], condition=models.Q(status="pending"), name="orgs_link_pending_email"),
        ]

    def __str__(self) -> str:
        return f"link request for {self.referral_id}"


class DirectoryFeedStatus(models.Model):
    """How the worker's last fetches of the configured directory went (one row per address)."""

    url = models.CharField(max_length=500, unique=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_summary = models.CharField(max_length=300, blank=True)
    # Empty when the last fetch worked; otherwise why the previous data was kept, as a code and its
    # values (orgs/directory_reasons.py) put into words in the reader's language.
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error_values = models.JSONField(default=dict, blank=True)
    # Text from before codes that no code matched, shown as it was.
    last_error = models.CharField(max_length=500, blank=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    # The services the last good import skipped: how many, and the first ones with their reasons' codes.
    last_problem_count = models.PositiveIntegerField(default=0)
    last_problems = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "directory feed statuses"

    def __str__(self) -> str:
        return self.url

    @property
    def failed(self) -> bool:
        return bool(self.last_error_code or self.last_error)

    def error_text(self) -> str:
        """Why the last fetch failed, in the active language."""
        return reason_text(self.last_error_code, self.last_error_values, fallback=self.last_error)

    def problem_lines(self, *, first: int = PROBLEMS_SHOWN) -> list[str]:
        """The first services the last import skipped, each with its reason in the active language."""
        return [str(ServiceProblem.from_stored(stored)) for stored in self.last_problems[:first]]

    def problems_not_shown(self) -> int:
        return max(0, self.last_problem_count - min(PROBLEMS_SHOWN, len(self.last_problems)))

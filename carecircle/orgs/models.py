"""Organisations (voluntary organisations, councils), their staff, commissioners and referrals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    COORDINATOR = "coordinator", "Coordinator"
    VOLUNTEER = "volunteer", "Volunteer"


class Organisation(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # The local authority area it works in; commissioners of that area see its aggregates.
    area = models.CharField(max_length=80, blank=True, db_index=True)
    # Shown on the public referral form.
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationStaff(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles")
    role = models.CharField(max_length=12, choices=StaffRole.choices, default=StaffRole.COORDINATOR)
    job_title = models.CharField(max_length=80, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="orgs_staff_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.organisation_id}"


class StaffInvitation(models.Model):
    """An invitation to join an organisation's staff; only the secret's hash is kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=StaffRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation_id}"


class Commissioner(models.Model):
    """Someone at the council or NHS body paying for services in an area: aggregates only, never a person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commissioning")
    area = models.CharField(max_length=80)
    body = models.CharField(max_length=120, blank=True)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "area"], name="orgs_commissioner_unique_area")]

    def __str__(self) -> str:
        return f"{self.user_id} for {self.area}"

"""People who use CareCircle: one global account each, whatever circles they are in."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_TIME_ZONE = "Europe/London"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    # Empty for someone who joined by text and signs in with codes sent to their mobile; unique when present.
    email = models.EmailField(blank=True)
    display_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, like +447700900123")
    time_zone = models.CharField(max_length=64, default=DEFAULT_TIME_ZONE)
    language = models.CharField(max_length=10, default="en-gb")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="accounts_user_email_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.phone

    @property
    def contact(self) -> str:
        """How the account is known: its email address, or its mobile number when it has none."""
        return self.email or self.phone

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class ApiToken(models.Model):
    """A personal access token for the API; only a hash of the secret is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The first characters, shown to tell tokens apart.")
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Scopes: a read-only token can't change anything; a circle's token reaches that circle only.
    # The circle is a plain id (accounts sits below circles); circles clears it when a circle is erased.
    read_only = models.BooleanField(default=False)
    circle_id = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class SignedInSession(models.Model):
    """A browser session, so people can see where they are signed in and sign out elsewhere."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.user_agent[:40]}"


class TotpDevice(models.Model):
    """An authenticator app (TOTP, RFC 6238). The shared secret is sealed with the site's key."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    sealed_secret = models.CharField(max_length=300)
    # The last time step accepted, so a code can never be used twice (RFC 6238 §5.2).
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Authenticator app of {self.user_id}"


class Passkey(models.Model):
    """A WebAuthn credential (a passkey or a security key) registered to an account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=80)
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url")
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"


class RecoveryCode(models.Model):
    """A one-use code for when the authenticator app or passkey is lost; only a salted hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of {self.user_id}"


class TextCodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", "Signing in"
    JOIN = "join", "Joining a circle"


class TextCode(models.Model):
    """A six-digit code texted to a mobile, to sign in or to join a circle by text; only a keyed hash is kept.

    It works for TEXT_CODE_MINUTES, once, and for at most TEXT_CODE_ATTEMPTS tries (accounts/text_codes.py).
    """

    phone = models.CharField(max_length=16)
    purpose = models.CharField(max_length=10, choices=TextCodePurpose.choices)
    # Signing in: the account the number belongs to. Joining: none yet; `subject` names the invitation.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="text_codes"
    )
    subject = models.CharField(max_length=40, blank=True)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phone", "purpose", "created_at"], name="accounts_text_code_lookup")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} code {self.pk}"

"""Organisations (voluntary organisations, councils), their staff, commissioners and referrals."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StaffRole(models.TextChoices):
    ADMIN = "admin", _("Admin")
    COORDINATOR = "coordinator", _("Coordinator")
    VOLUNTEER = "volunteer", _("Volunteer")


LOGO_EXTENSIONS = {"png", "jpg", "gif", "webp"}


def logo_path(instance: Organisation, filename: str) -> str:
    # Random, so a replaced logo is never served from a cache under the old name; the extension
    # (set by lib/uploads.py from the content) says how to serve it.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    suffix = f".{extension}" if extension in LOGO_EXTENSIONS else ""
    return f"organisations/logos/{secrets.token_hex(16)}{suffix}"


class Organisation(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    # The local authority area it works in; commissioners of that area see its aggregates.
    area = models.CharField(max_length=80, blank=True, db_index=True)
    # Shown on the public referral form.
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The branded page people reach with an invite code (orgs/branding.py): the colours as the
    # organisation chose them; what is shown is adjusted to readable contrast when drawn.
    logo = models.FileField(upload_to=logo_path, max_length=200, blank=True)
    brand_colour = models.CharField(max_length=7, blank=True)
    accent_colour = models.CharField(max_length=7, blank=True)
    welcome = models.TextField(blank=True)
    # The number of the latest live event of its referrals (orgs/live.py): a page that reconnects
    # compares it with the number it last heard and refetches if it missed any.
    event_seq = models.PositiveBigIntegerField(default=0)

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


class ReferralStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("state of a referral", "New")
    # Translators: "triaged" means looked at and sorted by urgency, before it is accepted or declined.
    TRIAGED = "triaged", pgettext_lazy("state of a referral", "Triaged")
    ACCEPTED = "accepted", pgettext_lazy("state of a referral", "Accepted")
    DECLINED = "declined", pgettext_lazy("state of a referral", "Declined")
    ASSIGNED = "assigned", pgettext_lazy("state of a referral", "Assigned")
    ACTIVE = "active", pgettext_lazy("state of a referral", "Active")
    CLOSED = "closed", pgettext_lazy("state of a referral", "Closed")


class ReferralSource(models.TextChoices):
    GP = "gp", _("GP surgery")
    SOCIAL_PRESCRIBER = "social_prescriber", _("Social prescriber or link worker")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    HEALTH = "health", _("Hospital or community health team")
    SELF = "self", _("The person themselves")
    FAMILY = "family", _("Family, friend or neighbour")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")


class ContactPreference(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    REFERRER = "referrer", _("Through the referrer")


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", _("The person themselves")
    REPRESENTATIVE = "representative", _("Someone who can decide for them")


class Need(models.TextChoices):
    LONELINESS = "loneliness", _("Company and loneliness")
    SHOPPING = "shopping", _("Shopping and errands")
    TRANSPORT = "transport", _("Lifts and transport")
    HOME = "home", _("Help at home")
    MONEY = "money", _("Money and benefits")
    CARER = "carer", _("Support for someone who helps a relative")
    HEALTH = "health", _("Health and wellbeing")
    HOSPITAL = "hospital", _("Coming home from hospital")
    OTHER = "other", _("Something else")


class Outcome(models.TextChoices):
    SUPPORTED = "supported", _("Supported, needs met")
    PARTLY = "partly", _("Supported, some needs met")
    SIGNPOSTED = "signposted", _("Sent to another service")
    CIRCLE = "circle", _("Family circle started")
    DECLINED_BY_PERSON = "declined_by_person", _("The person decided not to go ahead")
    UNREACHABLE = "unreachable", _("Could not reach the person")
    OTHER = "other", _("Other")


class Referral(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="referrals")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.NEW)
    source = models.CharField(max_length=20, choices=ReferralSource.choices, default=ReferralSource.OTHER)
    # The referrer's own reference: the API and CSV import are idempotent by it.
    referrer_reference = models.CharField(max_length=80, blank=True)
    # The person.
    person_name = models.CharField(max_length=120)
    person_date_of_birth = models.DateField(null=True, blank=True)
    person_address = models.TextField(blank=True)
    person_postcode = models.CharField(max_length=10, blank=True)
    person_phone = models.CharField(max_length=32, blank=True)
    person_email = models.EmailField(blank=True)
    contact_preference = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.PHONE
    )
    # Who referred them.
    referrer_name = models.CharField(max_length=120, blank=True)
    referrer_organisation = models.CharField(max_length=120, blank=True)
    referrer_email = models.EmailField(blank=True)
    referrer_phone = models.CharField(max_length=32, blank=True)
    # The language the referrer used (a code of settings.LANGUAGES): every notice to them is written in it.
    # Empty when nobody said (older referrals, CSV rows): then their account's language, else the site's.
    referrer_language = models.CharField(max_length=10, blank=True)
    # What they need.
    needs = models.JSONField(default=list, blank=True)
    needs_detail = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # Consent: who gave it, when, and to what.
    consent_given_by = models.CharField(max_length=16, choices=ConsentGivenBy.choices)
    consent_given_at = models.DateTimeField()
    consent_to = models.TextField()
    # The pipeline.
    decline_reason = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals_assigned"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Possible duplicates share this key (name, date of birth and postcode, normalised).
    duplicate_key = models.CharField(max_length=200, blank=True)
    # A merged referral stays with its history, pointing at the one it was merged into.
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged")
    # The bridge: a family circle started from this referral with the person's consent.
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    circle_consent_at = models.DateTimeField(null=True, blank=True)
    circle_link_ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="orgs_referral_status_recent"),
            # The list pages by (created_at, id) from a cursor, newest first (referral_selectors.py).
            models.Index(fields=["organisation", "-created_at", "-id"], name="orgs_referral_recent_keyset"),
            # Overdue referrals are the few still waiting for first contact: a small partial index.
            models.Index(
                fields=["organisation", "created_at"],
                condition=models.Q(first_contact_at__isnull=True),
                name="orgs_referral_awaiting_contact",
            ),
            # Possible duplicates: only unmerged referrals with a key are ever compared.
            models.Index(
                fields=["organisation", "duplicate_key"],
                condition=models.Q(merged_into__isnull=True) & ~models.Q(duplicate_key=""),
                name="orgs_referral_duplicates",
            ),
            # Commissioners' figures start from the circles still linked to an area's referrals: few rows.
            models.Index(
                fields=["organisation", "circle"],
                condition=models.Q(circle__isnull=False, circle_link_ended_at__isnull=True),
                name="orgs_referral_linked_circles",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "referrer_reference"],
                condition=~models.Q(referrer_reference=""),
                name="orgs_referral_unique_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R{self.pk:05d}" if self.pk else "R-new"


class ReferralEvent(models.Model):
    """One entry of a referral's history: its creation, each change of state, notes, contact, merges."""

    class Kind(models.TextChoices):
        CREATED = "created", pgettext_lazy("kind of entry in a referral's history", "Received")
        MOVED = "moved", pgettext_lazy("kind of entry in a referral's history", "Moved")
        ASSIGNED = "assigned", pgettext_lazy("kind of entry in a referral's history", "Assigned")
        NOTE = "note", pgettext_lazy("kind of entry in a referral's history", "Note")
        CONTACT = "contact", pgettext_lazy("kind of entry in a referral's history", "First contact")
        MERGED = "merged", pgettext_lazy("kind of entry in a referral's history", "Merged")
        CIRCLE = "circle", pgettext_lazy("kind of entry in a referral's history", "Circle")
        WELLBEING = "wellbeing", pgettext_lazy("kind of entry in a referral's history", "Wellbeing")
        SIGNPOSTED = "signposted", pgettext_lazy("kind of entry in a referral's history", "Sent to a service")
        FOLLOW_UP = "follow_up", pgettext_lazy("kind of entry in a referral's history", "Follow-up")
        ATTACHED = "attached", pgettext_lazy("kind of entry in a referral's history", "Attachment")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    text = models.TextField(blank=True)
    # Whom an "assigned" entry gave the referral to (the text keeps the name as it was then).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The report's volunteer activity: one person's entries, and those giving them referrals, in a range.
            models.Index(fields=["actor", "created_at"], name="orgs_event_actor_recent"),
            models.Index(fields=["assignee", "created_at"], name="orgs_event_assignee_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.referral_id}"

    def from_status_label(self) -> str:
        return (
            str(ReferralStatus(self.from_status).label)
            if self.from_status in ReferralStatus.values
            else self.from_status
        )

    def to_status_label(self) -> str:
        return str(ReferralStatus(self.to_status).label) if self.to_status in ReferralStatus.values else self.to_status


class WellbeingStage(models.TextChoices):
    START = "start", _("At the start")
    CLOSE = "close", _("At the end")


class WellbeingMeasure(models.Model):
    """The ONS personal wellbeing questions (ONS4), asked at the start and at the end of a referral.

    Four answers from 0 to 10. For the first three higher is better; for anxiety lower is better.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="wellbeing")
    stage = models.CharField(max_length=5, choices=WellbeingStage.choices)
    life_satisfaction = models.PositiveSmallIntegerField()
    worthwhile = models.PositiveSmallIntegerField()
    happy = models.PositiveSmallIntegerField()
    anxious = models.PositiveSmallIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "stage"], name="orgs_wellbeing_once_per_stage"),
            models.CheckConstraint(
                condition=models.Q(life_satisfaction__lte=10, worthwhile__lte=10, happy__lte=10, anxious__lte=10),
                name="orgs_wellbeing_scores_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} for {self.referral_id}"


class DirectoryService(models.Model):
    """A local service from an Open Referral UK (HSDS) directory, kept by its id in that directory.

    Only what the "Find local support" page shows and searches on is kept; the import
    (orgs/directory.py) works out the need categories and the postcode districts once, so a search
    is a plain text match.
    """

    external_id = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200)
    organisation_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    # Space-separated and padded (" carer health "), so a category or district is matched whole.
    needs = models.CharField(max_length=200, blank=True)
    districts = models.CharField(max_length=400, blank=True)
    # The places it covers, as the directory names them, lower case ("wrexham; flintshire").
    areas = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def need_values(self) -> list[str]:
        return self.needs.split()


class ServiceUse(models.TextChoices):
    """Whether someone used a service they were sent to, as staff last recorded it."""

    NOT_KNOWN = "", pgettext_lazy("whether someone used a service", "Not known yet")
    USED = "used", pgettext_lazy("whether someone used a service", "Used it")
    NOT_USED = "not_used", pgettext_lazy("whether someone used a service", "Didn't use it")


class Signposting(models.Model):
    """Staff sent the person of a referral (or the person who helps them) to a service in the directory."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="signpostings")
    # Kept by name as well: the directory may drop the service later, the record of it stays.
    service = models.ForeignKey(DirectoryService, on_delete=models.SET_NULL, null=True, related_name="signpostings")
    service_name = models.CharField(max_length=200)
    for_carer = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Whether they used it, as last recorded (each change is in the referral's history), and the day it was known.
    use = models.CharField(max_length=10, choices=ServiceUse.choices, default=ServiceUse.NOT_KNOWN, blank=True)
    used_on = models.DateField(null=True, blank=True)
    use_recorded_at = models.DateTimeField(null=True, blank=True)
    use_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "service"], name="orgs_signposting_once_per_service"),
        ]
        indexes = [
            # The reports count those made in a range of months (orgs/support_figures.py).
            models.Index(fields=["created_at"], name="orgs_signposting_made"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} to {self.service_name}"


class FollowUp(models.Model):
    """Something to do for a referral by a date (ring back, check the lift happened), for someone on the staff."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(max_length=300)
    due_on = models.DateField()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="referral_follow_ups"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The form's own id: the same form posted twice adds one follow-up.
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "client_id"], name="orgs_follow_up_once_per_form"),
        ]

    def __str__(self) -> str:
        return f"{self.text} by {self.due_on}"


def attachment_path(instance: ReferralAttachment, filename: str) -> str:
    # The uploaded name is never part of the path: it may hold personal details or dangerous characters.
    return f"referrals/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class ReferralAttachment(models.Model):
    """A letter or form kept with a referral: checked from its content like the record's documents."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    filename = models.CharField(max_length=120, help_text="A safe name to download it as.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "client_id"], name="orgs_attachment_once_per_form"),
        ]

    def __str__(self) -> str:
        return self.filename


class ReferralFigure(models.Model):
    """How many of an organisation's referrals received in a month count under (kind, key)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month (UK time) the referrals arrived in.")
    kind = models.CharField(max_length=12)
    key = models.CharField(max_length=40, blank=True)
    # A count, or for wellbeing a sum of answers (changes can be negative).
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month", "kind", "key"], name="orgs_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.kind}:{self.key} = {self.count}"


# Per-month counts of what each member of staff was given and did.
from carecircle.orgs.figure_models import SignpostingFigure, StaffFigure  # noqa: E402

# The private offer of support to someone who gives a lot of help (orgs/support_offers.py).
from carecircle.orgs.offer_models import SupportOffer  # noqa: E402

# Invite codes, circles started with them, link requests and the directory feed's state.
from carecircle.orgs.reach_models import (  # noqa: E402
    CircleLinkRequest,
    DirectoryFeedStatus,
    InviteCode,
    OrganisationCircle,
)

__all__ = [
    "CircleLinkRequest",
    "DirectoryFeedStatus",
    "InviteCode",
    "OrganisationCircle",
    "SignpostingFigure",
    "StaffFigure",
    "SupportOffer",
]

"""Organisation staff roles, and the offer of support made to a member, for data rights."""

from __future__ import annotations

from collections.abc import Iterable

from carecircle.accounts.models import User
from carecircle.lib.privacy_registry import csv_rows, erasure_register, subject_part_register
from carecircle.lib.retention import RetentionRule, retention_rule_register
from carecircle.lib.zipstream import Member
from carecircle.orgs.models import Commissioner, OrganisationStaff, StaffInvitation, SupportOffer


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "organisations.csv",
        csv_rows(
            ["organisation", "job title", "since"],
            OrganisationStaff.objects.filter(user=user).values_list("organisation__name", "job_title", "joined_at"),
        ),
    )
    yield (
        "commissioning.csv",
        csv_rows(
            ["area", "body", "since"], Commissioner.objects.filter(user=user).values_list("area", "body", "since")
        ),
    )
    yield (
        "support_offers.csv",
        csv_rows(
            [
                "circle",
                "postcode district",
                "offered now",
                "weeks over",
                "checked on",
                "first offered",
                "hidden until",
                "turned down",
            ],
            SupportOffer.objects.filter(user=user).values_list(
                "circle__person_name",
                "district",
                "due",
                "weeks_over",
                "checked_on",
                "created_at",
                "later_until",
                "dismissed_at",
            ),
        ),
    )


def erase(user: User) -> None:
    OrganisationStaff.objects.filter(user=user).delete()
    Commissioner.objects.filter(user=user).delete()
    SupportOffer.objects.filter(user=user).delete()
    if user.email:  # An account made by text has none, and "" would match nothing useful.
        StaffInvitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()


subject_part_register("orgs", subject_access)
erasure_register("orgs", handler=erase)

# A staff invitation stops working when it expires; kept RETENTION_DELIVERIES_DAYS past that, like the
# email that carried it, then removed with the address it was sent to.
retention_rule_register(
    RetentionRule(
        name="staff invitations", setting="RETENTION_DELIVERIES_DAYS", model=StaffInvitation, date_field="expires_at"
    )
)

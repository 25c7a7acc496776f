"""Organisation staff roles for data rights."""

from __future__ import annotations

from collections.abc import Iterable

from carecircle.accounts.models import User
from carecircle.lib.privacy_registry import csv_rows, erasure_register, subject_part_register
from carecircle.lib.zipstream import Member
from carecircle.orgs.models import OrganisationStaff


def subject_access(user: User) -> Iterable[Member]:
    yield (
        "organisations.csv",
        csv_rows(
            ["organisation", "job title", "since"],
            OrganisationStaff.objects.filter(user=user).values_list("organisation__name", "job_title", "joined_at"),
        ),
    )


def erase(user: User) -> None:
    OrganisationStaff.objects.filter(user=user).delete()


subject_part_register("orgs", subject_access)
erasure_register("orgs", handler=erase)

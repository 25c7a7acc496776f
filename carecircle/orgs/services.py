"""Writes to organisations and their staff."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.orgs.models import Organisation, OrganisationStaff


@transaction.atomic
def organisation_create(*, actor: User | None, name: str) -> Organisation:
    base = slugify(name)[:50] or "organisation"
    slug, number = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    organisation = Organisation.objects.create(name=name.strip(), slug=slug)
    audit_record(actor=actor, action="organisation.created", data={"organisation": organisation.pk, "name": name})
    return organisation


@transaction.atomic
def organisation_staff_add(
    *, actor: User | None, organisation: Organisation, user: User, job_title: str = ""
) -> OrganisationStaff:
    staff, created = OrganisationStaff.objects.get_or_create(
        organisation=organisation, user=user, defaults={"job_title": job_title}
    )
    if created:
        audit_record(
            actor=actor,
            action="organisation.staff_added",
            subject=user,
            data={"organisation": organisation.pk, "name": organisation.name},
        )
    return staff

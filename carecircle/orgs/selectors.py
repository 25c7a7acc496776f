"""Reads about organisations, their staff and commissioners."""

from __future__ import annotations

from django.db.models import QuerySet

from carecircle.accounts.models import User
from carecircle.orgs.models import Organisation, OrganisationStaff, StaffInvitation


def staff_roles_for(*, viewer: User) -> QuerySet[OrganisationStaff]:
    """The viewer's places on organisations' staff, with each organisation."""
    return OrganisationStaff.objects.filter(user=viewer).select_related("organisation").order_by("organisation__name")


def staff_places_of(user_id: int) -> QuerySet[OrganisationStaff]:
    """The account's places on any organisation's staff, for circles.registries' staff check (not evaluated)."""
    return OrganisationStaff.objects.filter(user_id=user_id)


def staff_list_for(*, organisation: Organisation) -> QuerySet[OrganisationStaff]:
    return (
        OrganisationStaff.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


def open_staff_invitations_for(*, organisation: Organisation) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.filter(organisation=organisation, accepted_at__isnull=True).order_by("-created_at")


def organisations_in_areas(*, areas: list[str]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(area__in=areas).order_by("area", "name")


def landing_for(user: User) -> str | None:
    """Where someone with no circle should land: their organisation, or their area's reports."""
    from django.urls import reverse

    from carecircle.orgs.models import Commissioner

    staff = (
        OrganisationStaff.objects.filter(user=user)
        .order_by("organisation__name")
        .values_list("organisation_id", flat=True)
    )
    first = staff.first()
    if first is not None:
        return reverse("orgs:home", kwargs={"organisation_id": first})
    if Commissioner.objects.filter(user=user).exists():
        return reverse("orgs:commissioning")
    return None

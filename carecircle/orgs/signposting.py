"""Finding local services in the directory, recording that staff sent someone to one, and whether they used it.

Search is by need and by place with no geocoding service: a postcode or a district ("LL11 1AA",
"LL11") matches services with an address in that district first, then the rest of its postcode
area ("LL"); any other words match the places a service says it covers, and its address
(docs/architecture/organisations.md says why).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from carecircle.accounts.models import User
from carecircle.audit.services import audit_record
from carecircle.circles.models import Membership
from carecircle.lib.date_words import short_date
from carecircle.lib.errors import DomainError
from carecircle.lib.postcodes import district_of
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.figures import LONDON, month_of, signposting_contributions, signposting_figures_add
from carecircle.orgs.history import referral_history_add
from carecircle.orgs.models import (
    DirectoryService,
    Need,
    OrganisationStaff,
    Referral,
    ReferralEvent,
    ServiceUse,
    Signposting,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MOST_SHOWN = 30
LONGEST_NOTE = 2000
# How the need categories read on the search page, where a carer may be looking for themself.
NEED_LABELS: dict[str, StrOrPromise] = {
    **dict(Need.choices),
    Need.CARER: gettext_lazy("Support for you while you help someone (breaks, advice, a carer's assessment)"),
}


class SignpostingError(DomainError):
    """A refusal about recording where someone was sent."""


@dataclass
class ResultGroup:
    heading: str
    services: list[DirectoryService]


@dataclass
class SupportSearch:
    need: str = ""
    place: str = ""
    groups: list[ResultGroup] = field(default_factory=list)
    searched: bool = False

    @property
    def count(self) -> int:
        return sum(len(group.services) for group in self.groups)


def may_find_support(user: User) -> bool:
    """Circle members and organisation staff may search the directory."""
    return (
        Membership.objects.filter(user_id=user.pk).exists()
        or OrganisationStaff.objects.filter(user_id=user.pk).exists()
    )


def require_find_support(user: User) -> None:
    if not may_find_support(user):
        raise PermissionDenied(gettext("Finding local support is for members of a circle and organisation staff."))


def _listed(need: str) -> QuerySet[DirectoryService]:
    services = DirectoryService.objects.filter(active=True)
    return services.filter(needs__contains=f" {need} ") if need else services


def support_search(*, need: str, place: str) -> SupportSearch:
    """Services for a need near a place, in groups from closest to widest; nothing before a search."""
    need = need if need in Need.values else ""
    place = " ".join(place.split())[:60]
    found = SupportSearch(need=need, place=place, searched=bool(need or place))
    if not found.searched:
        return found
    services = _listed(need)
    district = district_of(place)
    if district:
        letters = re.match(r"[A-Z]+", district)
        in_district = list(services.filter(districts__contains=f" {district} ")[:MOST_SHOWN])
        found.groups.append(ResultGroup(gettext("In %(district)s") % {"district": district}, in_district))
        if letters:
            nearby = (
                services.filter(districts__regex=rf" {letters.group(0)}[0-9]")
                .exclude(pk__in=[service.pk for service in in_district])
                .exclude(districts__contains=f" {district} ")
            )
            found.groups.append(
                ResultGroup(
                    gettext("Elsewhere in the %(area)s postcode area") % {"area": letters.group(0)},
                    list(nearby[:MOST_SHOWN]),
                )
            )
    elif place:
        words = place.lower()
        covering = services.filter(areas__contains=words) | services.filter(address__icontains=words)
        found.groups.append(
            ResultGroup(gettext("Covering %(place)s") % {"place": place}, list(covering.distinct()[:MOST_SHOWN]))
        )
    else:
        found.groups.append(ResultGroup(gettext("Everywhere in the directory"), list(services[:MOST_SHOWN])))
    return found


@transaction.atomic
def referral_signpost(
    *, access: OrganisationAccess, referral: Referral, service: DirectoryService, for_carer: bool, note: str = ""
) -> tuple[Signposting, bool]:
    """Record that the person (or the person who helps them) was sent to a service; once per service."""
    note = note.strip()
    if len(note) > LONGEST_NOTE:
        raise SignpostingError(
            gettext("Shorten the note to %(most)s characters or fewer.") % {"most": f"{LONGEST_NOTE:,}"}, field="note"
        )
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    existing = Signposting.objects.filter(referral=referral, service=service).first()
    if existing is not None:
        return existing, False
    if not service.active:
        raise SignpostingError(gettext("That service is no longer in the directory. Search again."))
    signposting = Signposting.objects.create(
        referral=referral,
        service=service,
        service_name=service.name,
        for_carer=for_carer,
        note=note,
        actor=access.user,
    )
    signposting_figures_add(
        organisation_id=referral.organisation_id,
        month=month_of(signposting.created_at),
        delta=dict(signposting_contributions(signposting, referral)),
    )
    who = "The person who helps them was" if for_carer else "Sent"
    text = f"{who} sent to {service.name}." if for_carer else f"{who} to {service.name}."
    referral_history_add(
        referral=referral,
        actor=access.user,
        kind=ReferralEvent.Kind.SIGNPOSTED,
        text=f"{text} {note}".strip(),
    )
    audit_record(
        actor=access.user,
        action="referral.signposted",
        subject_name=referral.reference,
        data={
            "organisation": referral.organisation_id,
            "referral": referral.pk,
            "service": service.external_id,
            "for_carer": for_carer,
        },
    )
    return signposting, True


def signpostings_for(*, referral: Referral) -> list[Signposting]:
    return list(Signposting.objects.filter(referral=referral).select_related("actor"))


def _uk_today() -> datetime.date:
    return timezone.localtime(timezone.now(), LONDON).date()


@transaction.atomic
def signposting_use_record(
    *, access: OrganisationAccess, signposting: Signposting, use: str, used_on: datetime.date | None
) -> bool:
    """Record whether the person used the service they were sent to (and when); False when nothing changed.

    "Not known yet" takes no date; "used" and "didn't use" take the day it was known, which can't be
    before they were sent nor after today. Each change goes into the referral's history and the audit log.
    """
    if use not in ServiceUse.values:
        raise SignpostingError(gettext("Choose whether they used the service."), field="use")
    sent_on = timezone.localtime(signposting.created_at, LONDON).date()
    if use == ServiceUse.NOT_KNOWN:
        used_on = None
    elif used_on is None:
        raise SignpostingError(gettext("Give the date, as day, month and year."), field="used_on")
    elif used_on > _uk_today():
        raise SignpostingError(gettext("The date can't be in the future."), field="used_on")
    elif used_on < sent_on:
        raise SignpostingError(
            gettext("The date can't be before they were sent, on %(day)s.") % {"day": short_date(sent_on, "j M Y")},
            field="used_on",
        )
    signposting = Signposting.objects.select_for_update().select_related("referral").get(pk=signposting.pk)
    if signposting.use == use and signposting.used_on == used_on:
        return False
    before = signposting.use
    signposting.use = use
    signposting.used_on = used_on
    signposting.use_recorded_at = timezone.now()
    signposting.use_recorded_by = access.user
    signposting.save(update_fields=["use", "used_on", "use_recorded_at", "use_recorded_by"])
    referral = signposting.referral
    if before != use:
        signposting_figures_add(
            organisation_id=referral.organisation_id,
            month=month_of(signposting.created_at),
            delta={("use", before): -1, ("use", use): 1},
        )
    referral_history_add(
        referral=referral,
        actor=access.user,
        kind=ReferralEvent.Kind.SIGNPOSTED,
        text=_use_sentence(signposting),
    )
    audit_record(
        actor=access.user,
        action="referral.service_use_recorded",
        subject_name=referral.reference,
        data={
            "organisation": referral.organisation_id,
            "referral": referral.pk,
            "signposting": signposting.pk,
            "use": use,
            "before": before,
            "used_on": used_on.isoformat() if used_on else None,
        },
    )
    return True


def _use_sentence(signposting: Signposting) -> str:
    """The history entry, in English as the rest of the history is kept."""
    day = signposting.used_on.strftime("%-d %b %Y") if signposting.used_on else ""
    name = signposting.service_name
    if signposting.use == ServiceUse.USED:
        return f"Used {name} (known on {day})."
    if signposting.use == ServiceUse.NOT_USED:
        return f"Didn't use {name} (known on {day})."
    return f"Not known yet whether they used {name}."

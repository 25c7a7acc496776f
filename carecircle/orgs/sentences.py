"""How an organisation's actions read in a circle's activity log ("Who did what")."""

from __future__ import annotations

from collections.abc import Callable

from carecircle.audit.models import AuditEntry


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or "Someone"


def _organisation(entry: AuditEntry) -> str:
    return entry.subject_name or "an organisation"


SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "circle.linked_to_organisation": lambda entry: (
        f"{_actor(entry)} started the circle with a code from {_organisation(entry)}, with the person's "
        "agreement that they may know of it"
    ),
    "referral.circle_linked": lambda entry: (
        f"{_actor(entry)} linked the circle to the work of {_organisation(entry)} and invited its staff as helpers"
    ),
    "referral.circle_started": lambda entry: (
        f"{_actor(entry)} started the circle from an organisation's referral, with the person's agreement"
    ),
    "referral.circle_unlinked": lambda entry: (
        f"{_actor(entry)} ended an organisation's link to the circle; its staff left"
    ),
}

"""How an organisation's actions read in a circle's activity log ("Who did what")."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext

from carecircle.audit.models import AuditEntry


def _actor(entry: AuditEntry) -> str:
    return entry.actor_name or gettext("Someone")


def _with_code(entry: AuditEntry) -> str:
    names = {"actor": _actor(entry), "organisation": entry.subject_name}
    if entry.subject_name:
        return (
            gettext(
                "%(actor)s started the circle with a code from %(organisation)s, with the person's "
                "agreement that they may know of it"
            )
            % names
        )
    return gettext(
        "%(actor)s started the circle with a code from an organisation, with the person's agreement that they may "
        "know of it"
    ) % {"actor": _actor(entry)}


def _linked(entry: AuditEntry) -> str:
    if entry.subject_name:
        return gettext(
            "%(actor)s linked the circle to the work of %(organisation)s and invited its staff as helpers"
        ) % {"actor": _actor(entry), "organisation": entry.subject_name}
    return gettext("%(actor)s linked the circle to the work of an organisation and invited its staff as helpers") % {
        "actor": _actor(entry)
    }


# Each is called when the log is drawn, so it reads in the viewer's language.
SENTENCES: dict[str, Callable[[AuditEntry], str]] = {
    "circle.linked_to_organisation": _with_code,
    "referral.circle_linked": _linked,
    "referral.circle_started": lambda entry: (
        gettext("%(actor)s started the circle from an organisation's referral, with the person's agreement")
        % {"actor": _actor(entry)}
    ),
    "referral.circle_unlinked": lambda entry: (
        gettext("%(actor)s ended an organisation's link to the circle; its staff left") % {"actor": _actor(entry)}
    ),
}

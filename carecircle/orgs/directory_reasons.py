"""Why the directory importer skipped a service or refused a whole feed, kept as a code.

A reason is stored as a code and its values (the Open Referral field concerned, a line number, the
server's answer) and put into words only when someone reads it, so an admin reading in Welsh or
Polish sees their own language whoever ran the import. Field names are the feed's own JSON keys
("id", "name", "url", "email") and stay untranslated: they are what the directory's publisher sees.
Text stored before codes existed that no code matches is shown as it was (the fallback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Why one service was skipped; the rest of the feed is still imported.
SERVICE_REASONS: dict[str, Promise] = {
    "not_a_service": _("it isn't a service (expected an object with an id and a name)"),
    "field_missing": _('it has no "%(field)s"'),
    "field_too_long": _('its "%(field)s" is longer than %(longest)s characters'),
    "bad_web_address": _('its "%(field)s" %(value)s doesn\'t start with http:// or https://'),
    "bad_email": _('its "%(field)s" %(value)s isn\'t a valid email address'),
    "duplicate_id": _("its id is listed twice, so only the first was kept"),
}
# Why a whole feed was refused; the services from the last good copy stay.
FEED_REASONS: dict[str, Promise] = {
    "not_web_address": _("Give the directory's address starting with https:// (or http://)."),
    "too_big": _("The directory is bigger than %(kilobytes)s KB: raise the limit or split it."),
    "server_answered": _("The directory's server answered %(status)s. Check the address."),
    "not_fetched": _("The directory could not be fetched (%(detail)s). Try again later."),
    "timed_out": _("The directory's server took too long to answer. Try again later."),
    "unknown_host": _("No server was found at the directory's address. Check the address."),
    "connection_refused": _("The directory's server refused the connection. Try again later."),
    "bad_address": _("The directory's address can't be a web server's. Check the address."),
    "broken_reply": _("The directory's server sent a broken answer. Check the address, or try again later."),
    "not_utf8": _("The directory isn't UTF-8 text. Export it again as UTF-8 JSON."),
    "not_json": _("The directory isn't valid JSON (line %(line)s). Check the file."),
    "no_service_list": _('The directory has no list of services ("content" or "contents").'),
    "not_a_list": _("The directory isn't a list of services."),
    "no_file": _("There is no file at %(path)s."),
    "no_address": _("Give a file, or set ORGS_DIRECTORY_URL (or --url) to the directory's address."),
}
REASONS: dict[str, Promise] = {**SERVICE_REASONS, **FEED_REASONS}
# A feed with thousands of bad services keeps the first ones; the count says how many there were.
KEPT_PROBLEMS = 100


def reason_text(code: str, values: Mapping[str, Any] | None = None, *, fallback: str = "") -> str:
    """The reason in the active language; the fallback (old stored text) when the code is unknown."""
    template = REASONS.get(code)
    if template is None:
        return fallback or code
    try:
        return str(template) % dict(values or {})
    except (KeyError, TypeError, ValueError):
        # Stored values that no longer fit the words: show the code rather than fail the page.
        return fallback or code


@dataclass(frozen=True)
class ServiceProblem:
    """One skipped service: its place in the feed, its id when it has one, and why."""

    position: int
    service: str
    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_stored(self) -> dict[str, Any]:
        return {"position": self.position, "service": self.service, "code": self.code, "values": self.values}

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> ServiceProblem:
        values = stored.get("values")
        return cls(
            position=int(stored.get("position") or 0),
            service=str(stored.get("service") or ""),
            code=str(stored.get("code") or ""),
            values=dict(values) if isinstance(values, Mapping) else {},
        )

    def __str__(self) -> str:
        reason = reason_text(self.code, self.values)
        if self.service:
            return gettext("Service %(position)s (%(service)s): %(reason)s.") % {
                "position": self.position,
                "service": self.service,
                "reason": reason,
            }
        return gettext("Service %(position)s: %(reason)s.") % {"position": self.position, "reason": reason}

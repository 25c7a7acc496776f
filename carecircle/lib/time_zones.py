"""The time zone picker: the member's country on the account page, every other zone a region and a country away.

A list that starts at Africa/Abidjan makes a person in Leeds scroll past 200 names. The countries
come from the IANA tables shipped in the `tzdata` package (zone.tab, iso3166.tab), so the list is
the same on every machine; the member's country is guessed from their phone number's prefix and
their current zone, and is the United Kingdom when neither tells.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable
from importlib import resources

import phonenumbers

DEFAULT_COUNTRY = "GB"
# Names kept only for old data ("US/Eastern", "Etc/GMT+5"...): a person never needs to pick them.
_HIDDEN_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/", "posix/", "right/")

Choice = tuple[str, str]
Group = tuple[str, list[Choice]]


def _table_rows(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def country_names() -> dict[str, str]:
    """ISO 3166 code → the country's name: {"GB": "Britain (UK)", …} as the table spells it."""
    names = {row[0]: row[1] for row in _table_rows("iso3166.tab")}
    # The table's own name for the UK is "Britain (UK)"; people here say "United Kingdom".
    names["GB"] = "United Kingdom"
    return names


@functools.cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """ISO 3166 code → its zones, in the table's order (most populous region first)."""
    zones: dict[str, list[str]] = {}
    for row in _table_rows("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return {code: tuple(names) for code, names in zones.items()}


@functools.cache
def country_of_zone(zone: str) -> str | None:
    """The country a zone belongs to ("Europe/Warsaw" → "PL"); None for "UTC" and unknown names."""
    for code, zones in zones_by_country().items():
        if zone in zones:
            return code
    return None


def country_of_phone(e164: str) -> str | None:
    """The country of a phone number from its prefix ("+48…" → "PL"); None when it doesn't say."""
    if not e164:
        return None
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    # The calling code's main country: +44 is the United Kingdom even for ranges the library files
    # under Guernsey or Jersey, and +1 the United States.
    if number.country_code is None:
        return None
    region: str = phonenumbers.region_code_for_country_code(number.country_code)
    return region if region in zones_by_country() else None


@functools.cache
def listed_zones() -> tuple[str, ...]:
    """Every zone a person might pick: Region/City names and UTC, sorted."""
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if name == "UTC" or ("/" in name and not name.startswith(_HIDDEN_PREFIXES))
        )
    )


def city_label(zone: str) -> str:
    """A zone as a person reads it: "Europe/Isle_of_Man" → "Isle of Man", "America/Indiana/Knox" → "Indiana, Knox"."""
    if "/" not in zone:
        return "UTC (Coordinated Universal Time)" if zone == "UTC" else zone
    return ", ".join(part.replace("_", " ") for part in zone.split("/")[1:])


def countries_for(*, phone: str, current_zone: str) -> list[str]:
    """The member's likely countries, most likely first: from the phone prefix, then the current zone."""
    found = [code for code in (country_of_phone(phone), country_of_zone(current_zone)) if code]
    return list(dict.fromkeys(found)) or [DEFAULT_COUNTRY]


def is_offered(zone: str, *, current_zone: str = "") -> bool:
    """Whether a zone may be saved: any listed zone, or the older name the member already has."""
    return zone in listed_zones() or (zone == current_zone and zone in zoneinfo.available_timezones())


def short_choices(*, countries: Iterable[str], current_zone: str = "", other_label: str = "Other") -> list[Group]:
    """The account page's short list: the zones of `countries`, then the member's own zone if elsewhere, and UTC.

    Every other zone is a country away on its own pages (region, then country), so the account page
    stays in the first round trip; the member's zone is always offered, so saving never changes it.
    """
    groups: list[Group] = []
    shown: set[str] = set()
    names = country_names()
    for code in countries:
        zones = [zone for zone in country_zones(code) if zone not in shown]
        if zones:
            groups.append((names.get(code, code), [(zone, city_label(zone)) for zone in zones]))
            shown.update(zones)
    others = [
        zone
        for zone in (current_zone, "UTC")
        if zone and zone not in shown and is_offered(zone, current_zone=current_zone)
    ]
    if others:
        groups.append((other_label, [(zone, city_label(zone)) for zone in dict.fromkeys(others)]))
    return groups


@functools.cache
def regions() -> tuple[str, ...]:
    """The regions that countries' zones are filed under ("Africa", "America", … "Pacific"), sorted."""
    return tuple(sorted({zone.split("/")[0] for zones in zones_by_country().values() for zone in zones}))


@functools.cache
def countries_in_region(region: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country with a zone in `region`, by name: Spain is in Europe and Africa."""
    names = country_names()
    found = {code for code, zones in zones_by_country().items() if any(zone.split("/")[0] == region for zone in zones)}
    return tuple(sorted(((code, names.get(code, code)) for code in found), key=lambda pair: pair[1]))


def country_zones(code: str) -> tuple[str, ...]:
    """A country's zones that a person may pick, most populous first; empty for an unknown code."""
    listed = set(listed_zones())
    return tuple(zone for zone in zones_by_country().get(code, ()) if zone in listed)


def region_of_country(code: str) -> str:
    """The region of a country's first (most populous) zone: "GB" → "Europe"."""
    zones = zones_by_country().get(code, ())
    return zones[0].split("/")[0] if zones else ""

"""The time zone picker's list: the member's country first, then every other zone grouped by region.

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


def grouped_choices(*, countries: Iterable[str], current_zone: str = "") -> list[Group]:
    """The picker's groups: each country of `countries` with its zones, then every other zone by region."""
    listed = list(listed_zones())
    if current_zone and current_zone not in listed and current_zone in zoneinfo.available_timezones():
        listed.append(current_zone)
    groups: list[Group] = []
    shown: set[str] = set()
    names = country_names()
    for code in countries:
        zones = [zone for zone in zones_by_country().get(code, ()) if zone in listed and zone not in shown]
        if zones:
            groups.append((names.get(code, code), [(zone, city_label(zone)) for zone in zones]))
            shown.update(zones)
    by_region: dict[str, list[Choice]] = {}
    for zone in sorted(listed):
        if zone in shown:
            continue
        region = zone.split("/")[0] if "/" in zone else "Other"
        by_region.setdefault(region.replace("_", " "), []).append((zone, city_label(zone)))
    groups.extend((region, by_region[region]) for region in sorted(by_region, key=lambda name: (name == "Other", name)))
    return groups

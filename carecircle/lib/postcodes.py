"""UK postcodes and their districts ("LL11 1AA" is in district "LL11"), read the same way everywhere."""

from __future__ import annotations

import re

# A full postcode without its space: the district (outward code), then the inward code.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# A district is the first half of a postcode ("LL11"); a postcode area is its letters ("LL").
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def district_of(postcode: str) -> str:
    """ "LL11 1AA" → "LL11"; "ll11" → "LL11"; anything else → ""."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    match = POSTCODE.match(compact)
    if match:
        return match.group(1)
    return compact if DISTRICT.match(compact) else ""


# A postcode inside other words ("12 High St, Wrexham LL11 1AA"), with or without its space.
POSTCODE_IN_TEXT = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})(?![A-Z0-9])")


def district_in(text: str) -> str:
    """The district of the last whole postcode written in an address ("…, Wrexham LL11 1AA" → "LL11"); else ""."""
    found = POSTCODE_IN_TEXT.findall((text or "").upper())
    return found[-1][0] if found else ""

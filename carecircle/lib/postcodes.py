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

"""An organisation's branded page: its logo, and its colours kept readable (WCAG 2.2 AA) whatever is chosen.

Two colours: the brand colour fills the page's banner, and its text is black or white, whichever
contrasts more (one of the two always reaches 4.5:1). The accent colour is for links and buttons on
the white page, with white text on the buttons: when it is too light for 4.5:1 against white it is
mixed with black, a step at a time, until it reaches it, so its hue stays. What was changed is
shown to the organisation's admins beside the form. The logo goes through the same checks as the
record's uploads (lib/uploads.py), as a picture only, re-encoded, with its own size limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext

from carecircle.audit.services import audit_record
from carecircle.lib.errors import DomainError
from carecircle.lib.uploads import UploadRefused, clean_upload
from carecircle.orgs.access import OrganisationAccess
from carecircle.orgs.files import delete_after_commit
from carecircle.orgs.models import Organisation

AA_TEXT = 4.5
WHITE = "#ffffff"
BLACK = "#000000"
# CareCircle's own colours, used when an organisation chose none.
DEFAULT_BRAND = "#1d5b79"
DEFAULT_ACCENT = "#1d5b79"
DEFAULT_LOGO_LIMIT = 1024 * 1024
HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
LONGEST_WELCOME = 2000


class BrandingError(DomainError):
    """A refusal about an organisation's page."""


def logo_limit() -> int:
    return int(getattr(settings, "ORGS_LOGO_MAX_BYTES", DEFAULT_LOGO_LIMIT))


def parse_colour(value: str) -> str:
    """ "#1D5B79", "1d5b79" or "#15b" as "#1d5b79"; raises ValueError for anything else."""
    found = HEX.match(value.strip())
    if found is None:
        raise ValueError(value)
    digits = found.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _towards_black(colour: str, share: float) -> str:
    return "#" + "".join(f"{round(channel * (1 - share)):02x}" for channel in _channels(colour))


def readable_on_white(colour: str) -> str:
    """The colour itself if it reaches 4.5:1 on white, else the least darkened version that does."""
    for step in range(101):
        candidate = _towards_black(colour, step / 100)
        if contrast_ratio(candidate, WHITE) >= AA_TEXT:
            return candidate
    return BLACK


@dataclass(frozen=True)
class Palette:
    """The colours a branded page is drawn with, and what was adjusted from the organisation's choice."""

    brand: str
    brand_text: str
    accent: str
    brand_contrast: float
    accent_contrast: float
    chosen_accent: str

    @property
    def accent_adjusted(self) -> bool:
        return self.accent != self.chosen_accent

    @property
    def accent_dark(self) -> str:
        """For hovering over links and buttons: darker, so at least as readable."""
        return _towards_black(self.accent, 0.3)

    @property
    def brand_text_name(self) -> str:
        """Which text colour the banner has, as a code: the page says each in a whole sentence of its own."""
        return "white" if self.brand_text == WHITE else "black"


def palette_for(organisation: Organisation) -> Palette:
    """Readable colours from the organisation's choice (or CareCircle's own)."""
    brand = _stored(organisation.brand_colour, DEFAULT_BRAND)
    chosen_accent = _stored(organisation.accent_colour, DEFAULT_ACCENT)
    brand_text = max((WHITE, BLACK), key=lambda text: contrast_ratio(brand, text))
    accent = readable_on_white(chosen_accent)
    return Palette(
        brand=brand,
        brand_text=brand_text,
        accent=accent,
        brand_contrast=contrast_ratio(brand, brand_text),
        accent_contrast=contrast_ratio(accent, WHITE),
        chosen_accent=chosen_accent,
    )


def _stored(value: str, default: str) -> str:
    try:
        return parse_colour(value) if value else default
    except ValueError:
        return default


def _colour_field(value: str, field: str) -> str:
    if not value.strip():
        return ""
    try:
        return parse_colour(value)
    except ValueError:
        raise BrandingError(gettext("Give a colour as six hexadecimal digits, like #1d5b79."), field=field) from None


@transaction.atomic
def organisation_page_update(
    *,
    access: OrganisationAccess,
    welcome: str,
    brand_colour: str,
    accent_colour: str,
    logo: Any | None = None,
    remove_logo: bool = False,
) -> Organisation:
    """Change the organisation's branded page (admins only); a new logo replaces the old one."""
    access.require("staff.manage")
    organisation = Organisation.objects.select_for_update().get(pk=access.organisation.pk)
    welcome = welcome.strip()
    if len(welcome) > LONGEST_WELCOME:
        raise BrandingError(
            gettext("Shorten the welcome to %(most)s characters or fewer.") % {"most": LONGEST_WELCOME}, field="welcome"
        )
    organisation.brand_colour = _colour_field(brand_colour, "brand_colour")
    organisation.accent_colour = _colour_field(accent_colour, "accent_colour")
    organisation.welcome = welcome
    fields = ["brand_colour", "accent_colour", "welcome"]
    old_logo = organisation.logo.name if organisation.logo else ""
    if logo is not None:
        try:
            clean = clean_upload(logo, name=getattr(logo, "name", "logo"), limit=logo_limit())
        except UploadRefused as refused:
            raise BrandingError(str(refused), field="logo") from None
        if not clean.content_type.startswith("image/"):
            raise BrandingError(gettext("Upload the logo as a picture: PNG, JPEG, GIF or WebP."), field="logo")
        organisation.logo.save(clean.filename, ContentFile(clean.content), save=False)
        fields.append("logo")
    elif remove_logo and old_logo:
        organisation.logo = ""
        fields.append("logo")
    organisation.save(update_fields=fields)
    if "logo" in fields and old_logo:
        delete_after_commit(organisation.logo.storage, old_logo)
    palette = palette_for(organisation)
    audit_record(
        actor=access.user,
        action="organisation.page_changed",
        subject_name=organisation.name,
        data={
            "organisation": organisation.pk,
            "logo": "logo" in fields,
            "accent_chosen": palette.chosen_accent,
            "accent_shown": palette.accent,
        },
    )
    return organisation

"""`{% support_offer_on_page state as offer %}`: the private offer of support for the home page's viewer."""

from __future__ import annotations

from django import template

from carecircle.orgs.support_offers import OfferOnPage, offer_on_page

register = template.Library()


@register.simple_tag
def support_offer_on_page(state: str) -> OfferOnPage | None:
    """Nothing, and no query, unless the viewer's state says the offer is shown to them here."""
    return offer_on_page(state or "")

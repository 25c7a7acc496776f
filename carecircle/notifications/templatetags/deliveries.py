"""Template tags of outbound messages: the circle home's notice of messages that failed."""

from __future__ import annotations

from django import template

from carecircle.circles.access import CircleAccess
from carecircle.notifications.selectors import FailedDelivery, failed_deliveries_for

register = template.Library()


@register.simple_tag
def failed_deliveries(access: CircleAccess) -> list[FailedDelivery]:
    """For the person and organisers only (who can change details and tell people another way)."""
    if not access.can("circle.edit"):
        return []
    return failed_deliveries_for(circle_id=access.circle.pk)

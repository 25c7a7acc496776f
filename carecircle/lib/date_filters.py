"""The `short_date` template filter (`{% load short_dates %}`), named in settings.TEMPLATES' libraries.

`lib` is not an app, so the library is registered by name rather than found in a templatetags
folder; every app's templates load it the same way.
"""

from __future__ import annotations

import datetime

from django import template
from django.template.defaultfilters import date

from carecircle.lib.date_words import short_date_format

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def short_date(value: datetime.date | None, format: str) -> str:
    """Django's `|date:format`, with the short month (`M`) as the active language writes it ("4 gru")."""
    return str(date(value, short_date_format(format)))

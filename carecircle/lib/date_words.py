"""Day names as they read inside a sentence, for Django's date formats in Welsh and Polish.

Django's own catalogs capitalise the whole name of a day ("Dydd Gwener", "Piątek"), which reads
wrongly mid-sentence ("Heddiw, Dydd Gwener 4 Rhagfyr"). These are Django's msgids, repeated here
so that `make messages APP=lib` puts them in lib's catalog; a catalog in LOCALE_PATHS wins over
Django's, so `date_format(day, "l j E")` and `|date:"l j E"` say "dydd Gwener" and "piątek".
A date that begins a heading goes through `|capfirst`. Short names ("D j M") follow the same rule:
Polish writes "pt 4 gru": the day through lib's catalog, the month through `short_date` (and the
`short_date` template filter), which asks Django for the month as the catalog writes it.
docs/architecture/i18n.md, "Dates".
"""

from __future__ import annotations

import datetime
import re

from django.utils import formats, translation
from django.utils.translation import gettext_noop

# Translators: the name of a day as it reads inside a sentence ("Today, Monday 7 December"), not at
# its start: Welsh "dydd Llun", Polish "poniedziałek".
WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)

# Translators: the short name of a day inside a sentence ("Fri 4 Dec, 10:30"): Polish writes it in
# lower case ("pt"), Welsh and English with a capital ("Gwe").
WEEKDAY_ABBREVIATIONS = (
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
)

# Languages whose short month names are common nouns, written in lower case ("4 gru"), unlike
# English's and Welsh's ("4 Dec", "4 Rhag").
LOWER_CASE_MONTHS = frozenset({"pl"})

# An `M` that Django reads as the short month: one not escaped by a backslash (Django's own rule,
# django.utils.dateformat.Formatter.format).
SHORT_MONTH = re.compile(r"(?<!\\)M")


def short_date_format(format: str) -> str:
    """`format` for the active language: its short month (`M`) becomes `b` where months are lower case.

    Django's `M` title-cases the catalog's name ("Gru"); `b` gives it as the catalog has it ("gru").
    """
    language = (translation.get_language() or "").split("-")[0]
    return SHORT_MONTH.sub("b", format) if language in LOWER_CASE_MONTHS else format


def short_date(value: datetime.date, format: str) -> str:
    """`date_format(value, format)` with the short month written as the active language writes it.

    Every date format with `M` goes through here or the `short_date` template filter
    (tests/lib/test_short_dates.py checks), so Polish reads "pt 4 gru" and English "Fri 4 Dec".
    """
    return formats.date_format(value, short_date_format(format))

"""Day names as they read inside a sentence, for Django's date formats in Welsh and Polish.

Django's own catalogs capitalise the whole name of a day ("Dydd Gwener", "Piątek"), which reads
wrongly mid-sentence ("Heddiw, Dydd Gwener 4 Rhagfyr"). These are Django's msgids, repeated here
so that `make messages APP=lib` puts them in lib's catalog; a catalog in LOCALE_PATHS wins over
Django's, so `date_format(day, "l j E")` and `|date:"l j E"` say "dydd Gwener" and "piątek".
A date that begins a heading goes through `|capfirst`. Short names ("D j M") follow the same rule:
Polish writes "pt 4 gru" (the day through lib's catalog, the month through `use_lower_case_months`).
docs/architecture/i18n.md, "Dates".
"""

from __future__ import annotations

from django.utils import dateformat, translation
from django.utils.dates import MONTHS_3
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


def short_month(self: dateformat.DateFormat) -> str:
    """Django's `M`, in lower case where the language writes months so; title case elsewhere, as Django does."""
    name = str(MONTHS_3[self.data.month])  # type: ignore[union-attr]
    language = (translation.get_language() or "").split("-")[0]
    return name if language in LOWER_CASE_MONTHS else name.title()


def use_lower_case_months() -> None:
    """Make every `M` in a date format follow LOWER_CASE_MONTHS: templates and date_format alike.

    Django's `M` always title-cases the month ("4 Gru"); a format string per use ("j b" in Polish)
    would have to be remembered at each of the dozens of places that show a short date.
    """
    dateformat.DateFormat.M = short_month  # type: ignore[method-assign]

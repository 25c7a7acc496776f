"""Day names as they read inside a sentence, for Django's date formats in Welsh and Polish.

Django's own catalogs capitalise the whole name of a day ("Dydd Gwener", "Piątek"), which reads
wrongly mid-sentence ("Heddiw, Dydd Gwener 4 Rhagfyr"). These are Django's msgids, repeated here
so that `make messages APP=lib` puts them in lib's catalog; a catalog in LOCALE_PATHS wins over
Django's, so `date_format(day, "l j E")` and `|date:"l j E"` say "dydd Gwener" and "piątek".
A date that begins a heading goes through `|capfirst`. docs/architecture/i18n.md, "Dates".
"""

from __future__ import annotations

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

"""Evidence for organisations and commissioners: referrals by month, state, source, need and outcome,
time to first contact and to close, and wellbeing change, with small numbers suppressed.

Everything is read from the per-month figures (orgs/figures.py), summed in the database: three
queries whatever the number of referrals, and each reads at most a few rows per month.
Months are calendar months in Europe/London (a referral at 00:30 BST on 1 April counts in April).
Suppression: a count from 1 to 4 is "not shown"; and so that no suppressed count can be
worked out by subtracting the others from the total, when a table has only one suppressed cell, or
suppressed cells adding up to fewer than 5, the next smallest cells are suppressed too. Every
suppressed cell reads the same ("not shown"), so the page never says which ones are small.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Sum
from django.utils.formats import number_format
from django.utils.translation import gettext, npgettext, pgettext

from carecircle.lib.date_words import short_date
from carecircle.lib.errors import DomainError
from carecircle.orgs.figures import HISTOGRAMS
from carecircle.orgs.models import Need, Outcome, ReferralFigure, ReferralSource, ReferralStatus
from carecircle.orgs.wellbeing import QUESTIONS

LONDON = zoneinfo.ZoneInfo("Europe/London")
SMALLEST_SHOWN = 5


def hidden() -> str:
    """What a suppressed figure reads as, in the reader's language."""
    return pgettext("figure hidden for privacy", "not shown")


MOST_MONTHS = 36
BAR_WIDTH = 340


@dataclass
class Cell:
    label: str
    value: int
    suppressed: bool = False

    @property
    def shown(self) -> str:
        return hidden() if self.suppressed else str(self.value)


@dataclass
class Table:
    key: str
    title: str
    cells: list[Cell]
    total: int = 0
    suppressed_total: bool = False

    @property
    def largest(self) -> int:
        return max([cell.value for cell in self.cells if not cell.suppressed] or [1]) or 1

    @property
    def height(self) -> int:
        return max(28 * len(self.cells), 28)


def suppress(cells: list[Cell]) -> list[Cell]:
    """Primary and secondary suppression over one table's cells (see the module's docstring)."""
    for cell in cells:
        cell.suppressed = 0 < cell.value < SMALLEST_SHOWN
    while True:
        hidden = [cell for cell in cells if cell.suppressed]
        if not hidden or (len(hidden) > 1 and sum(cell.value for cell in hidden) >= SMALLEST_SHOWN):
            return cells
        shown = sorted((cell for cell in cells if not cell.suppressed and cell.value > 0), key=lambda cell: cell.value)
        if not shown:
            return cells
        shown[0].suppressed = True


def _table(key: str, title: str, pairs: list[tuple[str, int]]) -> Table:
    cells = suppress([Cell(label=label, value=value) for label, value in pairs])
    total = sum(value for _, value in pairs)
    return Table(key=key, title=title, cells=cells, total=total, suppressed_total=0 < total < SMALLEST_SHOWN)


class PeriodError(DomainError):
    """The months asked for can't be shown: the message says what to type instead."""


@dataclass(frozen=True)
class Period:
    start: datetime.date  # the first day of the first month
    end: datetime.date  # the first day of the month after the last

    @classmethod
    def from_request(cls, params: object, *, today: datetime.date) -> Period:
        """The months in ?from=YYYY-MM&to=YYYY-MM (the last six by default); PeriodError when they can't be used."""
        get = getattr(params, "get", lambda _key, _default=None: None)
        this_month = today.replace(day=1)
        start = _month_param(get("from", ""), "start", default=_add_months(this_month, -5))
        last = _month_param(get("to", ""), "end", default=this_month)
        if last < start:
            raise PeriodError(gettext("The end month is before the start month: choose an end on or after the start."))
        if (last.year - start.year) * 12 + last.month - start.month >= MOST_MONTHS:
            raise PeriodError(gettext("Choose at most %(most)s months at a time.") % {"most": MOST_MONTHS})
        return cls(start=start, end=_add_months(last, 1))

    @property
    def start_moment(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=LONDON)

    @property
    def end_moment(self) -> datetime.datetime:
        return datetime.datetime.combine(self.end, datetime.time(), tzinfo=LONDON)

    def months(self) -> list[datetime.date]:
        found, month = [], self.start
        while month < self.end:
            found.append(month)
            month = _add_months(month, 1)
        return found

    @property
    def last_month(self) -> datetime.date:
        return _add_months(self.end, -1)


def _month_param(text: object, which: str, *, default: datetime.date) -> datetime.date:
    if text in (None, ""):
        return default
    found = _month(text)
    if found is None:
        message = (
            gettext("The start month isn't a month we can read: give it as year and month, like 2026-04.")
            if which == "start"
            else gettext("The end month isn't a month we can read: give it as year and month, like 2026-04.")
        )
        raise PeriodError(message)
    return found


def _month(text: object) -> datetime.date | None:
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        return None
    try:
        found = datetime.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None
    return found if found.year >= 2000 else None


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class MonthRow:
    """One month's first contacts: how many, and the median and 90th percentile in days.

    `median` and `p90` are the figures as the API and the CSV read them ("3.0"); `median_shown` and
    `p90_shown` are what the page shows, in the reader's language ("3", Polish "2,5").
    """

    label: str
    received: Cell
    contacted: Cell
    median: str
    p90: str
    median_shown: str
    p90_shown: str


@dataclass
class Report:
    period: Period
    tables: list[Table]
    first_contact_days: dict[str, str] = field(default_factory=dict)
    close_days: dict[str, str] = field(default_factory=dict)
    # The median and 90th percentile in words ("1 day", "2.5 days"), or None while they are not shown.
    first_contact_within: dict[str, str] | None = None
    close_within: dict[str, str] | None = None
    month_rows: list[MonthRow] = field(default_factory=list)
    wellbeing: list[dict[str, object]] = field(default_factory=list)
    wellbeing_count: Cell | None = None


# Medians and 90th percentiles of the durations kept as histograms in tenths of a day, per month and
# for the whole period (month NULL): the first bucket where the running total reaches half, or nine
# tenths, of all. Window functions, the same on SQLite (3.25 and later) and PostgreSQL.
PERCENTILES_SQL = """
WITH by_month AS (
    SELECT kind, month, key, SUM(count) AS n FROM {table}
    WHERE organisation_id IN ({ids}) AND month >= %s AND month < %s AND kind IN (%s, %s)
    GROUP BY kind, month, key
), buckets AS (
    SELECT kind, month, key, n FROM by_month
    UNION ALL
    SELECT kind, NULL, key, SUM(n) FROM by_month GROUP BY kind, key
), running AS (
    SELECT kind, month, key,
        SUM(n) OVER (PARTITION BY kind, month ORDER BY key ROWS UNBOUNDED PRECEDING) AS reached,
        SUM(n) OVER (PARTITION BY kind, month) AS total
    FROM buckets
)
SELECT kind, month, MAX(total),
    MIN(CASE WHEN reached * 2 >= total THEN key END),
    MIN(CASE WHEN reached * 10 >= total * 9 THEN key END)
FROM running GROUP BY kind, month
"""


@dataclass(frozen=True)
class Spread:
    count: int
    median_tenths: int | None
    p90_tenths: int | None


def _spreads(organisation_ids: list[int], period: Period) -> dict[tuple[str, datetime.date | None], Spread]:
    """(kind, month or None for the whole period) -> how many, median and 90th percentile, in one query."""
    if not organisation_ids:
        return {}
    sql = PERCENTILES_SQL.format(
        table=connection.ops.quote_name(ReferralFigure._meta.db_table),
        ids=", ".join(["%s"] * len(organisation_ids)),
    )
    params = [
        *organisation_ids,
        connection.ops.adapt_datefield_value(period.start),
        connection.ops.adapt_datefield_value(period.end),
        *HISTOGRAMS,
    ]
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, month, total, median, ninetieth in cursor.fetchall():
            day = None if month is None else datetime.date.fromisoformat(str(month)[:10])
            found[kind, day] = Spread(
                count=int(total or 0),
                median_tenths=None if median is None else int(median),
                p90_tenths=None if ninetieth is None else int(ninetieth),
            )
    return found


def build_report(organisation_ids: list[int], period: Period) -> Report:
    """Every table of the report for these organisations' referrals received in the period: three queries."""
    figures = ReferralFigure.objects.filter(
        organisation_id__in=organisation_ids, month__gte=period.start, month__lt=period.end
    ).order_by()
    totals: dict[tuple[str, str], int] = {
        (kind, key): int(total)
        for kind, key, total in figures.exclude(kind__in=HISTOGRAMS)
        .values_list("kind", "key")
        .annotate(total=Sum("count"))
        .values_list("kind", "key", "total")
    }
    received = {
        month: int(total)
        for month, total in figures.filter(kind="received")
        .values_list("month")
        .annotate(total=Sum("count"))
        .values_list("month", "total")
    }
    spreads = _spreads(organisation_ids, period)
    months = _table(
        "months",
        gettext("Referrals received each month"),
        [(short_date(month, "M Y"), received.get(month, 0)) for month in period.months()],
    )

    def pairs(kind: str, choices: Sequence[tuple[str, object]]) -> list[tuple[str, int]]:
        return [(str(label), totals.get((kind, value), 0)) for value, label in choices]

    report = Report(
        period=period,
        tables=[
            months,
            _table("states", gettext("Where those referrals are now"), pairs("state", ReferralStatus.choices)),
            _table("sources", gettext("Who referred them"), pairs("source", ReferralSource.choices)),
            _table("needs", gettext("What would help (a referral can have several)"), pairs("need", Need.choices)),
            _table("outcomes", gettext("How closed referrals ended"), pairs("outcome", Outcome.choices)),
        ],
    )
    report.first_contact_days = _days_summary(spreads.get(("contact", None)))
    report.close_days = _days_summary(spreads.get(("close", None)))
    report.first_contact_within = _within_days(spreads.get(("contact", None)))
    report.close_within = _within_days(spreads.get(("close", None)))
    report.month_rows = _month_rows(period, months, spreads)
    _wellbeing(report, totals)
    return report


def organisations_table(organisations: Sequence[tuple[int, str]], period: Period) -> Table:
    """For a commissioner: referrals each organisation received in the period, one query, suppressed like the rest.

    Appended to the report's tables, so the page, the CSV and the API show it the same way.
    """
    ids = [pk for pk, _ in organisations]
    received = {
        organisation_id: int(total or 0)
        for organisation_id, total in ReferralFigure.objects.filter(
            organisation_id__in=ids, month__gte=period.start, month__lt=period.end, kind="received"
        )
        .order_by()
        .values("organisation_id")
        .annotate(total=Sum("count"))
        .values_list("organisation_id", "total")
    }
    return _table(
        "organisations",
        gettext("Referrals received, by organisation"),
        [(name, received.get(pk, 0)) for pk, name in organisations],
    )


def _month_rows(
    period: Period, months: Table, spreads: dict[tuple[str, datetime.date | None], Spread]
) -> list[MonthRow]:
    """Each month's received and contacted (both suppressed as tables) with its own median and 90th percentile."""
    contacted = suppress(
        [
            Cell(label=cell.label, value=_spread(spreads, month).count)
            for month, cell in zip(period.months(), months.cells, strict=True)
        ]
    )
    rows = []
    for month, received, contact in zip(period.months(), months.cells, contacted, strict=True):
        spread = _spread(spreads, month)
        summary = _days_summary(spread)
        shown = not contact.suppressed and contact.value >= SMALLEST_SHOWN
        numbers = _days_numbers(spread) if shown else None
        rows.append(
            MonthRow(
                label=received.label,
                received=received,
                contacted=contact,
                median=summary["median"] if shown else hidden(),
                p90=summary["p90"] if shown else hidden(),
                median_shown=numbers["median"] if numbers else hidden(),
                p90_shown=numbers["p90"] if numbers else hidden(),
            )
        )
    return rows


def _spread(spreads: dict[tuple[str, datetime.date | None], Spread], month: datetime.date) -> Spread:
    return spreads.get(("contact", month)) or Spread(count=0, median_tenths=None, p90_tenths=None)


def _days_summary(spread: Spread | None) -> dict[str, str]:
    """How many, and the median and 90th percentile in days, hidden below 5 referrals."""
    if spread is None or spread.count < SMALLEST_SHOWN or spread.median_tenths is None or spread.p90_tenths is None:
        count = 0 if spread is None else spread.count
        return {"count": hidden() if count else "0", "median": hidden(), "p90": hidden()}
    return {
        "count": str(spread.count),
        "median": f"{spread.median_tenths / 10:.1f}",
        "p90": f"{spread.p90_tenths / 10:.1f}",
    }


def _within_days(spread: Spread | None) -> dict[str, str] | None:
    """The median and 90th percentile as words for "within …", or None when _days_summary hides them."""
    if spread is None or spread.count < SMALLEST_SHOWN or spread.median_tenths is None or spread.p90_tenths is None:
        return None
    return {"median": days_words(spread.median_tenths), "p90": days_words(spread.p90_tenths)}


def _days_numbers(spread: Spread | None) -> dict[str, str] | None:
    """The median and 90th percentile as the page shows them, or None when _days_summary hides them."""
    if spread is None or spread.count < SMALLEST_SHOWN or spread.median_tenths is None or spread.p90_tenths is None:
        return None
    return {"median": days_number(spread.median_tenths), "p90": days_number(spread.p90_tenths)}


def days_number(tenths: int) -> str:
    """A number of days, given in tenths, as a table shows it: "3", "2.5" (Polish "2,5"), never "3.0"."""
    if tenths % 10 == 0:
        return number_format(tenths // 10)
    return number_format(tenths / 10, decimal_pos=1)


def days_words(tenths: int) -> str:
    """A number of days, given in tenths, as words after "within": "1 day", "3 days", "2.5 days".

    A whole number takes the language's plural form for it (Polish "1 dnia", "2 dni"; Welsh "2
    ddiwrnod"); a number with a decimal point has a sentence of its own, because Polish puts the
    noun after a fraction in the genitive singular ("2,5 dnia"), which no whole count selects.
    """
    if tenths % 10 == 0:
        days = tenths // 10
        # Translators: a whole number of days after "within" ("half were closed within 3 days"), in the
        # case that follows it: Polish "w ciągu 1 dnia / 2 dni", Welsh "o fewn 2 ddiwrnod".
        return npgettext("how long, after 'within'", "%(days)s day", "%(days)s days", days) % {
            "days": number_format(days)
        }
    # Translators: a number of days with a decimal point, such as "2.5 days", after "within".
    return pgettext("how long with a decimal point, after 'within'", "%(days)s days") % {
        "days": number_format(tenths / 10, 1)
    }


def _wellbeing(report: Report, totals: dict[tuple[str, str], int]) -> None:
    count = totals.get(("wellbeing", "people"), 0)
    report.wellbeing_count = Cell(
        label=gettext("People asked at the start and the end"), value=count, suppressed=0 < count < SMALLEST_SHOWN
    )
    if count < SMALLEST_SHOWN:
        return
    for name, question, better in QUESTIONS:
        change = totals.get(("wellbeing", f"{name}_change"), 0) / count
        report.wellbeing.append(
            {
                "question": str(question),
                "before": f"{totals.get(('wellbeing', f'{name}_start'), 0) / count:.1f}",
                "change": f"{change:+.1f}",
                "better": gettext("higher is better") if better == "higher" else gettext("lower is better"),
            }
        )


def report_csv_rows(report: Report) -> list[list[str]]:
    """The report as the CSV download's rows, with the same suppressed values as the page.

    Built per request, so the table and row names are in the reader's language, like the page; the
    header's column keys stay English.
    """
    rows = [["table", "label", "value"]]
    for table in report.tables:
        for cell in table.cells:
            rows.append([table.title, cell.label, cell.shown])
        rows.append([table.title, gettext("Total"), hidden() if table.suppressed_total else str(table.total)])
    first_contact = pgettext("a table in the report's CSV download", "Days to first contact")
    for key, value in report.first_contact_days.items():
        rows.append([first_contact, key, value])
    to_close = pgettext("a table in the report's CSV download", "Days to close")
    for key, value in report.close_days.items():
        rows.append([to_close, key, value])
    by_month = pgettext("a table in the report's CSV download", "First contact by month")
    for month in report.month_rows:
        # Translators: rows of the report's CSV download; %(month)s is a month such as "Mar 2026".
        rows.append([by_month, gettext("%(month)s: received") % {"month": month.label}, month.received.shown])
        rows.append([by_month, gettext("%(month)s: contacted") % {"month": month.label}, month.contacted.shown])
        rows.append([by_month, gettext("%(month)s: median days") % {"month": month.label}, month.median])
        rows.append([by_month, gettext("%(month)s: 90th percentile days") % {"month": month.label}, month.p90])
    if report.wellbeing_count is not None:
        rows.append([gettext("Wellbeing"), report.wellbeing_count.label, report.wellbeing_count.shown])
    change = pgettext("a table in the report's CSV download", "Wellbeing: average change")
    for row in report.wellbeing:
        rows.append([change, str(row["question"]), str(row["change"])])
    return rows

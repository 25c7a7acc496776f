"""Evidence for organisations and commissioners: referrals by month, state, need and outcome, time to first
contact and wellbeing change, with small numbers suppressed.

Counts, medians and 90th percentiles are aggregated in the database in one pass over the period's
referrals (one query, plus one for wellbeing), whatever the number of referrals.
Months are calendar months in Europe/London (a referral at 00:30 BST on 1 April counts in April).
Suppression: a count from 1 to 4 is shown as "fewer than 5"; and so that no suppressed count can be
worked out by subtracting the others from the total, when a table has only one suppressed cell, or
suppressed cells adding up to fewer than 5, the next smallest cells are suppressed too.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery

from carecircle.orgs.aggregates import Percentile, SecondsBetween
from carecircle.orgs.models import Need, Outcome, Referral, ReferralStatus, WellbeingMeasure, WellbeingStage
from carecircle.orgs.wellbeing import QUESTIONS

LONDON = zoneinfo.ZoneInfo("Europe/London")
SMALLEST_SHOWN = 5
FEWER = "fewer than 5"
MOST_MONTHS = 36
BAR_WIDTH = 340


@dataclass
class Cell:
    label: str
    value: int
    suppressed: bool = False

    @property
    def shown(self) -> str:
        return FEWER if self.suppressed else str(self.value)


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

    def bars(self) -> list[dict[str, object]]:
        """Each cell as a bar of an SVG chart: width in percent of the largest shown value."""
        rows = []
        for index, cell in enumerate(self.cells):
            width = 0 if cell.suppressed else round(BAR_WIDTH * cell.value / self.largest)
            rows.append(
                {"cell": cell, "y": index * 28 + 4, "width": width, "text_x": 236 + width, "text_y": index * 28 + 17}
            )
        return rows

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


@dataclass(frozen=True)
class Period:
    start: datetime.date  # the first day of the first month
    end: datetime.date  # the first day of the month after the last

    @classmethod
    def from_request(cls, params: object, *, today: datetime.date) -> Period:
        get = getattr(params, "get", lambda _key, _default=None: None)
        this_month = today.replace(day=1)
        default_start = _add_months(this_month, -5)
        start = _month(get("from", "")) or default_start
        last = _month(get("to", "")) or this_month
        if last < start:
            start, last = last, start
        if (last.year - start.year) * 12 + last.month - start.month >= MOST_MONTHS:
            start = _add_months(last, -(MOST_MONTHS - 1))
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


def _month(text: object) -> datetime.date | None:
    if not isinstance(text, str) or len(text) != 7 or text[4] != "-":
        return None
    try:
        return datetime.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Report:
    period: Period
    tables: list[Table]
    first_contact_days: dict[str, str] = field(default_factory=dict)
    close_days: dict[str, str] = field(default_factory=dict)
    wellbeing: list[dict[str, object]] = field(default_factory=list)
    wellbeing_count: Cell | None = None
    circles: Cell | None = None


def _moment(month: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON)


def _need_q(value: str) -> Q:
    # PostgreSQL tests JSON containment on the jsonb column; SQLite stores the sorted list as JSON text.
    if connection.vendor == "postgresql":
        return Q(needs__contains=[value])
    return Q(needs__icontains=f'"{value}"')


def _summary(received: QuerySet[Referral], period: Period) -> dict[str, Any]:
    """Every count and percentile of the report in one aggregate query: one pass over the period's referrals."""
    closed = Q(status=ReferralStatus.CLOSED)
    counts: dict[str, Any] = {}
    for index, month in enumerate(period.months()):
        counts[f"month_{index}"] = Count(
            "id", filter=Q(created_at__gte=_moment(month), created_at__lt=_moment(_add_months(month, 1)))
        )
    for value in ReferralStatus.values:
        counts[f"state_{value}"] = Count("id", filter=Q(status=value))
    for value in Need.values:
        counts[f"need_{value}"] = Count("id", filter=_need_q(value))
    for value in Outcome.values:
        counts[f"outcome_{value}"] = Count("id", filter=closed & Q(outcome=value))
    contact = SecondsBetween("first_contact_at", "created_at")
    close = SecondsBetween("closed_at", "created_at")
    return received.aggregate(
        **counts,
        contacted=Count("first_contact_at"),
        contact_median=Percentile(contact, fraction=0.5),
        contact_p90=Percentile(contact, fraction=0.9, discrete=True),
        closed=Count("closed_at"),
        close_median=Percentile(close, fraction=0.5),
        close_p90=Percentile(close, fraction=0.9, discrete=True),
    )


def build_report(referrals: QuerySet[Referral], period: Period) -> Report:
    """Every table of the report for these referrals (an organisation's, or an area's), received in the period."""
    received = referrals.filter(
        merged_into__isnull=True, created_at__gte=period.start_moment, created_at__lt=period.end_moment
    )
    summary = _summary(received, period)
    months = _table(
        "months",
        "Referrals received each month",
        [(month.strftime("%b %Y"), summary[f"month_{index}"]) for index, month in enumerate(period.months())],
    )
    by_state = _table(
        "states",
        "Where those referrals are now",
        [(label, summary[f"state_{value}"]) for value, label in ReferralStatus.choices],
    )
    by_need = _table(
        "needs",
        "What would help (a referral can have several)",
        [(label, summary[f"need_{value}"]) for value, label in Need.choices],
    )
    by_outcome = _table(
        "outcomes",
        "How closed referrals ended",
        [(label, summary[f"outcome_{value}"]) for value, label in Outcome.choices],
    )
    report = Report(period=period, tables=[months, by_state, by_need, by_outcome])
    report.first_contact_days = _days_summary(summary["contacted"], summary["contact_median"], summary["contact_p90"])
    report.close_days = _days_summary(summary["closed"], summary["close_median"], summary["close_p90"])
    _wellbeing(report, received)
    return report


def _days_summary(count: int, median: float | None, ninetieth: float | None) -> dict[str, str]:
    """How many, and the median and 90th percentile in days, hidden below 5 referrals."""
    if count < SMALLEST_SHOWN or median is None or ninetieth is None:
        return {"count": FEWER if count else "0", "median": "not shown", "p90": "not shown"}
    return {"count": str(count), "median": f"{median / 86400:.1f}", "p90": f"{ninetieth / 86400:.1f}"}


def _wellbeing(report: Report, received: QuerySet[Referral]) -> None:
    def stage(name: str, which: str) -> Subquery:
        return Subquery(WellbeingMeasure.objects.filter(referral=OuterRef("pk"), stage=which).values(name)[:1])

    both = received.filter(wellbeing__stage=WellbeingStage.CLOSE).filter(
        pk__in=WellbeingMeasure.objects.filter(stage=WellbeingStage.START).values("referral_id")
    )
    annotations = {}
    for name, _, _ in QUESTIONS:
        annotations[f"{name}_start"] = stage(name, WellbeingStage.START)
        annotations[f"{name}_close"] = stage(name, WellbeingStage.CLOSE)
    averages = both.annotate(**annotations).aggregate(
        count=Count("id", distinct=True),
        **{f"{name}_change": Avg(F(f"{name}_close") - F(f"{name}_start")) for name, _, _ in QUESTIONS},
        **{f"{name}_before": Avg(f"{name}_start") for name, _, _ in QUESTIONS},
    )
    count = int(averages["count"] or 0)
    report.wellbeing_count = Cell(
        label="People asked at the start and the end", value=count, suppressed=0 < count < SMALLEST_SHOWN
    )
    if count < SMALLEST_SHOWN:
        return
    for name, question, better in QUESTIONS:
        change = float(averages[f"{name}_change"] or 0)
        report.wellbeing.append(
            {
                "question": question,
                "before": f"{float(averages[f'{name}_before'] or 0):.1f}",
                "change": f"{change:+.1f}",
                "better": "higher is better" if better == "higher" else "lower is better",
            }
        )


def report_csv_rows(report: Report) -> list[list[str]]:
    rows = [["table", "label", "value"]]
    for table in report.tables:
        for cell in table.cells:
            rows.append([table.title, cell.label, cell.shown])
        rows.append([table.title, "Total", FEWER if table.suppressed_total else str(table.total)])
    for key, value in report.first_contact_days.items():
        rows.append(["Days to first contact", key, value])
    for key, value in report.close_days.items():
        rows.append(["Days to close", key, value])
    if report.wellbeing_count is not None:
        rows.append(["Wellbeing", report.wellbeing_count.label, report.wellbeing_count.shown])
    for row in report.wellbeing:
        rows.append(["Wellbeing: average change", str(row["question"]), str(row["change"])])
    if report.circles is not None:
        rows.append(["Circles", report.circles.label, report.circles.shown])
    return rows

"""How many people were offered local support, for reports: totals only, small numbers hidden (issue 11).

Two kinds of offer are counted, each in the month (UK time) it was made:

- **Sent to a service** ("We referred them here", `Signposting`): staff sent the person of a
  referral, or the person who helps them, to a service in the directory. Counted for the
  organisation whose referral it was, and for a commissioner across their area's organisations:
  each month, by the service's need categories (a service can be in several; one the directory
  has since dropped is "no longer listed") and by what became of the referral it was made from
  (how it ended if closed, else declined or still open), and by whether the person used the
  service, as staff last recorded it on the referral (used, didn't use, not known yet).
- **The private offer of support** (`SupportOffer`, orgs/support_offers.py), made to family and
  friends in a circle whose help passed the threshold. Counted for a **commissioner only**, across
  the open circles linked to their area's organisations (orgs/uptake.py `linked_circles`), each
  month it was first made and by what became of it. Never for an organisation: it promised the
  person that no organisation learns they were offered it, and an organisation knows the few
  families linked to it, so even its count could point at someone.

Suppression is the reports' own (orgs/reports.py `suppress`): 1 to 4 hidden, with secondary
suppression so no hidden count comes back by subtraction, and totals under 5 hidden. Three queries
for a commissioner, two for an organisation, whatever the number of referrals or offers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, DateField, F, Sum, When
from django.utils.translation import gettext, pgettext

from carecircle.lib.date_words import short_date
from carecircle.orgs.models import (
    DirectoryService,
    Need,
    Outcome,
    ReferralStatus,
    ServiceUse,
    SignpostingFigure,
    SupportOffer,
)
from carecircle.orgs.reports import LONDON, Period, Table, _table, hidden
from carecircle.orgs.support_offers import uk_today
from carecircle.orgs.uptake import linked_circles

# Used, didn't use, then not known yet: the order of the table's cells (and of the API's keys).
USE_ORDER = [(value, ServiceUse(value).label) for value in (ServiceUse.USED, ServiceUse.NOT_USED, ServiceUse.NOT_KNOWN)]


@dataclass
class SupportFigures:
    sent_months: Table
    sent_needs: Table
    sent_referrals: Table
    sent_use: Table
    offer_months: Table | None = None
    offer_answers: Table | None = None

    @property
    def tables(self) -> list[Table]:
        offers = [self.offer_months, self.offer_answers] if self.offer_months and self.offer_answers else []
        return [self.sent_months, self.sent_needs, self.sent_referrals, self.sent_use, *offers]


def _by_month(counted: dict[str, Any], period: Period) -> list[tuple[str, int]]:
    """The months' counts (keys `month_YYYY_MM`), as the table's cells."""
    return [(short_date(month, "M Y"), int(counted.get(f"month_{month:%Y_%m}") or 0)) for month in period.months()]


def build_support_figures(organisation_ids: list[int], period: Period, *, private_offers: bool) -> SupportFigures:
    """The tables of offers made in the period; `private_offers` only for a commissioner (see the docstring).

    The "sent to a local service" tables read the kept per-month figures (`SignpostingFigure`,
    orgs/figures.py), at most a few hundred rows a month whatever the number of signpostings, and the
    need categories of the services counted: two queries.
    """
    kept = (
        SignpostingFigure.objects.filter(
            organisation_id__in=organisation_ids, month__gte=period.start, month__lt=period.end
        )
        .annotate(sent_in=Case(When(kind="sent", then=F("month")), default=None, output_field=DateField()))
        .order_by()
        .values("kind", "key", "sent_in")
        .annotate(total=Sum("count"))
        .values_list("kind", "key", "sent_in", "total")
    )
    months: dict[datetime.date, int] = {}
    by_service: dict[str, int] = {}
    referrals: dict[tuple[str, str], int] = {}
    uses: dict[str, int] = {}
    for kind, key, sent_in, total in kept:
        if kind == "sent" and sent_in is not None:
            months[sent_in] = months.get(sent_in, 0) + int(total)
        elif kind == "service":
            by_service[key] = by_service.get(key, 0) + int(total)
        elif kind == "referral":
            status, _, outcome = key.partition(":")
            referrals[status, outcome] = referrals.get((status, outcome), 0) + int(total)
        elif kind == "use":
            uses[key] = uses.get(key, 0) + int(total)
    listed = dict(
        DirectoryService.objects.filter(pk__in=[int(key) for key in by_service if key.isdigit()]).values_list(
            "pk", "needs"
        )
    )
    needs: dict[str, int] = {}
    for key, total in by_service.items():
        categories = listed.get(int(key)) if key.isdigit() else None
        if categories is None:
            needs["gone"] = needs.get("gone", 0) + total
            continue
        for need in set(categories.split()):
            needs[need] = needs.get(need, 0) + total
    needs.update({f"month_{month:%Y_%m}": total for month, total in months.items()})
    needs.update({f"use_{value}": total for value, total in uses.items()})
    closed = [
        (
            str(label),
            sum(
                n for (status, outcome), n in referrals.items() if status == ReferralStatus.CLOSED and outcome == value
            ),
        )
        for value, label in Outcome.choices
    ]
    declined = sum(n for (status, _), n in referrals.items() if status == ReferralStatus.DECLINED)
    still_open = sum(
        n for (status, _), n in referrals.items() if status not in (ReferralStatus.CLOSED, ReferralStatus.DECLINED)
    )
    closed_other = sum(
        n
        for (status, outcome), n in referrals.items()
        if status == ReferralStatus.CLOSED and outcome not in Outcome.values
    )
    figures = SupportFigures(
        sent_months=_table("sent-months", gettext("Sent to a local service, each month"), _by_month(needs, period)),
        sent_needs=_table(
            "sent-needs",
            gettext("Sent to a local service, by what the service helps with (a service can help with several)"),
            [(str(label), int(needs.get(value) or 0)) for value, label in Need.choices]
            + [(gettext("No longer listed in the directory"), int(needs.get("gone") or 0))],
        ),
        sent_referrals=_table(
            "sent-referrals",
            gettext("Sent to a local service, by what became of the referral"),
            [
                *closed,
                (pgettext("a closed referral's outcome", "Closed, no outcome recorded"), closed_other),
                (gettext("Referral declined"), declined),
                (gettext("Referral still open"), still_open),
            ],
        ),
        sent_use=_table(
            "sent-use",
            gettext("Sent to a local service, by whether they used it"),
            [(str(label), int(needs.get(f"use_{value}") or 0)) for value, label in USE_ORDER],
        ),
    )
    if private_offers:
        _private_offers(figures, organisation_ids, period)
    return figures


def _private_offers(figures: SupportFigures, organisation_ids: list[int], period: Period) -> None:
    """Offers first made in the period, in circles linked to these organisations: one query.

    Its months and answers are `SUM(CASE …)` columns written here around the filtered offers, not a
    Django conditional `Count` each: compiling one filter per month cost more CPU than the query.
    """
    today = connection.ops.adapt_datefield_value(uk_today())
    offers = (
        SupportOffer.objects.filter(
            circle__in=linked_circles(organisation_ids),
            checked_on__isnull=False,  # made by the daily check, not only answered before any offer
            created_at__gte=period.start_moment,
            created_at__lt=period.end_moment,
        )
        .order_by()
        .values("created_at", "dismissed_at", "later_until", "due")
    )
    sql, params = offers.query.sql_with_params()
    columns, values = [], []
    for month in period.months():
        columns.append("SUM(CASE WHEN created_at >= %s AND created_at < %s THEN 1 ELSE 0 END)")
        values += [_moment_value(month), _moment_value((month + datetime.timedelta(days=32)).replace(day=1))]
    # "Put off" is never NULL (a NULL `later_until` is tested first), so NOT of it is safe.
    put_off = "(dismissed_at IS NULL AND later_until IS NOT NULL AND later_until > %s)"
    answers_sql = [
        "SUM(CASE WHEN dismissed_at IS NOT NULL THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN {put_off} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN dismissed_at IS NULL AND due = %s AND NOT {put_off} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN dismissed_at IS NULL AND due = %s AND NOT {put_off} THEN 1 ELSE 0 END)",
    ]
    with connection.cursor() as cursor:
        # Only fixed text and Django's own SQL for the queryset above; every value is a parameter.
        cursor.execute(
            f"SELECT {', '.join(columns + answers_sql)} FROM ({sql}) AS offers",  # noqa: S608
            [*values, today, True, today, False, today, *params],
        )
        row = cursor.fetchone()
    counts = [int(value or 0) for value in row]
    by_month = dict(zip(period.months(), counts, strict=False))
    turned_down, put_off_count, showing, ended = counts[len(columns) :]
    answers = {
        **{f"month_{month:%Y_%m}": count for month, count in by_month.items()},
        "turned_down": turned_down,
        "put_off": put_off_count,
        "showing": showing,
        "ended": ended,
    }
    figures.offer_months = _table(
        "offer-months", gettext("Offered support privately in their circle, each month"), _by_month(answers, period)
    )
    figures.offer_answers = _table(
        "offer-answers",
        gettext("What became of those private offers"),
        [
            (gettext("Still offered"), int(answers["showing"] or 0)),
            (gettext('Put off ("Not now")'), int(answers["put_off"] or 0)),
            (gettext('Turned down ("Don\'t show this again")'), int(answers["turned_down"] or 0)),
            (gettext("No longer giving that much help"), int(answers["ended"] or 0)),
        ],
    )


def _moment_value(month: datetime.date) -> Any:
    """Midnight UK time on the month's first day, as the database compares `created_at` with it."""
    return connection.ops.adapt_datetimefield_value(datetime.datetime.combine(month, datetime.time(), tzinfo=LONDON))


def support_csv_rows(figures: SupportFigures) -> list[list[str]]:
    """The tables as the report's CSV rows, with the same hidden values as the page."""
    rows = []
    for table in figures.tables:
        for cell in table.cells:
            rows.append([table.title, cell.label, cell.shown])
        rows.append([table.title, gettext("Total"), hidden() if table.suppressed_total else str(table.total)])
    return rows

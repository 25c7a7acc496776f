"""Short dates ("D j M") in Polish are lower case mid-sentence; English and Welsh keep their capitals.

docs/architecture/i18n.md, "Dates": the day through lib's catalog, the month through
`lib.date_words.short_date` and the `short_date` template filter, which ask Django for `b` (the
month as the catalog writes it) where Django's `M` would title-case it. Nothing is patched: a
format with `M` that bypasses them would say "4 Gru", so the scans below refuse one.
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from carecircle.lib.date_words import short_date

FRIDAY = datetime.datetime(2026, 12, 4, 10, 30)
ROOT = Path(__file__).resolve().parents[2] / "carecircle"
SHORT_MONTH = re.compile(r"(?<!\\)M")
DATE_FILTER = re.compile(r"""\|date:(?:(["'])(.*?)\1|([\w.]+))""")
NOW_TAG = re.compile(r"""\{%\s*now\s+(["'])(.*?)\1""")
FORMATTERS = {"date_format", "DateFormat", "date"}
TRANSLATORS = {"gettext", "pgettext", "gettext_lazy", "pgettext_lazy", "_", "gettext_noop", "pgettext_noop"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pl", "pt 4 gru, 10:30"), ("cy", "Gwe 4 Rhag, 10:30"), ("en-gb", "Fri 4 Dec, 10:30")],
)
def test_a_short_date_is_written_as_the_language_writes_it(language: str, expected: str) -> None:
    with translation.override(language):
        assert short_date(FRIDAY, "D j M, H:i") == expected
        assert Template('{% load short_dates %}{{ day|short_date:"D j M, H:i" }}').render(Context({"day": FRIDAY})) == (
            expected
        )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pl", "gru 2026 · 4 gru 2026"), ("cy", "Rhag 2026 · 4 Rhag 2026"), ("en-gb", "Dec 2026 · 4 Dec 2026")],
)
def test_a_month_and_a_day_with_its_year_read_the_same_way(language: str, expected: str) -> None:
    with translation.override(language):
        assert f"{short_date(FRIDAY.date(), 'M Y')} · {short_date(FRIDAY.date(), 'j M Y')}" == expected


def test_every_polish_day_and_month_abbreviation_is_lower_case() -> None:
    days = [FRIDAY.date() + datetime.timedelta(days=offset) for offset in range(7)]
    months = [datetime.date(2026, month, 1) for month in range(1, 13)]
    with translation.override("pl"):
        names = [short_date(day, "D") for day in days] + [short_date(month, "M") for month in months]
    assert names == [name.lower() for name in names]
    assert "niedz" in names
    assert "sty" in names


def test_english_and_welsh_months_keep_their_capitals_all_year() -> None:
    months = [datetime.date(2026, month, 1) for month in range(1, 13)]
    for language in ("en-gb", "cy"):
        with translation.override(language):
            assert [short_date(month, "M") for month in months] == [date_format(month, "M") for month in months]
            assert all(short_date(month, "M")[0].isupper() for month in months)


def test_an_escaped_m_stays_a_letter() -> None:
    with translation.override("pl"):
        assert short_date(FRIDAY, r"j M \M") == "4 gru M"


def test_the_filter_shows_the_viewers_time_and_nothing_for_no_date() -> None:
    moment = timezone.make_aware(FRIDAY, datetime.UTC)
    template = Template('{% load short_dates %}{{ moment|short_date:"D j M, H:i" }}|{{ none|short_date:"j M" }}')
    with translation.override("pl"), timezone.override("Europe/Warsaw"):
        assert template.render(Context({"moment": moment, "none": None})) == "pt 4 gru, 11:30|"


def test_nothing_changes_djangos_own_month_for_the_whole_process() -> None:
    """The old way replaced Django's `M` everywhere; Django's own filter is Django's again."""
    with translation.override("pl"):
        assert date_format(FRIDAY, "j M") == "4 Gru"


def test_a_polish_heading_can_still_start_with_a_capital() -> None:
    with translation.override("pl"):
        rendered = Template('{% load short_dates %}{{ day|short_date:"D j M"|capfirst }}').render(
            Context({"day": FRIDAY})
        )
    assert rendered == "Pt 4 gru"


def test_the_visit_logs_heading_starts_with_a_capital_in_polish() -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    log = SimpleNamespace(
        arrived_at=FRIDAY,
        left_at=FRIDAY + datetime.timedelta(hours=1),
        author=SimpleNamespace(display_name="Ann"),
        outcome="ok",
        notes="",
    )
    with translation.override("pl"), timezone.override("UTC"):
        heading = render_to_string("tasks/visit_log_item.html", {"log": log}).split("<h3>")[1].split("</h3>")[0]
    assert heading.startswith("Pt 4 gru, 10:30")


# The scans: every short month goes through `short_date`.


def raw_short_dates_in_template(text: str) -> list[str]:
    """Each `|date:` or `{% now %}` whose format has a short month (`M`), or a format not written out."""
    found = []
    for match in DATE_FILTER.finditer(text):
        written_out = match.group(2)
        if written_out is None or SHORT_MONTH.search(written_out):
            found.append(match.group(0))
    found += [match.group(0) for match in NOW_TAG.finditer(text) if SHORT_MONTH.search(match.group(2))]
    return found


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        # dateformat.format(value, "j M"), but not "…".format(a, b).
        if call.func.attr == "format" and getattr(call.func.value, "id", "") == "dateformat":
            return "date_format"
        return call.func.attr
    return getattr(call.func, "id", "")


def _formats_of(node: ast.AST, scope: ast.AST) -> list[str]:
    """The strings a format argument can be: literals, the msgids of gettext calls, a local's assignments."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Call) and _called_name(node) in TRANSLATORS:
        return [text for argument in node.args[-1:] for text in _formats_of(argument, scope)]  # the msgid
    if isinstance(node, ast.IfExp):
        return _formats_of(node.body, scope) + _formats_of(node.orelse, scope)
    if isinstance(node, ast.Name):
        values = [
            assignment.value
            for assignment in ast.walk(scope)
            if isinstance(assignment, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == node.id for target in assignment.targets)
        ]
        return [text for value in values for text in _formats_of(value, scope)]
    return []


def raw_short_dates_in_python(source: str) -> list[str]:
    """Each call of Django's date formatting whose format can have a short month (`M`)."""
    tree = ast.parse(source)
    found = []
    scopes = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for scope in [tree, *scopes]:
        for call in ast.walk(scope):
            if not (isinstance(call, ast.Call) and _called_name(call) in FORMATTERS and len(call.args) == 2):
                continue
            if any(SHORT_MONTH.search(format) for format in _formats_of(call.args[1], scope)):
                found.append(f"line {call.lineno}: {ast.unparse(call)}")
    return sorted(set(found))


def test_the_scans_find_templates_and_code_that_format_dates() -> None:
    templates = [path for path in ROOT.glob("*/templates/**/*.*") if "short_date:" in path.read_text()]
    modules = [path for path in ROOT.rglob("*.py") if "short_date(" in path.read_text()]
    assert len(templates) >= 15
    assert len(modules) >= 10


def test_no_template_writes_a_short_month_without_short_date() -> None:
    found = []
    for template in sorted(ROOT.glob("*/templates/**/*.*")):
        hits = raw_short_dates_in_template(template.read_text())
        found += [f"{template.relative_to(ROOT)}: {hit}" for hit in hits]
    assert not found, "Use |short_date (load short_dates) for these:\n" + "\n".join(found)


def test_no_code_writes_a_short_month_without_short_date() -> None:
    found = []
    for module in sorted(ROOT.rglob("*.py")):
        if module.name != "date_words.py":
            found += [f"{module.relative_to(ROOT)} {hit}" for hit in raw_short_dates_in_python(module.read_text())]
    assert not found, "Use carecircle.lib.date_words.short_date for these:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "template",
    [
        '{{ day|date:"D j M" }}',
        "{{ day|date:'j M Y' }}",
        "{{ day|date:day_format }}",
        '{% now "M Y" %}',
        '{% blocktranslate with on=day|date:"D j M, H:i"|capfirst %}{{ on }}{% endblocktranslate %}',
    ],
)
def test_the_template_scan_would_catch_a_raw_short_month(template: str) -> None:
    assert raw_short_dates_in_template(template)


def test_the_template_scan_lets_other_formats_and_the_filter_pass() -> None:
    assert not raw_short_dates_in_template(
        '{{ day|date:"l j E" }} {{ day|date:"Y-m-d" }} {{ day|date:"j \\M" }} '
        '{{ day|short_date:"D j M" }} {% now "Y" %}'
    )


@pytest.mark.parametrize(
    "source",
    [
        'date_format(day, "D j M")',
        'formats.date_format(day, "j M Y")',
        'dateformat.format(day, "M Y")',
        'date_format(day, pgettext("day in a message", "D j M, H:i"))',
        'def f(day, short):\n    style = "D j M" if short else "l j E"\n    return date_format(day, style)',
        'def f(day, year):\n    pattern = "D j M"\n    if year:\n        pattern = "D j M Y"\n'
        "    return date_format(day, pattern)",
    ],
)
def test_the_code_scan_would_catch_a_raw_short_month(source: str) -> None:
    assert raw_short_dates_in_python(source)


def test_the_code_scan_lets_other_formats_and_short_date_pass() -> None:
    assert not raw_short_dates_in_python(
        'date_format(day, "l j E")\nshort_date(day, "D j M")\n'
        'def f(day, short):\n    style = "l" if short else "l j E"\n    return date_format(day, style)'
    )

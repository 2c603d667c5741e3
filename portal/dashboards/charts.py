"""Twelve-month bar charts for the dashboards, drawn by reports/charts.py as inline SVG,
with the same figures as table rows for a screen reader or a reader without images."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_currency, format_date, format_decimal
from markupsafe import Markup

from billing.core.money import Money
from reports.charts import Bar, bar_chart


@dataclass(frozen=True)
class MonthlyChart:
    """A chart and its figures: (month label, value text) per month, oldest first."""

    chart_id: str
    svg: Markup
    rows: list[tuple[str, str]]


def month_label(month: str) -> str:
    return format_date(date(int(month[:4]), int(month[5:]), 1), "MMM yy")


def monthly_chart(values: dict[str, Decimal], *, chart_id: str, title: str,
                  value_text: Callable[[Decimal], str]) -> MonthlyChart:
    """A bar per month of `values` ({"YYYY-MM": value}, oldest first); a month below zero
    (more credited than billed) draws no bar but keeps its figure in the table."""
    bars, rows = [], []
    for month, value in values.items():
        label, text = month_label(month), value_text(value)
        bars.append(Bar(label, max(value, Decimal(0)), f"{label}: {text}"))
        rows.append((label, text))
    return MonthlyChart(chart_id, bar_chart(bars, chart_id=chart_id, title=title,
                                            value_text=value_text), rows)


def money_charts(by_month: dict[str, dict[str, int]], *, prefix: str,
                 title: Callable[[str], str]) -> list[MonthlyChart]:
    """One chart per currency found in `by_month` ({month: {currency: minor}}), in
    alphabetical order; currencies are never added together."""
    currencies = sorted({c for sums in by_month.values() for c in sums})
    return [monthly_chart(
        {month: Money(sums.get(currency, 0), currency).major for month, sums in by_month.items()},
        chart_id=f"{prefix}-{currency}", title=title(currency),
        value_text=lambda value, currency=currency: format_currency(value, currency))
        for currency in currencies]


def quantity_text(value: Decimal) -> str:
    return format_decimal(value, "#,##0.#")

"""What the payment reconciliation pages show beyond the records themselves: the chart of
amounts per class over the last twelve months, and a run's progress for the poller."""

from __future__ import annotations

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from billing.commissions.months import recent
from billing.core.clock import utcnow
from billing.core.money import Money
from billing.reconciliation.payment_queries import CHART_SERIES, monthly_amounts
from portal.extensions import db
from portal.i18n import money
from portal.reconciliation.labels import CHART_SERIES_LABELS
from reports.charts import Stack, stacked_bar_chart

CHART_MONTHS = 12


def amounts_chart(currency: str):
    """Stacked bars, one a month, of the amounts per group of classes in one currency."""
    months = recent(utcnow(), CHART_MONTHS)
    amounts = monthly_amounts(db.session, currency, months)
    names = [str(CHART_SERIES_LABELS[name]) for name in CHART_SERIES]
    stacks = [Stack(month, tuple(Money(amounts[month][name], currency).major
                                 for name in CHART_SERIES),
                    _("%(month)s, %(currency)s", month=month, currency=currency))
              for month in months]
    return stacked_bar_chart(stacks, names, chart_id="chart-reconciliation",
                             title=_("Amounts per class over the last 12 months (%(currency)s)",
                                     currency=currency),
                             value_text=lambda value: format_decimal(value, "#,##0"))


def progress_of(run) -> dict:
    """What the progress poller reads (static/js/run-progress.js)."""
    return {"state": run.state, "active": run.state == "running", "done": run.done,
            "total": run.total, "label": _label(run)}


def _label(run) -> str:
    if run.state == "failed":
        return _("The run failed: %(why)s", why=run.failure)
    return ngettext("%(done)s of %(total)s balance transaction",
                    "%(done)s of %(total)s balance transactions", run.total,
                    done=format_decimal(run.done), total=format_decimal(run.total))


def figure_rows(run) -> list[tuple[str, str, int, str]]:
    """(class, currency, count, amount text) of the run's figures, by class."""
    return [(cls, currency, entry["count"], money(entry["amount_minor"], currency))
            for cls, by_currency in sorted((run.figures or {}).items())
            for currency, entry in sorted(by_currency.items())]

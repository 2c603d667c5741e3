"""Page handlers of the receivables ageing, shared by the staff and partner blueprints:
the report (a table and a chart per currency), the drill-down to the accounts of one
bucket, and the CSV and Excel files. Each blueprint passes its own endpoint names."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, render_template, request
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user

from billing.collections.ageing import BUCKETS
from billing.core.clock import utcnow
from billing.core.money import Money
from portal.collections.ageing_report import (
    AgeingReport,
    log_listed,
    parse_as_of,
    parse_bucket,
    report_for,
)
from portal.extensions import db
from reports.ageing_files import ageing_csv, ageing_workbook, collectible
from reports.charts import Stack, stacked_bar_chart
from reports.labels import AGEING_HEADINGS, AGEING_LABELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report() -> tuple[AgeingReport, object]:
    now = utcnow()
    return report_for(current_user, parse_as_of(request.args.get("as_of"), now), now), now


def ageing_page(template: str, links: dict):
    report, now = _report()
    if report.withheld is not None:  # a partner's totals are made of approved accounts' CPNI
        log_listed(current_user, report, report.customers,
                   f"receivables ageing {report.as_of.isoformat()}", now)
        db.session.commit()
    return render_template(
        template, report=report, totals=report.ageing.totals(), counts=report.counts(),
        charts={currency: chart(currency, sums) for currency, sums
                in report.ageing.totals().items()},
        buckets=BUCKETS, headings=AGEING_HEADINGS, explanations=AGEING_LABELS,
        collectible=collectible, links=links)


def accounts_page(template: str, links: dict):
    report, now = _report()
    currency, bucket = parse_bucket(request.args.get("currency"),
                                    request.args.get("bucket"), report)
    rows = report.ageing.in_bucket(currency, bucket)
    log_listed(current_user, report, [r.customer_id for r in rows],
               f"receivables ageing {report.as_of.isoformat()}", now)
    db.session.commit()
    return render_template(
        template, report=report, rows=rows, currency=currency, bucket=bucket,
        customers=report.customers, buckets=BUCKETS, headings=AGEING_HEADINGS,
        collectible=collectible, links=links)


def ageing_csv_file():
    report, now = _report()
    _log_file(report, now)
    return _download(ageing_csv(report.as_file()), "text/csv",
                     f"ageing-{report.as_of.isoformat()}.csv")


def ageing_xlsx_file():
    report, now = _report()
    _log_file(report, now)
    return _download(ageing_workbook(report.as_file(), workbook_labels()), XLSX,
                     f"ageing-{report.as_of.isoformat()}.xlsx")


def _log_file(report: AgeingReport, now) -> None:
    log_listed(current_user, report, report.customers,
               f"receivables ageing {report.as_of.isoformat()}", now, surface="export")
    db.session.commit()


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def workbook_labels() -> dict:
    labels = {key: _(text) for key, text in AGEING_HEADINGS.items()}
    labels.update(as_of=_("As of"), currency=_("Currency"), collectible=_("Collectible"),
                  accounts=_("Accounts"), account_number=_("Account"), account=_("Name"),
                  withheld=_("Accounts withheld (no CPNI approval)"),
                  totals_sheet=_("Ageing"), accounts_sheet=_("Accounts"))
    return labels


def chart(currency: str, sums: dict):
    """One stacked bar of the currency's receivables, a segment per bucket (an overpaid
    bucket below zero draws nothing)."""
    values = tuple(max(Money(sums[b], currency).major, Decimal(0)) for b in BUCKETS)
    stack = Stack(currency, values, _("Receivables in %(currency)s", currency=currency))
    return stacked_bar_chart(
        [stack], [_(AGEING_HEADINGS[b]) for b in BUCKETS], chart_id=f"chart-ageing-{currency}",
        title=_("Receivables ageing, %(currency)s", currency=currency),
        value_text=lambda v: format_currency(v, currency))

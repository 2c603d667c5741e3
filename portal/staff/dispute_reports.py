"""Dispute reports for billing staff: open disputes by tier and age, overdue disputes,
time to resolution per tier and credits granted by reason, with charts and CSV files.

Aggregates over every customer, not one customer's CPNI (docs/cpni.md): no purpose is
asked for and nothing is logged. A nested blueprint that guards itself: billing roles
only, anyone else gets a 404.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, Response, render_template, request
from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.money import Money
from billing.disputes import reports
from billing.disputes.tiers import all_tiers
from portal.disputes import report_sheets
from portal.disputes.labels import REASON_LABELS
from portal.extensions import db
from portal.guards import require
from portal.staff import bp as staff_bp
from reports.charts import Bar, Stack, bar_chart, stacked_bar_chart
from reports.csv_files import csv_text
from reports.workbooks import workbook

bp = Blueprint("dispute_reports", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))

PERIODS = {30: _l("Last 30 days"), 90: _l("Last 90 days"), 365: _l("Last 365 days")}
DEFAULT_DAYS = 90
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("")
def index():
    now, days = utcnow(), _days()
    since = now - timedelta(days=days)
    open_cells = reports.open_by_tier_and_age(db.session, now)
    resolution = reports.resolution_times(db.session, since, now)
    credits = reports.credits_by_reason(db.session, since, now)
    return render_template(
        "disputes/staff_dispute_reports.html",
        days=days, periods=PERIODS, since=provider_date(since),
        smallest=reports.SMALLEST_SUM_SHOWN,
        open_cells=open_cells, overdue=reports.overdue_disputes(db.session, now),
        resolution=resolution, credits=credits, band_labels=band_labels(),
        reason_labels=REASON_LABELS, hours=hours_text, overdue_hours=_overdue_hours,
        open_chart=_open_chart(open_cells), resolution_chart=_resolution_chart(resolution),
        credit_charts=_credit_charts(credits))


@bp.route("/<table>.csv")
def download(table):
    if table not in CSV_TABLES:
        raise NotFound(_("No such report."))
    now, days = utcnow(), _days()
    header, rows = CSV_TABLES[table](now, now - timedelta(days=days))
    return Response(csv_text(header, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="disputes-{table}-{days}d.csv"',
        "Cache-Control": "no-store"})


@bp.route("/<table>.xlsx")
def download_workbook(table):
    """The same table as an Excel workbook (portal/disputes/report_sheets.py)."""
    sheets = {"open": lambda now, since: report_sheets.open_sheet(now, since, band_labels()),
              "overdue": lambda now, since: report_sheets.overdue_sheet(now, since,
                                                                        _overdue_hours),
              "resolution": report_sheets.resolution_sheet,
              "credits": report_sheets.credits_sheet}
    if table not in sheets:
        raise NotFound(_("No such report."))
    now, days = utcnow(), _days()
    body = workbook([sheets[table](now, now - timedelta(days=days))])
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="disputes-{table}-{days}d.xlsx"',
        "Cache-Control": "no-store"})


def _days() -> int:
    text = request.args.get("days") or str(DEFAULT_DAYS)
    if not text.isascii() or not text.isdigit() or int(text) not in PERIODS:
        raise InvalidInput(_("Choose a period of 30, 90 or 365 days."))
    return int(text)


def band_labels() -> list[str]:
    return [_("%(first)s–%(last)s days", first=first, last=last) if last is not None
            else _("more than %(days)s days", days=first - 1)
            for first, last in reports.AGE_BANDS]


def hours_text(value: Decimal) -> str:
    return format_decimal(value, "#,##0.0")


def _overdue_hours(row: reports.OverdueDispute) -> Decimal:
    hours = Decimal(int(row.overdue.total_seconds())) / 3600
    return hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- charts --------------------------------------------------------------------------------

def _open_chart(cells):
    counts = defaultdict(lambda: [Decimal(0)] * len(reports.AGE_BANDS))
    for cell in cells:
        counts[cell.level][cell.band] += cell.count
    stacks = [Stack(_("Tier %(level)s", level=tier.level), tuple(counts[tier.level]),
                    tier.name) for tier in all_tiers(db.session)]
    return stacked_bar_chart(stacks, band_labels(), chart_id="chart-open",
                             title=_("Open disputes by tier and age"),
                             value_text=lambda v: format_decimal(v))


def _resolution_chart(rows):
    bars = [Bar(_("Tier %(level)s", level=row.level), row.median_hours,
                _("%(tier)s: median %(median)s, mean %(mean)s business hours",
                  tier=row.tier_name, median=hours_text(row.median_hours),
                  mean=hours_text(row.mean_hours))) for row in rows]
    return bar_chart(bars, chart_id="chart-resolution",
                     title=_("Median business hours from filing to settlement"),
                     value_text=lambda v: format_decimal(v))


def _credit_charts(rows) -> dict:
    by_currency = defaultdict(list)
    for row in rows:
        value = Money(row.credit_minor, row.currency).major
        by_currency[row.currency].append(Bar(
            str(REASON_LABELS[row.reason]), value,
            f"{REASON_LABELS[row.reason]}: {format_currency(value, row.currency)}"))
    return {currency: bar_chart(
                bars, chart_id=f"chart-credits-{currency}",
                title=_("Credits granted by reason, %(currency)s", currency=currency),
                value_text=lambda v, c=currency: format_currency(v, c))
            for currency, bars in by_currency.items()}


# --- CSV -------------------------------------------------------------------------------------

def _open_csv(now, since):
    labels = band_labels()
    return ([_("Tier"), _("Tier name"), _("Age"), _("Currency"), _("Disputes"),
             _("Amount held")],
            [(c.level, c.tier_name, labels[c.band], c.currency, c.count,
              "" if c.shown_held_minor is None else Money(c.shown_held_minor, c.currency).major)
             for c in reports.open_by_tier_and_age(db.session, now)])


def _overdue_csv(now, since):
    return ([_("Dispute"), _("Tier"), _("Tier name"), _("Account"), _("Customer"),
             _("Deadline (UTC)"), _("Business hours overdue")],
            [(r.reference, r.level, r.tier_name, r.account_number, r.customer_name,
              r.deadline_at.isoformat(), _overdue_hours(r))
             for r in reports.overdue_disputes(db.session, now)])


def _resolution_csv(now, since):
    return ([_("Tier"), _("Tier name"), _("Settled"), _("Median business hours"),
             _("Mean business hours")],
            [(r.level, r.tier_name, r.settled, r.median_hours, r.mean_hours)
             for r in reports.resolution_times(db.session, since, now)])


def _credits_csv(now, since):
    return ([_("Reason"), _("Currency"), _("Disputes credited"), _("Credit granted")],
            [(REASON_LABELS[r.reason], r.currency, r.credited,
              Money(r.credit_minor, r.currency).major)
             for r in reports.credits_by_reason(db.session, since, now)])


CSV_TABLES = {"open": _open_csv, "overdue": _overdue_csv, "resolution": _resolution_csv,
              "credits": _credits_csv}


staff_bp.register_blueprint(bp, url_prefix="/dispute-reports")

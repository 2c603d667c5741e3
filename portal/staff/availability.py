"""The availability report: each platform's month against the 99.95 % target, a year of
it as charts, and the SLA credits requested and granted for the month."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, render_template, request
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from billing.catalog.models import SLA_FAMILIES
from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.core.money import Money
from billing.sla import availability
from billing.sla import calculation as sla
from portal.extensions import db
from portal.periods import parse_month, previous_month
from portal.staff import bp
from reports.charts import Bar, availability_chart
from reports.workbooks import Column, Sheet, workbook

PLATFORM_LABELS = {"voice": _l("Voice"), "messaging": _l("Messaging")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/availability")
def availability_report():
    now = utcnow()
    month = _chosen_month(request.args.get("month"), now)
    report = availability.month_report(db.session, month)
    charts = {platform: _chart(platform, month) for platform in SLA_FAMILIES}
    return render_template("sla/staff_availability.html", report=report, charts=charts,
                           month=month, platform_labels=PLATFORM_LABELS, percent=_percent,
                           target=availability.TARGET_PERCENT)


@bp.route("/availability.xlsx")
def availability_workbook():
    """The month's tables as a workbook: minutes as numbers, availability as a percent,
    credits as money. Aggregates over every customer: no CPNI."""
    now = utcnow()
    month = _chosen_month(request.args.get("month"), now)
    report = availability.month_report(db.session, month)
    platforms = Sheet(_("Availability"), [
        Column(_("Platform")), Column(_("Month"), "date", 12),
        Column(_("Minutes in the month"), "decimal", 14),
        Column(_("Outage minutes"), "decimal", 14), Column(_("Availability"), "percent", 14),
        Column(_("Target"))], [
        (str(PLATFORM_LABELS[p.platform]), p.month, p.minutes_in_month, p.outage_minutes,
         p.availability_percent / 100, _("met") if p.meets_target else _("missed"))
        for p in report.platforms])
    credits = Sheet(_("SLA credits"), [
        Column(_("Currency"), width=9), Column(_("Requested"), "int", 11),
        Column(_("Amount requested"), "money", 16), Column(_("Granted"), "int", 11),
        Column(_("Amount granted"), "money", 16)], [
        (t.currency, t.requested_count, Money(t.requested_minor, t.currency),
         t.granted_count, Money(t.granted_minor, t.currency)) for t in report.credits])
    return Response(workbook([platforms, credits]), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="availability-{month:%Y-%m}.xlsx"',
        "Cache-Control": "no-store"})


def _chosen_month(text: str | None, now):
    if not text:
        return previous_month(provider_date(now))
    month = parse_month(text)
    if sla.month_bounds(month)[1] > now:
        raise InvalidInput(_("Choose a month that has ended."))
    return month


def _chart(platform: str, month):
    series = availability.availability_series(db.session, platform, month, 12)
    bars = [Bar(format_date(p.month, "MMM yy"), p.availability_percent,
                f"{format_date(p.month, 'MMMM yyyy')}: {_percent(p.availability_percent)}")
            for p in series]
    title = _("%(platform)s availability, %(first)s to %(last)s",
              platform=PLATFORM_LABELS[platform], first=format_date(series[0].month, "MMM yyyy"),
              last=format_date(month, "MMM yyyy"))
    return availability_chart(bars, chart_id=f"chart-{platform}", title=title,
                              target=availability.TARGET_PERCENT, percent=_percent)


def _percent(value: Decimal) -> str:
    return format_percent(value / 100, "#,##0.00##%")

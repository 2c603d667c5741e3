"""The partner's Commissions pages and downloads: the handlers behind the partner routes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from flask import Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from billing.commissions import months
from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.money import Money
from portal.commissions.presenters import overview, statement
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing.pages import document_settings, pdf_response
from reports.charts import Bar, bar_chart
from reports.commission_files import statement_workbook
from reports.commission_pdf import render_commission_pdf

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def commissions_page():
    data = overview(db.session, current_user, utcnow())
    charts = {currency: _chart(data["chart"], currency) for currency in data["currencies"]}
    return render_template("commissions/partner_commissions.html", overview=data,
                           charts=charts)


def statement_page(month):
    data = _statement(month, "page")
    db.session.commit()  # the disclosure log
    return render_template("commissions/partner_statement.html", statement=data)


def statement_pdf(month):
    data = _statement(month, "pdf")
    body = render_commission_pdf(data, provider=document_settings().provider,
                                 locale=select_locale())
    db.session.commit()
    return pdf_response(body, f"commission-{data['partner']['code']}-{data['month']}.pdf")


def statement_xlsx(month):
    data = _statement(month, "export")
    labels = {"own": _("Your accounts"), "total": _("Total"), "sheet": _("Commission"),
              "others": _("%(count)s accounts without CPNI approval, together")}
    body = statement_workbook(data, labels)
    db.session.commit()
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="commission-{data["partner"]["code"]}-'
                               f'{data["month"]}.xlsx"', "Cache-Control": "private, no-store"})


def _statement(month: str, surface: str) -> dict:
    try:
        month = months.parse_month(month)
    except InvalidInput:
        raise NotFound("No such month.") from None
    return statement(db.session, current_user, month, utcnow(), surface=surface)


def _chart(totals: dict, currency: str):
    bars = []
    for month, by_currency in totals.items():
        value = Money(by_currency.get(currency, 0), currency).major
        label = format_date(date.fromisoformat(f"{month}-01"), "MMM yy", locale=select_locale())
        bars.append(Bar(label, max(value, Decimal(0)),
                        f"{label}: {format_currency(value, currency, locale=select_locale())}"))
    return bar_chart(bars, chart_id=f"chart-commission-{currency}",
                     title=_("Commission per month, %(currency)s", currency=currency),
                     value_text=lambda v: format_currency(v, currency, locale=select_locale()))

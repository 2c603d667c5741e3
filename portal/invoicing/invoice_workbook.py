"""The invoice list as an Excel workbook, beside its CSV (portal/invoicing/exports.py).

Same filters, same row limit and the same CPNI cut as the CSV: a row's amounts are
there only where the viewer may see that customer's CPNI (its "CPNI" column then says
"shown"; else "withheld" and the amounts are empty), and the export is logged as a
disclosure. Amounts are numbers in their currency's format, dates are dates, labels and
statuses are in the viewer's language.
"""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_babel import gettext as _

from billing.core.clock import provider_date, utcnow
from billing.core.money import Money
from portal.invoicing.exports import AMOUNTS, exported_invoices
from reports.labels import STANDING_LABELS, STATUS_LABELS
from reports.workbooks import Column, Sheet, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def invoice_xlsx() -> Response:
    rows = [_row(data) for data in exported_invoices("invoice list workbook")]
    body = workbook([Sheet(_("Invoices"), _columns(), rows)])
    name = f"invoices-{provider_date(utcnow()).isoformat()}.xlsx"
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _columns() -> list[Column]:
    text = [Column(_("Invoice"), width=20), Column(_("Account")),
            Column(_("Account name"), width=28),
            Column(_("Period"), width=10), Column(_("Issue date"), "date", 12),
            Column(_("Due date"), "date", 12), Column(_("Status")), Column(_("Standing")),
            Column(_("Currency"), width=9), Column(_("CPNI"), width=10)]
    amounts = [_("Subtotal"), _("Tax"), _("Credits"), _("Total"), _("Paid"), _("Amount due"),
               _("Disputed"), _("Due without disputed")]
    return text + [Column(label, "money", 16) for label in amounts]


def _row(data: dict) -> list:
    """One invoice as the presenter gave it: its amounts only where the policy shows them."""
    row = [data["number"], data["customer"]["account_number"], data["customer"]["name"],
           data["period"], _day(data["issue_date"]), _day(data["due_date"]),
           _(STATUS_LABELS[data["status"]]), _(STANDING_LABELS.get(data["standing"],
                                                                  data["standing"])),
           data["currency"]]
    if "total" not in data:
        return row + [_("withheld")] + [None] * len(AMOUNTS)
    return row + [_("shown")] + [Money(data[key]["minor"], data[key]["currency"])
                                 for key in AMOUNTS]


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None

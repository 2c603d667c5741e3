"""The invoice list as an Excel workbook, beside its CSV (portal/invoicing/exports.py).

Same filters, same row limit and the same CPNI cut as the CSV: a row's amounts are
there only where the viewer may see that customer's CPNI (its "CPNI" column then says
"shown"; else "withheld" and the amounts are empty), and the export is logged as a
disclosure. Amounts are numbers in their currency's format, dates are dates, labels and
statuses are in the viewer's language.
"""

from __future__ import annotations

from datetime import date

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.core.money import Money
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db
from portal.invoicing import listing, pages
from portal.invoicing.exports import AMOUNTS, MAX_ROWS
from portal.invoicing.presenters import invoice_dict
from reports.labels import STANDING_LABELS, STATUS_LABELS
from reports.workbooks import Column, Sheet, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def invoice_xlsx() -> Response:
    now = utcnow()
    query = listing.invoice_list_query(db.session, current_user, request.args)
    invoices = db.session.scalars(query.options(joinedload(Invoice.customer))
                                  .limit(MAX_ROWS + 1)).unique().all()
    if len(invoices) > MAX_ROWS:
        raise InvalidInput(_("The export holds at most %(rows)s invoices; narrow it by "
                             "period, status or account.", rows=f"{MAX_ROWS:,}"))
    customers = [invoice.customer for invoice in invoices]
    purposes = ({c.id: pages.staff_purpose(c.id) for c in customers}
                if current_user.is_staff else None)
    grants = access.cpni_access_many(db.session, current_user, customers, now, purposes)
    owed = balance.invoice_balances(db.session, invoices, now)
    rows = [_row(invoice_dict(invoice, grants[invoice.customer_id], balance=owed.get(invoice.id)))
            for invoice in invoices]
    access.record_disclosures(db.session, current_user, grants, surface="export",
                              subject="invoice list workbook", now=now,
                              verification=pages.call_verifications(grants))
    db.session.commit()
    body = workbook([Sheet(_("Invoices"), _columns(), rows)])
    name = f"invoices-{provider_date(now).isoformat()}.xlsx"
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

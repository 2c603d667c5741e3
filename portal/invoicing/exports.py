"""The invoice list as a CSV file, for a partner's or customer's finance people and staff.

It takes the list page's filters. Amounts are CPNI: a row carries them only where the
viewer may see that customer's CPNI (else its "cpni" column says "withheld"), and every
export is logged as a disclosure with the surface "export".
"""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.core.money import Money
from billing.disputes import holds as disputes
from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db
from portal.invoicing import listing, pages
from reports.csv_files import csv_text

MAX_ROWS = 10_000
HEADER = ("invoice", "account", "account_name", "period", "issue_date", "due_date", "status",
          "currency", "cpni", "subtotal", "tax", "credits", "total", "paid", "amount_due",
          "disputed", "due_without_disputed")


def invoice_csv() -> Response:
    now = utcnow()
    query = listing.invoice_list_query(db.session, current_user, request.args)
    invoices = db.session.scalars(query.options(joinedload(Invoice.customer))
                                  .limit(MAX_ROWS + 1)).unique().all()
    if len(invoices) > MAX_ROWS:
        raise InvalidInput(f"The export holds at most {MAX_ROWS:,} invoices; narrow it by "
                           f"period, status or account.")
    customers = [invoice.customer for invoice in invoices]
    purposes = ({c.id: pages.staff_purpose(c.id) for c in customers}
                if current_user.is_staff else None)
    grants = access.cpni_access_many(db.session, current_user, customers, now, purposes)
    shown = [i.id for i in invoices if grants[i.customer_id].visible]
    held = disputes.held_minor(db.session, shown)
    rows = [_row(invoice, grants[invoice.customer_id].visible, held.get(invoice.id, 0))
            for invoice in invoices]
    access.record_disclosures(db.session, current_user, grants, surface="export",
                              subject="invoice list CSV", now=now,
                              verification=pages.call_verifications(grants))
    db.session.commit()
    name = f"invoices-{provider_date(now).isoformat()}.csv"
    return Response(csv_text(HEADER, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _row(invoice: Invoice, visible: bool, held: int) -> list:
    row = [invoice.number, invoice.customer.account_number, invoice.customer.name,
           invoice.period_key, invoice.issue_date, invoice.due_date, invoice.status,
           invoice.currency]
    if not visible:
        return row + ["withheld"] + [""] * 8
    amounts = (invoice.subtotal_minor, invoice.tax_minor, invoice.credit_minor,
               invoice.total_minor, invoice.paid_minor, invoice.amount_due_minor, held,
               disputes.collectible_minor(invoice, held))
    return row + ["shown"] + [Money(a, invoice.currency).major for a in amounts]

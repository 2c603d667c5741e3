"""The invoice list as a CSV file, for a partner's or customer's finance people and staff.

It takes the list page's filters. Amounts are CPNI: a row carries them only where the
viewer may see that customer's CPNI (else its "cpni" column says "withheld"), and every
export is logged as a disclosure with the surface "export".
"""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db
from portal.invoicing import listing, pages
from portal.invoicing.presenters import invoice_dict
from reports.csv_files import csv_text

MAX_ROWS = 10_000
HEADER = ("invoice", "account", "account_name", "period", "issue_date", "due_date", "status",
          "standing", "currency", "cpni", "subtotal", "tax", "credits", "total", "paid",
          "amount_due", "disputed", "due_without_disputed")


def exported_invoices(subject: str) -> list[dict]:
    """The invoices of the list page's filters, as the presenter shows them to the viewer
    (amounts only where the policy allows), with the export logged as a disclosure under
    `subject` and committed. The CSV and the workbook are both made from these."""
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
    shown = [invoice_dict(invoice, grants[invoice.customer_id], balance=owed.get(invoice.id))
             for invoice in invoices]
    access.record_disclosures(db.session, current_user, grants, surface="export",
                              subject=subject, now=now,
                              verification=pages.call_verifications(grants))
    db.session.commit()
    return shown


def invoice_csv() -> Response:
    rows = [_row(data) for data in exported_invoices("invoice list CSV")]
    name = f"invoices-{provider_date(utcnow()).isoformat()}.csv"
    return Response(csv_text(HEADER, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


AMOUNTS = ("subtotal", "tax", "credits", "total", "paid", "amount_due", "disputed",
           "amount_due_without_disputed")


def _row(data: dict) -> list:
    """One invoice as the presenter gave it: its amounts only where the policy shows them."""
    row = [data["number"], data["customer"]["account_number"], data["customer"]["name"],
           data["period"], data["issue_date"] or "", data["due_date"] or "", data["status"],
           data["standing"], data["currency"]]
    if "total" not in data:
        return row + ["withheld"] + [""] * len(AMOUNTS)
    return row + ["shown"] + [data[key]["amount"] for key in AMOUNTS]

"""Page handlers shared by the partner, customer and staff blueprints.

Each asks the access policy for the objects (404 outside the user's reach) and for
what of them the user may see, logs CPNI disclosures, and renders.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Response, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user

from billing.core.clock import utcnow
from billing.cpni.approvals import approval_states
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.branding import document_brand
from portal import access
from portal.disputes import filing as dispute_filing
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing import listing, viewer
from portal.invoicing.presenters import account_ref, customer_dict, invoice_dict
from portal.keyset import keyset_page
from reports import documents
from reports.labels import ACTIVITY_LABELS, METHOD_LABELS, STATUS_LABELS
from reports.line_presenter import present_line


def staff_purpose(customer_id: int) -> str | None:
    """The purpose a staff member stated for opening this customer's CPNI this session."""
    return session.get("cpni_purpose", {}).get(str(customer_id))


def staff_opened_accounts() -> list[int]:
    """The accounts whose CPNI the staff member opened with a purpose this session."""
    return [int(key) for key, purpose in session.get("cpni_purpose", {}).items()
            if purpose in access.STAFF_PURPOSES and key.isdigit()]


def staff_verification(customer_id: int) -> str | None:
    """How a staff member verified the caller on this customer's call, while it lasts
    (each use keeps the call open; see portal/staff/calls.py)."""
    method = session.get("cpni_call", {}).get(str(customer_id))
    if method is not None:
        calls = dict(session.get("cpni_call_at", {}))
        calls[str(customer_id)] = utcnow().timestamp()
        session["cpni_call_at"] = calls
    return method


def call_verifications(customer_ids, caller_account: int | None = None) -> dict | None:
    """For staff, each account's caller verification, logged with its disclosures. On an
    invoice, the call on the invoice's account covers its end customers' sections too."""
    if not current_user.is_staff:
        return None
    return {cid: staff_verification(caller_account or cid) for cid in customer_ids}


def _accesses(customers, now):
    customers = {c.id: c for c in customers}.values()
    purposes = {c.id: staff_purpose(c.id) for c in customers} if current_user.is_staff else None
    return access.cpni_access_many(db.session, current_user, customers, now, purposes)


def customers_page(template: str, **extra):
    now = utcnow()
    query = listing.customer_list_query(db.session, current_user, request.args, now)
    page = keyset_page(db.session, query, listing.CUSTOMER_ORDER, request.args,
                       listing.load_customers)
    states = {}
    if current_user.is_partner:
        holders = {c.id: access.consent_holder_id(c) for c in page.items}
        by_holder = approval_states(db.session, current_user.partner_id, holders.values(), now)
        states = {cid: by_holder[holder] for cid, holder in holders.items()}
    return render_template(template, page=replace(page, items=[account_ref(c) for c in page.items]),
                           states=states, args=request.args, **extra)


def customer_page(customer_id, template: str, **extra):
    now = utcnow()
    customer = access.get_customer(db.session, current_user, customer_id)
    grant = _accesses([customer], now)[customer.id]
    services = listing.services_of(db.session, customer) if grant.visible else []
    data = customer_dict(customer, grant, services)
    related = access.related_accounts(db.session, current_user, customer)
    _log(grant, customer.id, "page", f"account {customer.account_number}", now)
    parent = related["parent"]
    return render_template(
        template, customer=account_ref(customer), data=data, access=grant,
        parent=parent and account_ref(parent),
        sub_accounts=[account_ref(sub) for sub in related["sub_accounts"]], **extra
    )


def invoices_page(template: str, **extra):
    now = utcnow()
    query = listing.invoice_list_query(db.session, current_user, request.args)
    page = keyset_page(db.session, query, listing.INVOICE_ORDER, request.args,
                       listing.load_invoices)
    grants = _accesses([inv.customer for inv in page.items], now)
    owed = balance.invoice_balances(db.session, page.items, now)
    rows = [invoice_dict(inv, grants[inv.customer_id], balance=owed[inv.id])
            for inv in page.items]
    access.record_disclosures(
        db.session, current_user, grants, surface="page", subject="invoice list", now=now,
        verification=call_verifications(grants),
    )
    html = render_template(
        template, page=replace(page, items=rows), rows=rows, args=request.args,
        statuses=STATUS_LABELS, **extra
    )
    # After rendering, so that the commit's expiry does not reload the user; the page
    # still leaves only once its disclosures are committed.
    db.session.commit()
    return html


def invoice_page(invoice_id, template: str, **extra):
    now = utcnow()
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    grant = _accesses([invoice.customer], now)[invoice.customer_id]
    data, grants = invoice_view(current_user, invoice, grant, now)
    _log_all(grants, "page", f"invoice {invoice.number}", now, invoice.customer_id)
    locale = str(get_locale() or "en_US")  # as the page's money and date filters use
    return render_template(
        template, data=data, access=grant, brand=brand_for(invoice),
        line_view=lambda line: present_line(line, invoice.currency, locale),
        activity_labels=ACTIVITY_LABELS, method_labels=METHOD_LABELS,
        dispute_summary=dispute_filing.invoice_summary(invoice, grant, now), **extra
    )


def invoice_pdf(invoice_id):
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    body = documents.invoice_document(
        db.session, viewer_of(current_user, invoice.customer_id), invoice,
        locale=select_locale(), now=utcnow(), settings=document_settings())
    db.session.commit()
    return pdf_response(body, documents.invoice_filename(invoice))


def viewer_of(user, customer_id: int) -> viewer.Viewer:
    """The user with what staff stated this session about the account in question."""
    if not user.is_staff:
        return viewer.Viewer(user)
    return viewer.Viewer(user, purposes={customer_id: staff_purpose(customer_id)},
                         calls={customer_id: staff_verification(customer_id)})


def invoice_view(user, invoice: Invoice, grant, now) -> tuple[dict, dict]:
    """The invoice with its lines as this user may see it, and every access it used."""
    purposes = {invoice.customer_id: staff_purpose(invoice.customer_id)} if user.is_staff else {}
    return viewer.invoice_view(db.session, viewer.Viewer(user, purposes), invoice, grant, now)


def document_settings() -> documents.DocumentSettings:
    return documents.DocumentSettings.from_config(current_app.config)


def pdf_response(body: bytes, filename: str) -> Response:
    """A rendered document as a download that no shared cache keeps."""
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def brand_for(invoice: Invoice) -> dict | None:
    """The rebiller brand on the invoice page, with the code its stylesheet is served by."""
    brand = document_brand(invoice.customer)
    return brand and {**brand, "code": invoice.customer.partner.code}


def _log(grant, customer_id: int, surface: str, subject: str, now) -> None:
    _log_all({customer_id: grant}, surface, subject, now)


def _log_all(grants: dict, surface: str, subject: str, now, caller_account=None) -> None:
    access.record_disclosures(
        db.session, current_user, grants, surface=surface, subject=subject, now=now,
        verification=call_verifications(grants, caller_account),
    )
    db.session.commit()

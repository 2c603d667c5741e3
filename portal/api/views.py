from flask import g, jsonify, request

from billing.core.clock import utcnow
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from portal import access
from portal.api import bp
from portal.api.openapi import document
from portal.extensions import db
from portal.invoicing import listing
from portal.invoicing.pages import document_settings, invoice_view, pdf_response
from portal.invoicing.presenters import customer_dict, invoice_dict
from portal.invoicing.viewer import Viewer
from portal.paging import decode_cursor, encode_cursor, limit_param, page_ids
from reports import documents


def cursor_page(query, id_column, load):
    """Newest first by id, `limit` rows a page; the cursor is the last id of the page
    before."""
    limit = limit_param(request.args)
    after = decode_cursor(request.args.get("cursor"))
    if after is not None:
        query = query.where(id_column < after)
    ordered = page_ids(query).order_by(None).order_by(id_column.desc())
    ids = db.session.scalars(ordered.limit(limit + 1)).all()
    more = len(ids) > limit
    rows = load(db.session, ids[:limit])
    return rows, (encode_cursor(rows[-1].id) if more else None)


def _grants(customers, now):
    return access.cpni_access_many(db.session, g.api_user, customers, now)


@bp.route("/customers")
def customers():
    now = utcnow()
    query = listing.customer_list_query(db.session, g.api_user, request.args, now)
    rows, cursor = cursor_page(query, Customer.id, listing.load_customers)
    grants = _grants(rows, now)
    data = [customer_dict(c, grants[c.id], services=None) for c in rows]
    for item in data:
        item.pop("services", None)  # the list is a directory; read one customer for services
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/customers/<customer_id>")
def customer(customer_id):
    now = utcnow()
    found = access.get_customer(db.session, g.api_user, customer_id)
    grant = _grants([found], now)[found.id]
    services = listing.services_of(db.session, found) if grant.visible else []
    data = customer_dict(found, grant, services)
    _log({found.id: grant}, f"account {found.account_number}", now)
    return jsonify({"data": data})


@bp.route("/invoices")
def invoices():
    now = utcnow()
    query = listing.invoice_list_query(db.session, g.api_user, request.args)
    rows, cursor = cursor_page(query, Invoice.id, listing.load_invoices)
    grants = _grants([inv.customer for inv in rows], now)
    # For every row: "overdue" is shown to all; invoice_dict withholds the amounts.
    owed = balance.invoice_balances(db.session, rows, now)
    data = [invoice_dict(inv, grants[inv.customer_id], balance=owed.get(inv.id))
            for inv in rows]
    _log(grants, "invoice list", now)
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/invoices/<invoice_id>")
def invoice(invoice_id):
    now = utcnow()
    found = access.get_invoice(db.session, g.api_user, invoice_id)
    grant = _grants([found.customer], now)[found.customer_id]
    data, grants = invoice_view(g.api_user, found, grant, now)
    _log(grants, f"invoice {found.number}", now)
    return jsonify({"data": data})


@bp.route("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id):
    now = utcnow()
    found = access.get_invoice(db.session, g.api_user, invoice_id)
    body = documents.invoice_document(
        db.session, Viewer(g.api_user), found, locale=g.api_user.locale or "en_US", now=now,
        settings=document_settings(), surface="api")
    db.session.commit()
    return pdf_response(body, documents.invoice_filename(found))


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())


def _log(grants, subject, now):
    access.record_disclosures(db.session, g.api_user, grants, surface="api", subject=subject,
                              now=now)
    db.session.commit()

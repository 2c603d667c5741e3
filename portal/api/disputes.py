"""Dispute endpoints of the API: file, list and read disputes, read the timeline, comment.

Partners and customers act within the access policy: a dispute out of reach is a 404,
and its amounts and lines are CPNI, left out without the customer's approval (a
partner may still file, typing the amount the customer claims). Staff tokens read
only: no purpose can be stated over the API, so staff see no amounts here either, and
disputes are worked in the staff pages. Attachments are not part of the API.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from billing.core.amount_text import parse_amount
from billing.core.clock import utcnow
from billing.core.errors import Forbidden, InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.disputes import filing, holds, rules, steps
from billing.disputes.models import DISPUTE_REASONS, DISPUTE_STATES, Dispute
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from portal import access
from portal.api import bp
from portal.api.views import cursor_page
from portal.disputes import notices as dispute_notices
from portal.disputes.presenters import dispute_dict, event_dict, shown_events, shown_lines
from portal.extensions import db
from portal.paging import chosen, search_text

FILING_FIELDS = ("invoice_id", "invoice_number", "reason", "description", "amount",
                 "line_ids")
MAX_LINES = 500
AMOUNT_TEXT = re.compile(r"[0-9][0-9,]*(\.[0-9]+)?")  # no sign, no exponent


class FieldErrors(InvalidInput):
    """Some fields of a JSON body are wrong; `fields` says what is wrong with each."""

    def __init__(self, fields: dict[str, str], code: str | None = None, status: int = 400):
        super().__init__(f"Some fields are not right: {', '.join(sorted(fields))}.", code=code)
        self.fields, self.status = fields, status


@bp.errorhandler(FieldErrors)
def field_errors(error: FieldErrors):
    """400: a field breaks the document's rules; 403: a field asks for what the caller may
    not do; 409: well formed, but what it names refuses it now."""
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    return jsonify(body), error.status


@bp.route("/disputes")
def list_disputes():
    now = utcnow()
    query = _filtered(access.disputes_query(db.session, g.api_user))
    rows, cursor = cursor_page(query, Dispute.id, _load)
    grants = access.cpni_access_many(db.session, g.api_user, [d.customer for d in rows], now)
    data = [dispute_dict(d, grants[d.customer_id], staff_view=g.api_user.is_staff,
                         viewer=g.api_user)
            for d in rows]
    _log(grants, "dispute list", now)
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/disputes/<dispute_id>")
def read_dispute(dispute_id):
    now = utcnow()
    found = access.get_dispute(db.session, g.api_user, dispute_id)
    return jsonify({"data": _shown(found, f"dispute {found.reference}", now)})


@bp.route("/disputes", methods=["POST"])
def file_dispute():
    """File a dispute; the same one sent again within minutes answers 200 with the first."""
    now = utcnow()
    body = _json_body(FILING_FIELDS)
    _check_filing_shape(body)
    invoice = _invoice(body)
    grant = access.cpni_access(db.session, g.api_user, invoice.customer, now)
    amount_minor, line_ids = _amount(body, invoice), _line_ids(body, invoice, grant)
    try:
        step = filing.file_dispute(
            db.session, invoice=invoice, user=g.api_user, reason=body["reason"],
            description=body["description"], amount_minor=amount_minor, now=now,
            line_ids=line_ids, window_days=_window_days(), sees_amounts=grant.visible)
    except filing.AmountTooLarge as refused:
        raise FieldErrors({"amount": refused.message}, code=refused.code, status=409) from None
    dispute_notices.notify(step)
    replayed = step.dispute.filed_at < now
    data = _shown(step.dispute, f"dispute {step.dispute.reference} as filed", now, grant)
    return jsonify({"data": data}), 200 if replayed else 201


@bp.route("/disputes/<dispute_id>/events")
def dispute_events(dispute_id):
    found = access.get_dispute(db.session, g.api_user, dispute_id)
    staff_view = g.api_user.is_staff
    now = utcnow()
    grant = access.cpni_access(db.session, g.api_user, found.customer, now)
    data = [event_dict(e, staff_view=staff_view,
                       readable=access.may_read_text(g.api_user, found, e.actor, grant))
            for e in shown_events(found, staff_view=staff_view)]
    # What the customer and staff wrote may quote charges: logged like the dispute.
    _log({found.customer_id: grant}, f"dispute {found.reference} timeline", now)
    return jsonify({"data": data})


@bp.route("/disputes/<dispute_id>/comments", methods=["POST"])
def comment_on_dispute(dispute_id):
    found = access.get_dispute(db.session, g.api_user, dispute_id)
    if g.api_user.is_staff:
        raise Forbidden("Staff tokens only read disputes; work them in the staff pages.")
    body = _json_body(("body",))
    text = body.get("body")
    if not isinstance(text, str) or not text.strip() or len(text) > rules.MAX_TEXT:
        raise FieldErrors({"body": f"body must be text of 1 to {rules.MAX_TEXT} "
                                   "characters."})
    step = steps.comment(db.session, found.id, g.api_user, text, utcnow())
    dispute_notices.notify(step)
    db.session.commit()
    return jsonify({"data": event_dict(step.event, staff_view=False)}), 201


def _shown(dispute: Dispute, subject: str, now: datetime, grant=None) -> dict:
    """The dispute for the caller, its CPNI disclosures logged (and the work committed):
    the customer's, and each end customer's whose section lines it shows."""
    grant = grant or access.cpni_access(db.session, g.api_user, dispute.customer, now)
    lines, grants = shown_lines(db.session, g.api_user, dispute.invoice, grant, now,
                               dispute.lines)
    data = dispute_dict(dispute, grant, staff_view=g.api_user.is_staff, viewer=g.api_user,
                        shown_lines=lines)
    _log(grants, subject, now)
    return data


def _filtered(query):
    status = chosen(request.args, "status", DISPUTE_STATES)
    if status:
        query = query.where(Dispute.status == status)
    account = search_text(request.args, "account_number")
    if account:
        query = query.where(Dispute.customer_id.in_(
            select(Customer.id).where(Customer.account_number == account)))
    number = search_text(request.args, "invoice_number")
    if number:
        query = query.where(Dispute.invoice_id.in_(
            select(Invoice.id).where(Invoice.number == number)))
    return query


def _load(session, ids) -> list[Dispute]:
    rows = {row.id: row for row in session.scalars(
        select(Dispute).where(Dispute.id.in_(ids)).options(
            joinedload(Dispute.customer), joinedload(Dispute.invoice),
            joinedload(Dispute.tier), joinedload(Dispute.filed_by),
            joinedload(Dispute.assigned_to), joinedload(Dispute.credit_note),
            selectinload(Dispute.lines))).unique()}
    return [rows[i] for i in ids if i in rows]


# --- the filing body ---------------------------------------------------------------------

def _json_body(allowed: tuple[str, ...]) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object (Content-Type: application/json).")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise FieldErrors({name: "Unknown field." for name in unknown})
    return body


def _check_filing_shape(body: dict) -> None:
    """Every field's type and form, all at once, before anything is looked up."""
    errors = {}
    has_id, has_number = body.get("invoice_id") is not None, bool(body.get("invoice_number"))
    if has_id == has_number:
        errors["invoice_id"] = "Give either invoice_id or invoice_number."
    elif has_id and whole_number(body["invoice_id"]) is None:
        errors["invoice_id"] = "invoice_id must be an invoice's id, a whole number."
    elif has_number and (not isinstance(body["invoice_number"], str)
                         or len(body["invoice_number"]) > 32 or "\x00" in body["invoice_number"]):
        errors["invoice_number"] = "invoice_number must be text of at most 32 characters."
    if body.get("reason") not in DISPUTE_REASONS:
        errors["reason"] = f"reason must be one of {', '.join(DISPUTE_REASONS)}."
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        errors["description"] = "description is required: say what is wrong."
    elif len(description) > rules.MAX_TEXT:
        errors["description"] = f"description is limited to {rules.MAX_TEXT} characters."
    if not isinstance(body.get("amount"), str):
        errors["amount"] = 'amount is required, as a decimal string such as "125.50".'
    line_ids = body.get("line_ids")
    if line_ids is not None and (
            not isinstance(line_ids, list) or len(line_ids) > MAX_LINES
            or any(whole_number(item) is None for item in line_ids)):
        errors["line_ids"] = f"line_ids must be a list of at most {MAX_LINES} line ids."
    if errors:
        raise FieldErrors(errors)


def _invoice(body: dict) -> Invoice:
    if body.get("invoice_id") is not None:
        return access.get_invoice(db.session, g.api_user, body["invoice_id"])
    found = db.session.scalars(access.invoices_query(db.session, g.api_user)
                               .where(Invoice.number == body["invoice_number"])).first()
    if found is None:
        raise NotFound("No such invoice.")
    return found


def _amount(body: dict, invoice: Invoice) -> int:
    text = body["amount"].strip()
    try:
        minor = parse_amount(text, invoice.currency) if AMOUNT_TEXT.fullmatch(text) else None
    except InvalidInput:
        minor = None
    if minor is None:
        raise FieldErrors({"amount": f"amount must be a positive amount in {invoice.currency} "
                                     'with at most two decimals, such as "125.50".'})
    if minor <= 0:
        raise FieldErrors({"amount": "amount must be more than zero."})
    return minor


def _line_ids(body: dict, invoice: Invoice, grant) -> list[int]:
    """Choosing lines needs seeing them: refused to a viewer without the customer's CPNI."""
    wanted = [whole_number(item) for item in body.get("line_ids") or []]
    if not wanted:
        return []
    if not grant.visible:
        raise FieldErrors({"line_ids": "You may not choose lines: the invoice's lines are "
                                       "CPNI withheld from you. Dispute the whole invoice."},
                          code="forbidden", status=403)
    shown, _ = shown_lines(db.session, g.api_user, invoice, grant, utcnow())
    chargeable = {line.id for line in shown if line.kind in holds.DISPUTABLE_KINDS}
    if not set(wanted) <= chargeable:
        raise FieldErrors({"line_ids": f"line_ids must name lines of invoice {invoice.number} "
                                       "that charge something."}, code="conflict", status=409)
    return sorted(set(wanted))


def _window_days() -> int:
    return current_app.config.get("DISPUTE_WINDOW_DAYS", rules.DEFAULT_WINDOW_DAYS)


def _log(grants: dict, subject: str, now: datetime) -> None:
    access.record_disclosures(db.session, g.api_user, grants, surface="api",
                              subject=subject, now=now)
    db.session.commit()

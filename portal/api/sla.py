"""SLA endpoints of the API.

Staff systems (monitoring, the support desk) write the outage ledger and trouble
tickets; to anyone else those endpoints do not exist (404, as for objects out of reach).
Partners and customers read SLA credit requests within the access policy: services,
hours and amounts are CPNI, withheld from a partner without the customer's approval
(portal/sla/presenters.py builds every dict), and every disclosure is logged.
"""

from __future__ import annotations

from datetime import datetime

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing.catalog.models import Service
from billing.core.clock import FIRST_YEAR, LAST_INSTANT_YEAR, parse_instant, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.sla import credits as sla_credits
from billing.sla import trouble_tickets
from billing.sla.models import REQUEST_STATES, Outage, SlaCreditRequest
from portal import access
from portal.api import bp
from portal.api.views import cursor_page
from portal.extensions import db
from portal.paging import chosen
from portal.sla.presenters import (
    credit_request_dict,
    credit_request_dicts,
    outage_dict,
    ticket_dict,
)

OUTAGE_FIELDS = {"ref", "started_at", "ended_at", "cause", "platform", "service_ids", "summary"}
TICKET_FIELDS = {"ref", "account_number", "opened_at", "outage_ref", "summary"}
MAX_SERVICES = 1000


@bp.route("/outages", methods=["POST"])
def record_outage():
    """Record an outage; sending the same ref again corrects it (200) instead of adding."""
    body = _staff_body(OUTAGE_FIELDS)
    ref = _text(body, "ref", 64)
    existed = db.session.scalar(select(Outage.id).where(Outage.ref == ref)) is not None
    outage = sla_credits.record_outage(
        db.session, ref=ref, started_at=_instant(body, "started_at"),
        ended_at=_instant(body, "ended_at"), cause=_text(body, "cause", 16),
        platform=_text(body, "platform", 16, required=False),
        services=_services(body.get("service_ids")), summary=_text(body, "summary", 300))
    db.session.commit()
    return jsonify({"data": outage_dict(outage)}), 200 if existed else 201


@bp.route("/tickets", methods=["POST"])
def record_ticket():
    """Record a customer's trouble ticket; a replay (same ref, or same account, time and
    summary) answers 200 with the ticket already recorded."""
    body = _staff_body(TICKET_FIELDS)
    ticket, created = trouble_tickets.record_ticket(
        db.session, account_number=_text(body, "account_number", 20),
        opened_at=_instant(body, "opened_at"), summary=_text(body, "summary", 2000),
        outage_ref=_text(body, "outage_ref", 64, required=False),
        ref=_text(body, "ref", 64, required=False), source="api", opened_by=g.api_user,
        now=utcnow())
    db.session.commit()
    return jsonify({"data": ticket_dict(ticket)}), 201 if created else 200


@bp.route("/credit-requests")
def credit_requests():
    now = utcnow()
    query = _credit_filters(
        select(SlaCreditRequest).join(SlaCreditRequest.customer)
        .where(access.customer_scope(db.session, g.api_user)))
    rows, cursor = cursor_page(query, SlaCreditRequest.id, _load_requests)
    grants = access.cpni_access_many(db.session, g.api_user, [r.customer for r in rows], now)
    data = credit_request_dicts(rows, grants)
    _log(grants, "credit request list", now)
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/credit-requests/<request_id>")
def credit_request(request_id):
    now = utcnow()
    number = whole_number(request_id)
    reachable = (select(SlaCreditRequest.id).join(SlaCreditRequest.customer)
                 .where(access.customer_scope(db.session, g.api_user),
                        SlaCreditRequest.id == number))
    if number is None or db.session.scalar(reachable) is None:
        raise NotFound("No such credit request.")
    found = _load_requests(db.session, [number])[0]
    grant = access.cpni_access_many(db.session, g.api_user, [found.customer], now)
    data = credit_request_dict(found, grant[found.customer_id], with_calculation=True)
    _log(grant, f"credit request {found.id}", now)
    return jsonify({"data": data})


def _credit_filters(query):
    status = chosen(request.args, "status", REQUEST_STATES)
    if status:
        query = query.where(SlaCreditRequest.status == status)
    customer = request.args.get("customer_id") or ""
    if customer:
        if whole_number(customer) is None:
            raise InvalidInput("customer_id must be a number.")
        query = query.where(SlaCreditRequest.customer_id == whole_number(customer))
    return query


def _load_requests(session, ids) -> list:
    rows = {row.id: row for row in session.scalars(
        select(SlaCreditRequest).where(SlaCreditRequest.id.in_(ids)).options(
            joinedload(SlaCreditRequest.customer), joinedload(SlaCreditRequest.credit_note),
            joinedload(SlaCreditRequest.service).joinedload(Service.product))).unique()}
    return [rows.get(i) for i in ids]


def _staff_body(allowed: set[str]) -> dict:
    if not g.api_user.is_staff:
        raise NotFound("This endpoint does not exist, or you do not have access to it.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object (Content-Type: application/json).")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}.")
    return body


def _text(body: dict, name: str, max_length: int, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string.")
    if len(value) > max_length or "\x00" in value:
        raise InvalidInput(f"{name} must be text of at most {max_length} characters.")
    return value


def _instant(body: dict, name: str) -> datetime:
    moment = parse_instant(_text(body, name, 40))
    if moment is None:
        raise InvalidInput(f"{name} must be an ISO 8601 date-time with a UTC offset between "
                           f"{FIRST_YEAR} and {LAST_INSTANT_YEAR}, e.g. 2026-03-01T14:05:00-07:00.")
    return moment


def _services(value) -> list[Service]:
    if value is None:
        return []
    ids = [whole_number(item) for item in value] if isinstance(value, list) else [None]
    if None in ids or len(ids) > MAX_SERVICES:
        raise InvalidInput(f"service_ids must be a list of at most {MAX_SERVICES} service "
                           "ids.")
    services = db.session.scalars(select(Service).where(Service.id.in_(ids))).all()
    missing = sorted(set(ids) - {s.id for s in services})
    if missing:
        raise InvalidInput(f"There is no service {', '.join(map(str, missing))}.")
    return list(services)


def _log(grants: dict, subject: str, now: datetime) -> None:
    access.record_disclosures(db.session, g.api_user, grants, surface="api",
                              subject=subject, now=now)
    db.session.commit()

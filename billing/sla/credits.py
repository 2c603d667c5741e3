"""Recording outages, tickets and maintenance, and the life of an SLA credit request.

The arithmetic is `billing.sla.calculation.calculate_credit`; this module gathers its inputs from
the ledger for one service and month, files requests, and turns an approved request
into a credit note on the customer's next invoice.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.catalog.models import SLA_FAMILIES, Service
from billing.catalog.pricing import PriceBooks, pricer_for
from billing.core.db import locked_row
from billing.core.errors import InvalidInput
from billing.core.locks import lock_account
from billing.core.money import line_amount
from billing.core.numbering import take_number
from billing.invoicing.credit_notes import create_credit_note
from billing.parties.bill_to import bill_to
from billing.parties.models import Customer
from billing.parties.users import User
from billing.sla import calculation as sla
from billing.sla.models import (
    TICKET_SOURCES,
    MaintenanceWindow,
    Outage,
    SlaCreditRequest,
    TroubleTicket,
    outage_service,
)

STANDARD_WINDOW_TEXT = "Standard monthly maintenance (third Friday, 22:00-04:00 Mountain Time)"


def record_outage(session: Session, *, ref: str, started_at: datetime, ended_at: datetime,
                  cause: str, summary: str, platform: str | None = None,
                  services: list[Service] = ()) -> Outage:
    """Add an outage to the ledger, or correct the one with the same reference."""
    ref, summary = (ref or "").strip(), (summary or "").strip()
    if not ref:
        raise InvalidInput("An outage needs its reference in the monitoring system.")
    if ended_at <= started_at:
        raise InvalidInput("An outage must end after it starts.")
    if cause not in sla.CAUSES:
        raise InvalidInput("The cause is 'provider' or an exclusion letter from a to i.")
    if platform is not None and platform not in SLA_FAMILIES:
        raise InvalidInput("The platform is voice or messaging.")
    if platform is None and not services:
        raise InvalidInput("Name the platform or the affected services.")
    outage = session.scalars(select(Outage).where(Outage.ref == ref)).first() or Outage(ref=ref)
    outage.started_at, outage.ended_at, outage.cause = started_at, ended_at, cause
    outage.platform, outage.summary, outage.services = platform, summary[:300], list(services)
    session.add(outage)
    session.flush()
    return outage


def open_ticket(session: Session, *, customer: Customer, opened_at: datetime, summary: str,
                source: str, outage: Outage | None = None, ref: str | None = None,
                opened_by: User | None = None) -> TroubleTicket:
    """A trouble ticket for a customer; numbered here unless the support system has one."""
    if source not in TICKET_SOURCES:
        raise InvalidInput("Unknown ticket source.")
    if not (summary or "").strip():
        raise InvalidInput("Describe what failed.")
    ticket = TroubleTicket(
        ref=(ref or "").strip() or f"TT-{take_number(session, 'TT'):06d}",
        customer_id=customer.id, outage=outage, opened_at=opened_at, source=source,
        summary=summary.strip()[:2000], opened_by_id=opened_by.id if opened_by else None)
    session.add(ticket)
    session.flush()
    return ticket


def ensure_standard_windows(session: Session, year: int) -> int:
    """Create the year's standard maintenance windows that do not exist yet."""
    existing = set(session.scalars(select(MaintenanceWindow.starts_at)
                                   .where(MaintenanceWindow.kind == "standard")))
    made = [MaintenanceWindow(starts_at=start, ends_at=end, kind="standard",
                              description=STANDARD_WINDOW_TEXT)
            for start, end in sla.standard_windows(year) if start not in existing]
    session.add_all(made)
    session.flush()
    return len(made)


def monthly_charge_minor(session: Session, service: Service, month: date) -> int:
    """What the service costs the customer for a month, at the price in force then."""
    pricer = pricer_for(PriceBooks.load(session), service.customer)
    price = pricer.unit_price(service, month.replace(day=1))
    return line_amount(service.quantity, price, service.currency)


def ledger_inputs(session: Session, service: Service, month: date):
    """The outages affecting the service in the month, each with the customer's first
    ticket for it, and the maintenance windows of the month."""
    start, end = sla.month_bounds(month)
    linked = select(outage_service.c.outage_id).where(
        outage_service.c.service_id == service.id)
    rows = session.scalars(select(Outage).where(
        Outage.started_at < end, Outage.ended_at > start,
        or_(Outage.platform == service.product.sla_family, Outage.id.in_(linked)),
    ).order_by(Outage.started_at, Outage.id)).all()
    holders = [service.customer_id, service.customer.parent_id]
    first_ticket = dict(session.execute(
        select(TroubleTicket.outage_id, TroubleTicket.opened_at)
        .where(TroubleTicket.outage_id.in_([o.id for o in rows]),
               TroubleTicket.customer_id.in_([h for h in holders if h]))
        .order_by(TroubleTicket.opened_at.desc())).all())  # the earliest wins the dict
    outages = [sla.Outage(o.started_at, o.ended_at, o.cause, first_ticket.get(o.id), o.ref)
               for o in rows]
    windows = [sla.Window(w.starts_at, w.ends_at, w.notice_sent_at)
               for w in session.scalars(select(MaintenanceWindow).where(
                   MaintenanceWindow.starts_at < end, MaintenanceWindow.ends_at > start))]
    return outages, windows


def preview_credit(session: Session, service: Service, month: date,
                   now: datetime) -> sla.CreditCalculation:
    """The calculation a customer sees before filing a request."""
    month = month.replace(day=1)
    if sla.month_bounds(month)[1] > now:
        raise InvalidInput("A credit can be requested once the month has ended.")
    if service.product.sla_family is None:
        raise InvalidInput("This service carries no availability guarantee.")
    if existing_request(session, service.id, month) is not None:
        raise InvalidInput("A credit for this service and month has already been requested.")
    outages, windows = ledger_inputs(session, service, month)
    return sla.calculate_credit(month, monthly_charge_minor(session, service, month),
                                service.currency, outages, windows,
                                internet_delivered=service.delivery == "internet")


def existing_request(session: Session, service_id: int, month: date) -> SlaCreditRequest | None:
    """The request already filed for this service and month, if any (each is filed once)."""
    return session.scalars(select(SlaCreditRequest).where(
        SlaCreditRequest.service_id == service_id,
        SlaCreditRequest.month == month.replace(day=1))).first()


def request_credit(session: Session, *, service: Service, month: date, user: User | None,
                   now: datetime) -> SlaCreditRequest:
    """File a request for one service and month; each may be requested once."""
    calculation = preview_credit(session, service, month, now)
    request = SlaCreditRequest(
        customer_id=service.customer_id, service_id=service.id, month=calculation.month,
        currency=service.currency, hours=calculation.hours,
        credit_minor=calculation.credit_minor, calculation=snapshot(calculation),
        requested_by_id=user.id if user else None, requested_at=now)
    try:
        with session.begin_nested():
            session.add(request)
    except IntegrityError:
        raise InvalidInput("A credit for this service and month has already been "
                           "requested.") from None
    return request


def decide_request(session: Session, request_id: int, *, approve: bool, reason: str,
                   user: User, now: datetime) -> SlaCreditRequest:
    """Approve (issuing the credit note) or reject (with a reason) a pending request.

    The row is locked, so two staff deciding at once give one decision and one note.
    """
    _lock_paying_account(session, request_id)
    request = locked_row(session, SlaCreditRequest, request_id)
    if request is None:
        raise InvalidInput("No such credit request.")
    if request.status != "pending":
        raise InvalidInput(f"This request was already {request.status}.")
    if not approve and not (reason or "").strip():
        raise InvalidInput("Say why the request is rejected.")
    request.status = "approved" if approve else "rejected"
    request.decided_by_id, request.decided_at = user.id, now
    request.decision_reason = (reason or "").strip()[:500] or None
    if approve and request.credit_minor > 0:
        request.credit_note = create_credit_note(
            session, customer=bill_to(request.customer), amount_minor=request.credit_minor,
            currency=request.currency, reason="sla", now=now,
            reference=f"SLA {request.month:%Y-%m}: {request.service.product.name} "
                      f"(request {request.id})")
    session.flush()
    return request


def _lock_paying_account(session: Session, request_id: int) -> None:
    """An approval's credit note changes what the paying account owes: its lock comes
    before the request's row (billing.core.locks)."""
    customer_id = session.scalar(select(SlaCreditRequest.customer_id)
                                 .where(SlaCreditRequest.id == request_id))
    if customer_id is None:
        raise InvalidInput("No such credit request.")
    lock_account(session, bill_to(session.get(Customer, customer_id)).id)


def snapshot(calculation: sla.CreditCalculation) -> dict:
    """The calculation as plain JSON values, kept with the request as it was shown."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return str(value) if not isinstance(value, (int, bool, str, type(None))) else value

    return plain(asdict(calculation))

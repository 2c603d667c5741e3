"""What a commission run reads: the money events not yet considered, the invoices' splits,
the partner paths with their plans, and the date whose rates a clawback takes back.

Plain reads, in bulk, turned into the calculation's plain values (`calculation.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from billing.commissions import months
from billing.commissions.calculation import InvoiceSplit, PathPartner, PlanRates, invoice_split
from billing.commissions.models import CommissionEvent, CommissionPlan, CommissionRun
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.models import Customer, Partner
from billing.payments.models import PaymentAllocation

LATE_LOOKBACK_MONTHS = 12


@dataclass(frozen=True)
class Event:
    """An allocation row (negative: taken back by `reversal_id`) and whose money it was."""

    allocation_id: int
    payment_id: int
    invoice_id: int
    amount_minor: int
    at: datetime
    reversal_id: int | None
    customer_id: int
    currency: str
    partner_id: int | None


def uncovered_events(session: Session, month: str) -> list[Event]:
    """The allocation rows this month's run earns on: recorded in the month, or recorded
    late in an earlier month whose run is approved (closed), and not considered before."""
    start, end = months.bounds(month)
    closed = session.scalars(select(CommissionRun.month).where(
        CommissionRun.status == "approved", CommissionRun.month < month,
        CommissionRun.month >= months.shift(month, -LATE_LOOKBACK_MONTHS))).all()
    windows = [PaymentAllocation.at >= start] + [
        and_(PaymentAllocation.at >= months.bounds(key)[0],
             PaymentAllocation.at < months.bounds(key)[1]) for key in closed]
    seen = select(CommissionEvent.allocation_id).where(
        CommissionEvent.allocation_id == PaymentAllocation.id).exists()
    rows = session.execute(
        select(PaymentAllocation.id, PaymentAllocation.payment_id,
               PaymentAllocation.invoice_id, PaymentAllocation.amount_minor,
               PaymentAllocation.at, PaymentAllocation.reversal_id, Invoice.customer_id,
               Invoice.currency, Customer.partner_id)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(PaymentAllocation.at < end, or_(*windows), ~seen)
        .order_by(PaymentAllocation.invoice_id, PaymentAllocation.id))
    return [Event(*row) for row in rows]


def splits(session: Session, invoice_ids) -> dict[int, InvoiceSplit]:
    """Each invoice's split by charge category (`calculation.invoice_split`)."""
    lines = defaultdict(list)
    for invoice_id, kind, amount in session.execute(
            select(InvoiceLine.invoice_id, InvoiceLine.kind, func.sum(InvoiceLine.amount_minor))
            .where(InvoiceLine.invoice_id.in_(list(invoice_ids)))
            .group_by(InvoiceLine.invoice_id, InvoiceLine.kind)):
        lines[invoice_id].append((kind, int(amount)))
    return {invoice_id: invoice_split(lines[invoice_id]) for invoice_id in invoice_ids}


class Paths:
    """Every partner's path (itself, then each agency above it), with plans, loaded once."""

    def __init__(self, session: Session):
        plans = defaultdict(list)
        for plan in session.scalars(select(CommissionPlan)):
            plans[plan.partner_id].append(PlanRates(
                plan.effective_from, plan.recurring_rate, plan.usage_rate, plan.one_time_rate))
        self._partners = {
            partner_id: PathPartner(partner_id, kind, tuple(plans[partner_id]))
            for partner_id, kind in session.execute(select(Partner.id, Partner.kind))}
        self._trees = dict(session.execute(select(Partner.id, Partner.tree_path)).all())
        self._paths: dict[int, list[PathPartner]] = {}

    def of(self, partner_id: int) -> list[PathPartner]:
        if partner_id not in self._paths:
            ids = [int(part) for part in (self._trees[partner_id] or "").split("/") if part]
            ids = list(reversed(ids)) or [partner_id]
            self._paths[partner_id] = [self._partners[i] for i in ids if i in self._partners]
        return self._paths[partner_id]


def rate_dates(session: Session, events: list[Event]) -> dict[int, date]:
    """The provider date whose rates apply to each event: its own for money paid; for
    money taken back, that of the latest allocation of the same payment to the same
    invoice before it (refunds undo the latest allocations first)."""
    dates = {event.allocation_id: months.provider_day(event.at) for event in events}
    taken_back = [event for event in events if event.amount_minor < 0]
    if not taken_back:
        return dates
    earlier = defaultdict(list)
    for payment_id, invoice_id, at, allocation_id in session.execute(
            select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
                   PaymentAllocation.at, PaymentAllocation.id)
            .where(PaymentAllocation.payment_id.in_({e.payment_id for e in taken_back}),
                   PaymentAllocation.amount_minor > 0)):
        earlier[payment_id, invoice_id].append((at, allocation_id))
    for event in taken_back:
        before = [row for row in earlier[event.payment_id, event.invoice_id]
                  if row < (event.at, event.allocation_id)]
        if before:
            dates[event.allocation_id] = months.provider_day(max(before)[0])
    return dates

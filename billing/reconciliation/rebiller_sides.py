"""The three sides a rebiller reconciliation compares, read from the portal's books.

- the wholesale bill: the rebiller's issued wholesale invoices of the period (one per
  currency), whose lines are tagged with the end customer they are for;
- the retail bill the portal issued: the issued invoices of the period of the rebiller's
  end customers (white-label, priced from the rebiller's retail book), used when the
  rebiller uploaded no billing file;
- what was paid: per retail invoice the portal issued, its total, due date and what
  payments had paid on it at the instant of the run.

Lines become comparable keys the same way on both sides: a charge line is keyed by its
service's product code, a usage line by `usage:<call type>`; taxes and fees are summed
per end customer. Credit lines (credit notes spent) are left out: they are not a price.
A proration line adds its amount but no quantity (its quantity is a formality).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.core.clock import BillPeriod
from billing.core.db import among
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.models import Customer
from billing.payments.models import PaymentAllocation

BILLED = ("issued", "partially_paid", "paid")
CHARGE_KINDS = ("recurring", "proration", "one_time", "usage")
TAX_KINDS = ("tax", "fee")


@dataclass
class Bill:
    """One side's charges and taxes, keyed for comparison."""

    # (end customer id, code) -> [currency, quantity, amount_minor]
    charges: dict = field(default_factory=dict)
    # end customer id -> [currency, tax_minor, tax lines]
    taxes: dict = field(default_factory=dict)
    invoices: list = field(default_factory=list)  # (id, number, currency, total_minor)


@dataclass(frozen=True)
class RetailInvoice:
    id: int
    number: str
    customer_id: int
    currency: str
    total_minor: int
    paid_minor: int
    due_date: date | None


def wholesale_bill(session: Session, partner_id: int, period: BillPeriod) -> Bill:
    """The rebiller's wholesale invoices of the period, by end customer and code."""
    bill = Bill(invoices=wholesale_invoices(session, partner_id, period))
    _add_lines(session, bill, [row[0] for row in bill.invoices], tagged_only=True)
    return bill


def wholesale_invoices(session: Session, partner_id: int, period: BillPeriod) -> list:
    """(id, number, currency, total_minor) of the rebiller's issued wholesale invoices of
    the period, one per currency."""
    return [tuple(row) for row in session.execute(
        select(Invoice.id, Invoice.number, Invoice.currency, Invoice.total_minor)
        .join(Customer, Invoice.customer_id == Customer.id)
        .where(Customer.partner_id == partner_id, Customer.billing_role == "wholesale",
               Invoice.period_end == period.end, Invoice.status.in_(BILLED))
        .order_by(Invoice.currency))]


def portal_retail_bill(session: Session, partner_id: int, period: BillPeriod) -> Bill:
    """The retail invoices the portal issued to the rebiller's end customers."""
    invoices = _retail_invoice_rows(session, partner_id, period)
    bill = Bill(invoices=[(i, number, currency, total)
                          for i, number, _, currency, total, _ in invoices])
    _add_lines(session, bill, [row[0] for row in invoices], tagged_only=False)
    return bill


def retail_invoices(session: Session, partner_id: int, period: BillPeriod,
                    as_of: datetime) -> list[RetailInvoice]:
    """The retail invoices of the period with what payments had paid on them `as_of`."""
    rows = _retail_invoice_rows(session, partner_id, period)
    ids = [row[0] for row in rows]
    paid = dict(session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_minor))
        .where(among(session, PaymentAllocation.invoice_id, ids), PaymentAllocation.at <= as_of)
        .group_by(PaymentAllocation.invoice_id)).all()) if ids else {}
    return [RetailInvoice(i, number, customer_id, currency, total, int(paid.get(i) or 0), due)
            for i, number, customer_id, currency, total, due in rows]


def _retail_invoice_rows(session: Session, partner_id: int, period: BillPeriod) -> list:
    return session.execute(
        select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.currency,
               Invoice.total_minor, Invoice.due_date)
        .join(Customer, Invoice.customer_id == Customer.id)
        .where(Customer.partner_id == partner_id, Customer.billing_role == "retail",
               Invoice.period_end == period.end, Invoice.status.in_(BILLED))
        .order_by(Invoice.id)).all()


def _add_lines(session: Session, bill: Bill, invoice_ids: list[int], tagged_only: bool):
    """Sum the invoices' lines into `bill`. On a wholesale invoice every end customer's
    line carries its id (`tagged_only`); on a retail invoice an untagged line is the
    invoice's own account's."""
    if not invoice_ids:
        return
    owner = func.coalesce(InvoiceLine.sub_account_id, Invoice.customer_id)
    query = (select(InvoiceLine.kind, owner, Product.code, InvoiceLine.call_type,
                    InvoiceLine.quantity, InvoiceLine.amount_minor, Invoice.currency)
             .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
             .outerjoin(Service, InvoiceLine.service_id == Service.id)
             .outerjoin(Product, Service.product_id == Product.id)
             .where(among(session, InvoiceLine.invoice_id, invoice_ids),
                    InvoiceLine.kind.in_(CHARGE_KINDS + TAX_KINDS)))
    if tagged_only:
        query = query.where(InvoiceLine.sub_account_id.is_not(None))
    for kind, customer_id, product_code, call_type, quantity, amount, currency in (
            session.execute(query)):
        if kind in TAX_KINDS:
            entry = bill.taxes.setdefault(customer_id, [currency, 0, 0])
            entry[1] += amount
            entry[2] += 1
            continue
        code = f"usage:{call_type}" if kind == "usage" else (product_code or "other")
        entry = bill.charges.setdefault((customer_id, code), [currency, Decimal(0), 0])
        entry[1] += Decimal(quantity) if kind != "proration" else 0
        entry[2] += amount

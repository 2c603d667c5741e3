"""Drafting a bill-to account's invoice for a bill period (docs/invoices.md).

- Recurring charges are billed in advance for the period, by day for part of it.
- Changes during the previous period are trued up here: what each service earned
  then, less what the previous invoice billed for it, as a proration line.
- One-time charges and usage are billed in arrears (the previous period).
- Taxes follow the jurisdiction of each account on the invoice; late fees charged since
  the last invoice follow (billing.collections.late_fees); credits come last.
A corporate invoice carries its sub-accounts' lines, tagged with the sub-account,
except for sub-accounts that pay their own charges. A rebiller's wholesale invoice
carries every end customer's lines, tagged with the end customer, at wholesale prices
and taxed where each end customer is (billing/catalog/pricing.py says which price applies).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from billing.catalog.models import Service
from billing.catalog.pricing import PriceBooks, Pricer, pricer_for
from billing.collections.late_fees import fee_lines, mark_billed
from billing.core.clock import BillPeriod
from billing.core.money import Money, line_amount
from billing.invoicing.credit_notes import credit_lines
from billing.invoicing.draft_inputs import DraftInputs, previous_period
from billing.invoicing.issuing import bill_to_snapshot
from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.proration import overlap_days, prorated_minor
from billing.invoicing.taxes import Taxable, in_force, tax_lines
from billing.parties.models import Customer

CHARGE_KINDS = ("recurring", "proration", "one_time", "usage")
CALL_LABELS = {"local": "Local calls", "long_distance": "Long-distance calls",
               "international": "International calls", "toll_free": "Toll-free inbound"}
SEAT_UNITS = ("seat", "channel", "line")
INVOICE_FIELDS = ("customer_id", "period_start", "period_end", "currency", "status", "bill_to",
                  "created_at", "subtotal_minor", "tax_minor", "credit_minor", "total_minor")
LINE_FIELDS = ("invoice_id", "position", "kind", "description", "sub_account_id", "service_id",
               "call_type", "jurisdiction", "credit_note_id", "quantity", "unit_price",
               "amount_minor", "rate_unit", "call_count")


def draft_invoice(session: Session, account: Customer, period: BillPeriod,
                  now: datetime, books: PriceBooks | None = None) -> Invoice | None:
    """Draft and save the invoice of one bill-to account; None when there is nothing to bill."""
    inputs = DraftInputs.load(session, [account], period)
    invoice = build_draft(inputs, account, period, now, books or PriceBooks.load(session))
    if invoice is None:
        return None
    save_drafts(session, [invoice])
    return session.get(Invoice, invoice.id)


def build_draft(inputs: DraftInputs, account: Customer, period: BillPeriod, now: datetime,
                books: PriceBooks) -> Invoice | None:
    """The draft of one account of `inputs`, not yet saved; None if nothing to bill.

    It spends the account's credit notes, so the caller saves it in the same transaction.
    """
    invoice = Invoice(customer_id=account.id, period_start=period.start, period_end=period.end,
                      currency=account.currency, status="draft",
                      bill_to=bill_to_snapshot(account), created_at=now)
    pricer = pricer_for(books, account)
    billed = inputs.billed_before.get(account.id)
    exempt = inputs.exempt[account.id]
    for member in inputs.members[account.id]:
        services = inputs.services.get(member.id, [])
        lines = _charges(inputs.usage.get(member.id, []), member, services, billed, period,
                         pricer)
        # A rebiller's resale certificate is what counts on its wholesale invoice.
        exempt_here = exempt if account.is_wholesale else exempt | inputs.exempt[member.id]
        lines += _taxes(inputs.tax_rates, member, lines, services, period, exempt_here)
        for line in lines:
            line.sub_account_id = None if member.id == account.id else member.id
            line.position = len(invoice.lines) + 1
            invoice.lines.append(line)
    fee_lines(invoice, inputs.late_fees.get(account.id, []))
    if not invoice.lines:
        return None
    credit_lines(invoice, inputs.credit_notes.get(account.id, []))
    set_totals(invoice)
    return invoice


def save_drafts(session: Session, invoices: list[Invoice]) -> None:
    """Insert built drafts and their lines in two statements.

    Not through the ORM's unit of work: for the thousands of lines of a chunk, its
    bookkeeping cost more than building them.
    """
    if not invoices:
        return
    table = Invoice.__table__
    ids = session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          [_values(invoice, INVOICE_FIELDS) for invoice in invoices]).all()
    lines = []
    for invoice, invoice_id in zip(invoices, ids, strict=True):
        invoice.id = invoice_id
        for line in invoice.lines:
            line.invoice_id = invoice_id
            lines.append(_values(line, LINE_FIELDS))
    session.execute(insert(InvoiceLine.__table__), lines)
    mark_billed(session, invoices)


def _values(row, fields: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in fields}


def set_totals(invoice: Invoice) -> None:
    """Totals are sums of the rounded lines."""
    by_kind = defaultdict(int)
    for line in invoice.lines:
        by_kind[line.kind] += line.amount_minor
    invoice.subtotal_minor = sum(by_kind[k] for k in CHARGE_KINDS)
    invoice.tax_minor = by_kind["tax"] + by_kind["fee"]
    invoice.credit_minor = -by_kind["credit"]
    invoice.total_minor = sum(by_kind.values())


def _charges(usage, member, services, billed, period, pricer) -> list[InvoiceLine]:
    before = previous_period(period)
    return (
        [line for s in services if s.product.kind == "recurring"
         for line in _recurring(s, period, pricer)]
        + _true_ups(services, billed, before, pricer)
        + [_one_time(s, pricer) for s in services
           if s.product.kind == "one_time" and before.start <= s.started_on <= before.end]
        + _usage(usage, member, pricer)
    )


def _earned(service: Service, period: BillPeriod, pricer: Pricer) -> int:
    """What the service earns over the period, at the price in force when it began."""
    days = overlap_days(period, service.started_on, service.ended_on)
    price = pricer.unit_price(service, period.start)
    if days == period.days:
        return line_amount(service.quantity, price, service.currency)
    return prorated_minor(Decimal(service.quantity) * price, service.currency, period, days)


def _recurring(service: Service, period: BillPeriod, pricer: Pricer) -> list[InvoiceLine]:
    days = overlap_days(period, service.started_on, service.ended_on)
    if not days:
        return []
    label = f"{service.product.name} ({service.description or service.product.unit})"
    if days < period.days:
        label += f", {days} of {period.days} days"
    return [InvoiceLine(kind="recurring", description=label[:300], service_id=service.id,
                        quantity=Decimal(service.quantity), rate_unit="month",
                        unit_price=pricer.unit_price(service, period.start),
                        amount_minor=_earned(service, period, pricer))]


def _true_ups(services, billed: dict | None, before: BillPeriod, pricer) -> list[InvoiceLine]:
    """Charges or credits for what changed during the previous period, against what the
    account's invoice for it billed per service (None: it had no invoice)."""
    had_invoice = billed is not None
    lines = []
    for service in (s for s in services if s.product.kind == "recurring"):
        earned = _earned(service, before, pricer)
        started_then = before.start <= service.started_on <= before.end
        if not had_invoice and not started_then:
            continue  # billed before this system, or not at all: nothing to true up
        difference = earned - (billed or {}).get(service.id, 0)
        if difference:
            lines.append(InvoiceLine(
                kind="proration", service_id=service.id,
                description=f"Adjustment {before.start:%d %b}–{before.end:%d %b %Y}: "
                            f"{service.product.name}"[:300],
                quantity=Decimal(1), unit_price=Money(difference, service.currency).major,
                amount_minor=difference))
    return lines


def _one_time(service: Service, pricer: Pricer) -> InvoiceLine:
    price = pricer.unit_price(service, service.started_on)
    return InvoiceLine(kind="one_time", service_id=service.id,
                       description=f"{service.product.name} ({service.description or ''})"[:300],
                       quantity=Decimal(service.quantity), unit_price=price,
                       amount_minor=line_amount(service.quantity, price, service.currency))


def _usage(usage, member, pricer: Pricer) -> list[InvoiceLine]:
    """Usage of the period summarised by call type, destination and rate. The minutes stay
    exact in the quantity (the amount is rated on them); pages round them for display."""
    lines = []
    for call_type, destination, rated, minutes, calls in usage:
        minutes, rate = Decimal(minutes), pricer.usage_rate(rated)
        where = f" to {destination}" if destination else ""
        lines.append(InvoiceLine(
            kind="usage", call_type=call_type, quantity=minutes, unit_price=rate,
            rate_unit="minute", call_count=calls,
            description=f"{CALL_LABELS[call_type]}{where}"[:300],
            amount_minor=line_amount(minutes, rate, member.currency)))
    return lines


def _taxes(tax_rates, member, charges, services, period, exempt) -> list[InvoiceLine]:
    units = {service.id: service.product.unit for service in services}
    seats = numbers = 0
    for line in charges:
        if line.kind == "recurring" and line.service_id:
            seats += int(line.quantity) if units[line.service_id] in SEAT_UNITS else 0
            numbers += int(line.quantity) if units[line.service_id] == "number" else 0
    taxable = Taxable(sum(line.amount_minor for line in charges), seats, numbers,
                      member.currency)
    rates = in_force(tax_rates, country=member.country, region=member.region,
                     city=member.city, on=period.start, exempt=exempt)
    return [InvoiceLine(kind=t.kind, description=t.description, jurisdiction=t.jurisdiction,
                        quantity=t.quantity, unit_price=t.rate, rate_unit=t.unit,
                        amount_minor=t.amount_minor)
            for t in tax_lines(rates, taxable)]

"""What happened to an invoice's amount after it was drafted: payments and credits.

A finance reader of an invoice wants to see, beside its lines, what paid it and what
reduced it: each payment allocated to it (and any refund or chargeback that took part
of it back, as the allocation rows of `billing.payments` record them) and each credit
note applied on it as a credit line (SLA credit, dispute settlement, goodwill). Read in
two queries, oldest first; the sums agree with `billing.invoicing.balance` because they
are the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import provider_date
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal


@dataclass(frozen=True)
class Entry:
    """One payment, reversal or credit on an invoice. `amount_minor` is what it did to
    the amount owed, from the customer's side: positive paid or credited, negative
    taken back."""

    kind: str  # "payment", a reversal kind (refund, chargeback...), or "credit"
    on: date
    reference: str
    amount_minor: int
    method: str | None = None  # payments: card, wire...
    reason: str | None = None  # credits: sla, dispute, goodwill


def invoice_activity(session: Session, invoice: Invoice) -> list[Entry]:
    """The payments and credits of one invoice, oldest first."""
    entries = _payments(session, invoice.id) + _credits(session, invoice)
    return sorted(entries, key=lambda entry: (entry.on, entry.kind != "credit"))


def _payments(session: Session, invoice_id: int) -> list[Entry]:
    rows = session.execute(
        select(PaymentAllocation.amount_minor, PaymentAllocation.at, Payment.received_at,
               Payment.method, Payment.reference, PaymentReversal.kind)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .outerjoin(PaymentReversal, PaymentReversal.id == PaymentAllocation.reversal_id)
        .where(PaymentAllocation.invoice_id == invoice_id)
        .order_by(PaymentAllocation.at, PaymentAllocation.id))
    return [Entry(kind=reversal or "payment",
                  on=provider_date(at if reversal else received_at),
                  reference=reference, amount_minor=amount, method=method)
            for amount, at, received_at, method, reference, reversal in rows]


def _credits(session: Session, invoice: Invoice) -> list[Entry]:
    rows = session.execute(
        select(InvoiceLine.amount_minor, CreditNote.number, CreditNote.reason,
               CreditNote.reference, CreditNote.issued_at)
        .join(CreditNote, CreditNote.id == InvoiceLine.credit_note_id)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "credit")
        .order_by(InvoiceLine.position))
    # Applied when the invoice was issued; a draft's credits are applied on its issue.
    applied = invoice.issue_date
    return [Entry(kind="credit", on=applied or provider_date(issued_at),
                  reference=f"{number}: {reference}", amount_minor=-amount, reason=reason)
            for amount, number, reason, reference, issued_at in rows]

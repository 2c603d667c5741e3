"""What of an invoice is still open to dispute, and the locks that make filings and
reopenings of one invoice take turns. What disputes hold back from the amount due is the
balance's to say (billing.invoicing.balance).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.locks import lock_account, lock_invoices
from billing.disputes.models import Dispute
from billing.invoicing.models import Invoice

DISPUTABLE_KINDS = ("recurring", "one_time", "usage", "proration", "tax", "fee")


def _claims_on(session: Session, invoice_id: int, exclude_id: int | None = None):
    """Disputes of the invoice that take part of it: active ones (held) and settled
    ones with credit (granted). Denied and withdrawn ones leave the amount open."""
    query = select(Dispute).where(
        Dispute.invoice_id == invoice_id,
        Dispute.status.in_(("open", "waiting")) | (Dispute.credit_minor > 0))
    if exclude_id is not None:
        query = query.where(Dispute.id != exclude_id)
    return list(session.scalars(query))


def open_amount_minor(session: Session, invoice: Invoice, line_ids=(),
                      exclude_id: int | None = None) -> int:
    """What may still be disputed: the chosen lines (or the whole invoice), less what
    other disputes (but `exclude_id`) already hold or were granted on the invoice, or on
    those lines."""
    chosen = set(line_ids)
    charged = [line for line in invoice.lines if line.kind in DISPUTABLE_KINDS]
    base = sum(line.amount_minor for line in charged if not chosen or line.id in chosen)
    whole = invoice.total_minor
    for claim in _claims_on(session, invoice.id, exclude_id):
        taken = claim.amount_minor if claim.is_active else claim.credit_minor
        whole -= taken
        claimed_lines = {line.id for line in claim.lines}
        if not chosen or not claimed_lines or claimed_lines & chosen:
            base -= taken
    return max(0, min(base, whole))


def lock_invoice(session: Session, invoice_id: int) -> None:
    """Filings and reopenings of one invoice take turns: each checks what is open. They
    change what the account owes now, so they take its lock first (billing.core.locks)."""
    customer_id = session.scalar(select(Invoice.customer_id).where(Invoice.id == invoice_id))
    lock_account(session, customer_id)
    lock_invoices(session, [invoice_id])

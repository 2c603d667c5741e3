"""What of an invoice is still open to dispute, what active disputes hold back, and the
invoice-row lock that makes filings and reopenings of one invoice take turns.

These amounts are kept together here so that the balance rules can take them over in
one move.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.db import begin_writing
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


def held_minor(session: Session, invoice_ids) -> dict[int, int]:
    """Per invoice, the amount its active disputes hold back from what is due."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Dispute.invoice_id, func.sum(Dispute.amount_minor - Dispute.credit_minor))
        .where(Dispute.invoice_id.in_(ids), Dispute.status.in_(("open", "waiting")))
        .group_by(Dispute.invoice_id))
    return {invoice_id: int(amount) for invoice_id, amount in rows}


def collectible_minor(invoice: Invoice, held: int) -> int:
    """The part of the amount due that may be chased or charged late fees."""
    return max(0, invoice.amount_due_minor - held)


def lock_invoice(session: Session, invoice_id: int) -> None:
    """Filings and reopenings of one invoice take turns: each checks what is open."""
    begin_writing(session)
    session.scalars(select(Invoice.id).where(Invoice.id == invoice_id).with_for_update()).all()

"""Credit notes: created with a reason and a reference, applied on the next invoices.

SLA credits and dispute settlements (later issues) create theirs through
`create_credit_note`; the invoice run applies them with `credit_lines`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import provider_date
from billing.core.errors import InvalidInput
from billing.core.locks import lock_account
from billing.core.money import Money, check_currency
from billing.core.numbering import format_number, series_key, take_number
from billing.invoicing.models import CREDIT_REASONS, CreditNote, Invoice, InvoiceLine
from billing.parties.models import Customer

REASON_LABELS = {"sla": "SLA credit", "dispute": "Dispute settlement", "goodwill": "Goodwill"}


def create_credit_note(
    session: Session, *, customer: Customer, amount_minor: int, currency: str, reason: str,
    reference: str, now: datetime,
) -> CreditNote:
    """A numbered credit note; it waits for the customer's next invoice in that currency.

    It changes what the account owes, so it takes the account's lock (a caller that
    locks other rows first takes it before them: billing.core.locks).
    """
    check_currency(currency)
    if reason not in CREDIT_REASONS:
        raise InvalidInput(f"A credit note's reason is one of {', '.join(CREDIT_REASONS)}.")
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidInput("A credit note is for a positive amount.")
    if not (reference or "").strip():
        raise InvalidInput("A credit note says what it refers to.")
    lock_account(session, customer.id)
    key = series_key("CN", currency, provider_date(now).year)
    note = CreditNote(
        number=format_number(key, take_number(session, key)), customer_id=customer.id,
        currency=currency, amount_minor=amount_minor, remaining_minor=amount_minor,
        reason=reason, reference=reference.strip()[:200], issued_at=now,
    )
    session.add(note)
    session.flush()
    return note


def apply_credit_notes(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    """Add credit lines to a draft from the customer's open credit notes (locked)."""
    return credit_lines(invoice, open_credit_notes(session, [invoice.customer_id]))


def open_credit_notes(session: Session, customer_ids) -> list[CreditNote]:
    """The customers' notes with credit left, oldest first, locked, so that two runs
    cannot spend the same credit twice."""
    return list(session.scalars(
        select(CreditNote)
        .where(CreditNote.customer_id.in_(customer_ids), CreditNote.remaining_minor > 0)
        .order_by(CreditNote.customer_id, CreditNote.issued_at, CreditNote.id)
        .with_for_update()))


def credit_lines(invoice: Invoice, notes: list[CreditNote]) -> list[InvoiceLine]:
    """Add credit lines to a draft, oldest note first, never taking its total below zero.

    `notes` are the customer's open notes, oldest first; those in the invoice's currency
    count. What a note cannot give on this invoice stays on it for the next one.
    """
    if invoice.status != "draft":
        raise InvalidInput("Credits are applied to draft invoices only.")
    room = sum(line.amount_minor for line in invoice.lines)
    added = []
    for note in notes:
        if note.currency != invoice.currency:
            continue
        used = min(note.remaining_minor, room)
        if used <= 0:
            break
        note.remaining_minor -= used
        room -= used
        added.append(_credit_line(invoice, note, used))
    return added


def _credit_line(invoice: Invoice, note: CreditNote, amount_minor: int) -> InvoiceLine:
    label = REASON_LABELS[note.reason]
    major = Money(amount_minor, note.currency).major
    line = InvoiceLine(
        position=len(invoice.lines) + 1, kind="credit",
        description=f"{label} {note.number}: {note.reference}"[:300],
        credit_note_id=note.id, quantity=Decimal(1), unit_price=-major,
        amount_minor=-amount_minor,
    )
    invoice.lines.append(line)  # through the collection, so the session cascade adds it
    return line

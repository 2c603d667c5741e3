"""Payment reminders: by e-mail to the account's address of record, through the outbox,
in its language, on the policy's days around the due date.

A reminder names only what the invoice collects (open less what open disputes hold):
a held amount is never named as due, and an invoice with nothing to collect (paid, or
wholly disputed) gets no reminder at all. A chunk's reminders are claimed in one
statement and queued in another; only the claimed ones are written and sent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.collections import actions
from billing.collections.autopay import Writer
from billing.core import bulk, outbox
from billing.core.db import among
from billing.core.models import OutboundMail
from billing.parties.models import Customer


def send_reminders(session: Session, due: list[tuple], today: date, now: datetime,
                   write: Writer) -> int:
    """Queue the reminders of `due` (invoice row, step, balance) not sent yet; how many.

    An invoice row has id, customer_id, number, currency and due_date."""
    due = [(invoice, step, owed) for invoice, step, owed in due if owed.collectible_minor > 0]
    claimed = actions.claim_many(session, [
        actions.row(invoice, step, today, owed.collectible_minor, now, "sent")
        for invoice, step, owed in due])
    if not claimed:
        return 0
    wanted = {invoice.customer_id for invoice, _, _ in due if invoice.id in claimed}
    customers = {c.id: c for c in session.scalars(
        select(Customer).where(among(session, Customer.id, wanted)))}
    messages = []
    for invoice, step, owed in due:
        if invoice.id in claimed:
            customer = customers[invoice.customer_id]
            subject, body = write("reminder", customer, _facts(invoice, step, owed))
            messages.append(outbox.message_row(
                to=customer.email_of_record, subject=subject, body=body,
                kind="collections_reminder", now=now,
                dedup_key=f"collections-{claimed[invoice.id]}"))
    bulk.insert_rows(session, OutboundMail.__table__, messages, skip_conflicts_on="dedup_key")
    return len(messages)


def _facts(invoice, step, owed) -> dict:
    """What a reminder may say: the collectible amount, never what a dispute holds."""
    return {"invoice_number": invoice.number, "due_date": invoice.due_date,
            "amount_minor": owed.collectible_minor, "currency": invoice.currency,
            "days": step.step, "overdue": owed.overdue_minor > 0,
            "part_disputed": owed.held_minor > 0}

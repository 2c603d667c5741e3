"""Payment reminders: by e-mail to the account's address of record, through the outbox,
in its language, on the policy's days around the due date.

A reminder names only what the invoice collects (open less what open disputes hold):
a held amount is never named as due, and an invoice with nothing to collect (paid, or
wholly disputed) gets no reminder at all.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from billing.collections import actions
from billing.collections.autopay import Writer
from billing.collections.schedule import Step
from billing.core import outbox
from billing.invoicing.balance import Balance
from billing.parties.models import Customer


def send_reminder(session: Session, invoice, step: Step, owed: Balance, today: date,
                  now: datetime, write: Writer) -> bool:
    """Queue the step's reminder for one invoice (a row with id, customer_id, number,
    currency, due_date); False when there is nothing to chase or it was sent already."""
    if owed.collectible_minor <= 0:
        return False
    action_id = actions.claim(session, invoice_id=invoice.id, customer_id=invoice.customer_id,
                              step=step, today=today, currency=invoice.currency,
                              amount_minor=owed.collectible_minor, now=now, outcome="sent")
    if action_id is None:
        return False
    customer = session.get(Customer, invoice.customer_id)
    facts = {"invoice_number": invoice.number, "due_date": invoice.due_date,
             "amount_minor": owed.collectible_minor, "currency": invoice.currency,
             "days": step.step, "overdue": owed.overdue_minor > 0,
             "part_disputed": owed.held_minor > 0}
    subject, body = write("reminder", customer, facts)
    outbox.enqueue(session, to=customer.email_of_record, subject=subject, body=body,
                   kind="collections_reminder", now=now, dedup_key=f"collections-{action_id}")
    return True

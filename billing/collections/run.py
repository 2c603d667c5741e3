"""The day's collections job: autopay charges and retries, reminders and late fees.

It selects the invoices that may need a step today in one set-based query per chunk
(open invoices due in the window the policy watches, every overdue one when late fees
are on, and those whose autopay failed), reads what each chunk needs in a few queries
(open disputes, steps already taken, autopay enrolments, exemptions), asks the pure
schedule which steps are due, and takes them, committing per chunk.

Each step is claimed in the action log under its unique key before it is acted on, so a
second run of the same day does nothing, and two runs at once take each step once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.collections import actions, autopay, late_fees, policy, reminders, schedule
from billing.collections.autopay import Writer
from billing.collections.models import CollectionAction
from billing.core.clock import provider_date
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.payments.provider import StripeSettings

CHUNK = 1000
OPEN = ("issued", "partially_paid")
COLUMNS = (Invoice.id, Invoice.customer_id, Invoice.number, Invoice.currency,
           Invoice.due_date, Invoice.status, Invoice.total_minor, Invoice.credit_minor,
           Invoice.paid_minor)


@dataclass
class DayResult:
    """What the day's job did (or, in a dry run, would do)."""

    day: date
    examined: int = 0
    charged: int = 0
    charge_failed: int = 0
    charge_pending: int = 0
    reminders: int = 0
    late_fees: int = 0
    late_fee_minor: dict[str, int] = field(default_factory=dict)
    planned: list[tuple[str, str, int, str]] = field(default_factory=list)


def run_day(session: Session, now: datetime, write: Writer, *,
            settings: StripeSettings | None = None, today: date | None = None,
            dry_run: bool = False, chunk: int = CHUNK) -> DayResult:
    """Take the steps due on `today` (the provider's date of `now` by default); in a dry
    run, list them (invoice number, kind, step, period) and change nothing."""
    today = today or provider_date(now)
    terms = policy.terms_of(policy.current(session))
    session.commit()
    result = DayResult(today)
    after_id = 0
    while True:
        rows = session.execute(_candidates(terms, today).where(Invoice.id > after_id)
                               .order_by(Invoice.id).limit(chunk)).all()
        if not rows:
            return result
        _chunk(session, rows, terms, today, now, write, settings, dry_run, result)
        if dry_run:
            session.rollback()
        else:
            session.commit()
        after_id = rows[-1].id


def _candidates(terms: schedule.Terms, today: date):
    """Open invoices that may need a step today."""
    watched = Invoice.due_date.between(schedule.earliest_due_date_watched(terms, today),
                                       schedule.latest_due_date_watched(terms, today))
    retrying = Invoice.id.in_(select(CollectionAction.invoice_id).where(
        CollectionAction.kind == "autopay", CollectionAction.outcome == "failed"))
    reasons = [watched, retrying]
    if terms.late_fee_mode != "none":
        reasons.append(Invoice.due_date <= today - timedelta(days=terms.grace_days + 1))
    return select(*COLUMNS).where(Invoice.status.in_(OPEN), Invoice.due_date.is_not(None),
                                  or_(*reasons))


def _chunk(session, rows, terms, today, now, write, settings, dry_run, result) -> None:
    ids = [row.id for row in rows]
    customers = {row.customer_id for row in rows}
    disputed = balance.disputed_at(session, ids, now)
    taken = actions.taken(session, ids)
    enrolled = autopay.active_enrolments(session, customers) if settings else {}
    exempt = policy.exempt_account_ids(session, customers)
    for row in rows:
        result.examined += 1
        owed = balance.of_invoice(row, disputed.get(row.id, 0), today)
        if owed.collectible_minor <= 0:
            continue
        steps = taken.get(row.id, [])
        enrolment = enrolled.get((row.customer_id, row.currency))
        for step in _due(terms, row, today, steps, enrolment, row.customer_id in exempt, owed):
            if dry_run:
                result.planned.append((row.number, step.kind, step.step, step.period))
                continue
            if _take(session, terms, row, step, steps, owed, enrolment, today, now, write,
                     settings, result) == "succeeded":
                break  # paid: nothing is left to remind of or to charge a fee on


def _due(terms, row, today, steps, enrolment, exempt, owed) -> list[schedule.Step]:
    """The steps due today for one invoice, those already taken left out."""
    due = []
    failed_on = actions.failed_autopay_days(steps)
    if enrolment is not None and failed_on is not None:
        due.append(schedule.autopay_due(terms, row.due_date, today, failed_on))
    if not exempt:
        reminder = schedule.reminder_due(terms, row.due_date, today)
        # An account on autopay is not asked to pay what autopay is about to charge.
        if reminder and not (enrolment is not None and reminder.step <= 0):
            due.append(reminder)
        if owed.overdue_minor > 0:
            due.append(schedule.late_fee_due(terms, row.due_date, today))
    return [step for step in due if step and not actions.already(steps, step)]


def _take(session, terms, row, step, steps, owed, enrolment, today, now, write, settings,
          result: DayResult) -> str | None:
    """Take one step; the autopay outcome, if it was a charge."""
    if step.kind == "autopay":
        outcome = autopay.attempt(session, settings, terms, enrolment, row.id, step,
                                  actions.failed_autopay_days(steps) or [], today, now, write)
        result.charged += outcome == "succeeded"
        result.charge_failed += outcome == "failed"
        result.charge_pending += outcome == "pending"
        return outcome
    elif step.kind == "reminder":
        result.reminders += reminders.send_reminder(session, row, step, owed, today, now,
                                                    write)
    else:
        amount = late_fees.charge_late_fee(session, terms, row.id, step, today, now)
        if amount:
            result.late_fees += 1
            result.late_fee_minor[row.currency] = (
                result.late_fee_minor.get(row.currency, 0) + amount)
    return None

"""The day's collections job: autopay charges and retries, reminders and late fees.

It selects the invoices that may need a step today in one set-based query per chunk
(open invoices due in the window the policy watches, every overdue one when late fees
are on, and those whose autopay failed), reads what each chunk needs in a few queries
(open disputes, steps already taken, autopay enrolments, exemptions), asks the pure
schedule which steps are due, and takes them: autopay charges one by one (each is a
call to Stripe), a chunk's reminders and late fees a few statements each. It commits
per chunk and notes how far it got in `collection_day`; a day finished is not run again,
and a run stopped half-way resumes after the last chunk committed.

Each step is claimed in the action log under its unique key before it is acted on, so
two runs at once (or a run with `recheck`) take each step once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.collections import actions, autopay, late_fees, policy, reminders, schedule
from billing.collections.autopay import Writer
from billing.collections.late_fees import BALANCE_COLUMNS
from billing.collections.models import CollectionAction, CollectionDay
from billing.core.clock import provider_date
from billing.core.db import among, insert_if_missing
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.payments.provider import StripeSettings

CHUNK = 1000
OPEN = ("issued", "partially_paid")


@dataclass
class DayResult:
    """What the day's job did (or, in a dry run, would do)."""

    day: date
    already_done: bool = False
    examined: int = 0
    charged: int = 0
    charge_failed: int = 0
    charge_pending: int = 0
    reminders: int = 0
    late_fees: int = 0
    late_fee_minor: dict[str, int] = field(default_factory=dict)
    planned: list[tuple[str, str, int, str]] = field(default_factory=list)


@dataclass
class Job:
    """One run's settings, passed along the chunks."""

    terms: schedule.Terms
    today: date
    now: datetime
    write: Writer
    settings: StripeSettings | None
    result: DayResult


def run_day(session: Session, now: datetime, write: Writer, *,
            settings: StripeSettings | None = None, today: date | None = None,
            dry_run: bool = False, recheck: bool = False, chunk: int = CHUNK) -> DayResult:
    """Take the steps due on `today` (the provider's date of `now` by default); in a dry
    run, list them (invoice number, kind, step, period) and change nothing. With
    `recheck`, a day already finished is examined again (its steps are still taken once)."""
    today = today or provider_date(now)
    job = Job(policy.terms_of(policy.current(session)), today, now, write, settings,
              DayResult(today))
    after_id = _start(session, job, recheck, dry_run)
    while after_id is not None:
        rows = session.execute(_candidates(job.terms, today).where(Invoice.id > after_id)
                               .order_by(Invoice.id).limit(chunk)).all()
        if not rows:
            _finish(session, job, dry_run)
            break
        _chunk(session, job, rows, dry_run)
        after_id = rows[-1].id
        _done_through(session, today, after_id, dry_run)
    return job.result


def _start(session, job: Job, recheck: bool, dry_run: bool) -> int | None:
    """Where to start: after the last chunk noted, 0 for a new day (or a recheck), None
    when the day is finished."""
    if not dry_run:
        insert_if_missing(session, CollectionDay, "day", day=job.today, through_invoice_id=0,
                          started_at=job.now)
    marker = session.get(CollectionDay, job.today, populate_existing=True)
    session.commit()
    if marker is None or recheck:
        return 0
    if marker.finished_at is not None:
        job.result.already_done = True
        return None
    return marker.through_invoice_id


def _done_through(session, today: date, invoice_id: int, dry_run: bool) -> None:
    if dry_run:
        session.rollback()
        return
    marker = session.get(CollectionDay, today)
    marker.through_invoice_id = max(marker.through_invoice_id, invoice_id)
    session.commit()


def _finish(session, job: Job, dry_run: bool) -> None:
    if not dry_run:
        session.get(CollectionDay, job.today).finished_at = job.now
        session.commit()


def _candidates(terms: schedule.Terms, today: date):
    """Open invoices that may need a step today."""
    watched = Invoice.due_date.between(schedule.earliest_due_date_watched(terms, today),
                                       schedule.latest_due_date_watched(terms, today))
    retrying = Invoice.id.in_(select(CollectionAction.invoice_id).where(
        CollectionAction.kind == "autopay", CollectionAction.outcome == "failed"))
    reasons = [watched, retrying]
    if terms.late_fee_mode != "none":
        reasons.append(Invoice.due_date <= today - timedelta(days=terms.grace_days + 1))
    return select(*BALANCE_COLUMNS).where(Invoice.status.in_(OPEN),
                                          Invoice.due_date.is_not(None), or_(*reasons))


def _chunk(session, job: Job, rows, dry_run: bool) -> None:
    """Find the chunk's due steps and take them: charges first (one paid in full leaves
    nothing to remind of or to charge a fee on), then reminders and fees in bulk."""
    ids = [row.id for row in rows]
    customers = {row.customer_id for row in rows}
    disputed = balance.disputed_at(session, ids, job.now)
    taken = actions.taken(session, ids)
    enrolled = autopay.active_enrolments(session, customers) if job.settings else {}
    exempt = policy.exempt_account_ids(session, customers)
    due = {"autopay": [], "reminder": [], "late_fee": []}
    for row in rows:
        job.result.examined += 1
        owed = balance.of_invoice(row, disputed.get(row.id, 0), job.today)
        if owed.collectible_minor <= 0:
            continue
        steps = taken.get(row.id, [])
        enrolment = enrolled.get((row.customer_id, row.currency))
        for step in _due(job, row, steps, enrolment, row.customer_id in exempt, owed):
            if dry_run:
                job.result.planned.append((row.number, step.kind, step.step, step.period))
            else:
                due[step.kind].append((row, step, owed, steps, enrolment))
    paid = _charges(session, job, due["autopay"])
    _reminders(session, job, [d for d in due["reminder"] if d[0].id not in paid])
    _fees(session, job, [d for d in due["late_fee"] if d[0].id not in paid])


def _due(job: Job, row, steps, enrolment, exempt: bool, owed) -> list[schedule.Step]:
    """The steps due today for one invoice, those already taken left out."""
    terms, today, due = job.terms, job.today, []
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


def _charges(session, job: Job, due: list[tuple]) -> set[int]:
    """Each autopay charge in turn; the ids of the invoices paid by one. Each is
    committed as soon as Stripe has answered: money taken is on record (its claim, its
    payment, its notice) even if something later in the chunk fails and rolls the rest
    back, so the chunk run again does not charge the card a second time."""
    paid = set()
    for row, step, _, steps, enrolment in due:
        outcome = autopay.attempt(session, job.settings, job.terms, enrolment, row.id, step,
                                  actions.failed_autopay_days(steps) or [], job.today,
                                  job.now, job.write)
        session.commit()
        job.result.charged += outcome == "succeeded"
        job.result.charge_failed += outcome == "failed"
        job.result.charge_pending += outcome == "pending"
        if outcome == "succeeded":
            paid.add(row.id)
    return paid


def _reminders(session, job: Job, due: list[tuple]) -> None:
    """The chunk's reminders, each naming what its invoice collects now: the balances
    read at the chunk's start are read again, since the autopay charges before them
    (each a call to Stripe, each committed) leave time for a dispute to be filed, and
    a reminder must never name a held amount as due."""
    fresh = _balances_now(session, job, [row.id for row, *_ in due])
    job.result.reminders += reminders.send_reminders(
        session, [(fresh[row.id][0], step, fresh[row.id][1])
                  for row, step, *_ in due if row.id in fresh], job.today, job.now,
        job.write)


def _balances_now(session, job: Job, ids: list[int]) -> dict[int, tuple]:
    """Per invoice, (its balance columns, its balance) as they stand now."""
    if not ids:
        return {}
    disputed = balance.disputed_at(session, ids, job.now)
    return {row.id: (row, balance.of_invoice(row, disputed.get(row.id, 0), job.today))
            for row in session.execute(select(*BALANCE_COLUMNS).where(
                among(session, Invoice.id, ids)))}


def _fees(session, job: Job, due: list[tuple]) -> None:
    charged = late_fees.charge_late_fees(session, job.terms,
                                         [(row.id, step) for row, step, *_ in due],
                                         job.today, job.now)
    for currency, amount in charged.values():
        job.result.late_fees += 1
        job.result.late_fee_minor[currency] = job.result.late_fee_minor.get(currency, 0) + amount

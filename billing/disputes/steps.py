"""The steps people take on a filed dispute: take, comment (or answer), ask the filer,
settle, reopen, withdraw. Escalation has a module of its own (escalation.py).

    open     take, comment                 -> open
    open     ask the filer for information -> waiting  (the tier's clock stops)
    waiting  the filer answers             -> open     (the clock runs on)
    open, waiting   settle                 -> settled  (full, partial credit or denial)
    open, waiting   the filer withdraws    -> withdrawn
    settled  reopen within 30 days         -> open at the tier that settled

Who may take which step when is billing.disputes.rules.allowed_steps; each step here
refuses, through the same rule, one it does not allow. Every step writes one timeline
event and returns it, so that the caller can notify the people it concerns.

Each step locks the dispute's row and reads it afresh, so two people acting at once
act one after the other: the second sees the first's result and is refused if the
step no longer applies (two settlements give one credit note).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_hours
from billing.core.db import locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account
from billing.core.money import Money
from billing.disputes import tiers
from billing.disputes.holds import lock_invoice, open_amount_minor
from billing.disputes.models import OUTCOMES, Dispute
from billing.disputes.rules import REOPEN_DAYS, StepRefused, check_text, require_step
from billing.disputes.timeline import Step, deadline, record
from billing.invoicing.credit_notes import create_credit_note
from billing.parties.bill_to import bill_to
from billing.parties.models import Customer
from billing.parties.users import User


def get_locked(session: Session, dispute_id: int) -> Dispute:
    """The dispute, its row locked for this transaction and read afresh."""
    dispute = locked_row(session, Dispute, dispute_id)
    if dispute is None:
        raise NotFound("No such dispute.")
    return dispute


def take(session: Session, dispute_id: int, user: User, now: datetime) -> Step:
    """Staff of the tier take the dispute to work it."""
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "take", now)
    dispute.assigned_to = user
    return Step(dispute, record(session, dispute, "assigned", user, now))


def comment(session: Session, dispute_id: int, user: User, body: str, now: datetime,
            internal: bool = False) -> Step:
    """A note on the timeline. The filer's note on a dispute waiting for it is its
    answer: the clock runs again. Internal notes are staff's, unseen by the filer."""
    check_text(body, "Comment")
    dispute = get_locked(session, dispute_id)
    answers = not user.is_staff and not internal and dispute.status == "waiting"
    require_step(dispute, user, "internal_note" if internal else
                 "answer" if answers else "comment", now)
    if answers:
        dispute.status = "open"
        event = record(session, dispute, "info_provided", user, now, body=body)
        dispute.deadline_at = deadline(dispute, now)
        return Step(dispute, event)
    return Step(dispute, record(session, dispute, "commented", user, now, body=body,
                                detail={"internal": True} if internal else {}))


def ask_for_information(session: Session, dispute_id: int, user: User, question: str,
                        now: datetime) -> Step:
    """Staff ask the filer a question; the tier's clock stops until the answer."""
    check_text(question, "Question")
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "ask", now)
    dispute.status, dispute.deadline_at = "waiting", None
    return Step(dispute, record(session, dispute, "info_requested", user, now, body=question))


def settle(session: Session, dispute_id: int, user: User, *, outcome: str, now: datetime,
           credit_minor: int | None = None, reason: str | None = None) -> Step:
    """Full credit, partial credit or denial, within the tier's authority.

    A credit issues one credit note (reason "dispute"), applied on the next invoice of
    the account that pays for the disputed one. After a reopen, the note is for what
    the new settlement adds to what was granted before.
    """
    _lock_paying_account(session, dispute_id)
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "settle", now)
    total_credit = _settled_credit(dispute, outcome, credit_minor, reason)
    limit = tiers.authority_minor(dispute.tier, dispute.currency)
    if total_credit > limit:
        raise StepRefused(
            f"{dispute.tier.name} may grant up to {_money(limit, dispute.currency)}; "
            f"escalate {dispute.reference} to settle it for "
            f"{_money(total_credit, dispute.currency)}.")
    added = total_credit - dispute.credit_minor
    if added < 0:
        raise StepRefused(f"{dispute.reference} was already granted "
                          f"{_money(dispute.credit_minor, dispute.currency)}; a settlement "
                          f"cannot take credit back.")
    if added > 0:
        dispute.credit_note = create_credit_note(
            session, customer=bill_to(dispute.customer), amount_minor=added,
            currency=dispute.currency, reason="dispute", now=now,
            reference=f"Dispute {dispute.reference} on invoice {dispute.invoice.number}")
    dispute.status, dispute.outcome = "settled", outcome
    dispute.outcome_reason = (reason or "").strip() or None
    dispute.credit_minor, dispute.deadline_at = total_credit, None
    dispute.settled_at, dispute.settled_by, dispute.closed_at = now, user, now
    detail = {"outcome": outcome, "credit_minor": total_credit, "added_minor": added,
              "credit_note": dispute.credit_note.number if added else None}
    return Step(dispute, record(session, dispute, "settled", user, now,
                                body=dispute.outcome_reason, detail=detail))


def _lock_paying_account(session: Session, dispute_id: int) -> None:
    """A settlement's credit note changes what the account that pays the invoice owes:
    its lock comes before the dispute's row (billing.core.locks)."""
    customer_id = session.scalar(select(Dispute.customer_id).where(Dispute.id == dispute_id))
    if customer_id is None:
        raise NotFound("No such dispute.")
    lock_account(session, bill_to(session.get(Customer, customer_id)).id)


def _settled_credit(dispute: Dispute, outcome: str, credit_minor, reason) -> int:
    if outcome not in OUTCOMES:
        raise InvalidInput("A settlement is a full credit, a partial credit or a denial.")
    if outcome != "full":
        check_text(reason, "Say why" if outcome == "denied" else "Reason for the partial credit")
    if outcome == "full":
        return dispute.amount_minor
    if outcome == "denied":
        return dispute.credit_minor  # what an earlier settlement granted stays granted
    if not isinstance(credit_minor, int) or not 0 < credit_minor < dispute.amount_minor:
        raise InvalidInput(f"A partial credit is more than zero and less than the "
                           f"{_money(dispute.amount_minor, dispute.currency)} disputed.")
    return credit_minor


def reopen(session: Session, dispute_id: int, user: User, reason: str, now: datetime,
           reopen_days: int = REOPEN_DAYS) -> Step:
    """Back to the tier that settled it, with a new clock, within 30 days of settlement."""
    check_text(reason, "Reason for reopening")
    invoice_id = session.scalar(select(Dispute.invoice_id).where(Dispute.id == dispute_id))
    if invoice_id is not None:
        lock_invoice(session, invoice_id)
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "reopen", now, reopen_days=reopen_days)
    still_open = open_amount_minor(session, dispute.invoice, [line.id for line in dispute.lines],
                                   exclude_id=dispute.id)
    if dispute.amount_minor > still_open:
        raise StepRefused(f"{dispute.reference} cannot be reopened: other disputes of invoice "
                          f"{dispute.invoice.number} now hold or were granted part of its "
                          f"amount.")
    dispute.status, dispute.closed_at, dispute.tier_started_at = "open", None, now
    dispute.deadline_at = add_business_hours(now, dispute.tier.response_hours)
    return Step(dispute, record(session, dispute, "reopened", user, now, body=reason))


def withdraw(session: Session, dispute_id: int, user: User, now: datetime,
             reason: str | None = None) -> Step:
    """The filer's side takes the dispute back; nothing is held any more, so what the
    account owes now changes: its lock comes first, as for filing."""
    invoice_id = session.scalar(select(Dispute.invoice_id).where(Dispute.id == dispute_id))
    if invoice_id is not None:
        lock_invoice(session, invoice_id)
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "withdraw", now)
    dispute.status, dispute.deadline_at, dispute.closed_at = "withdrawn", None, now
    return Step(dispute, record(session, dispute, "withdrawn", user, now,
                                body=(reason or "").strip() or None))


def _money(minor: int, currency: str) -> str:
    return f"{Money(minor, currency).major:,} {currency}"

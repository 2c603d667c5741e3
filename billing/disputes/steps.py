"""Billing disputes: filing, the amount held, and each step along the escalation path.

The steps a dispute may take (anything else is refused with a clear error):

    open     take, comment                 -> open
    open     ask the filer for information -> waiting  (the tier's clock stops)
    waiting  the filer answers             -> open     (the clock runs on)
    open     escalate                      -> open at the next tier, with a new clock
    waiting  escalate                      -> open at the next tier, with a new clock
    open, waiting   settle                 -> settled  (full, partial credit or denial)
    open, waiting   the filer withdraws    -> withdrawn
    settled  reopen within 30 days         -> open at the tier that settled

Staff escalate at any time; the filer only once the tier's deadline has passed; the
scheduled job (`escalate_overdue`) when it has passed. Every step writes one timeline
event and returns it, so that the caller can notify the people it concerns.

Each step locks the dispute's row and reads it afresh, so two people acting at once
act one after the other: the second sees the first's result and is refused if the
step no longer applies (two settlements give one credit note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_hours
from billing.core.clock import provider_date
from billing.core.db import begin_writing
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account, lock_invoices
from billing.core.money import MAX_MINOR, Money
from billing.disputes import tiers
from billing.disputes.models import DISPUTE_REASONS, OUTCOMES, Dispute, DisputeEvent, DisputeTier
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.bill_to import bill_to
from billing.parties.models import Customer
from billing.parties.users import User

DEFAULT_WINDOW_DAYS = 180
REOPEN_DAYS = 30
MAX_TEXT = 4000
RESUBMIT_WINDOW = timedelta(minutes=10)
DISPUTABLE_KINDS = ("recurring", "one_time", "usage", "proration", "tax", "fee")


class StepRefused(InvalidInput):
    """The dispute is not in a state (or the user not in a role) where this step applies."""

    code = "step_refused"


class AmountTooLarge(InvalidInput):
    """More than is open was claimed. The message leaves the open amount out, since the
    filer may not be allowed to see the invoice's amounts; `open_minor` has it."""

    code = "amount_too_large"

    def __init__(self, open_minor: int):
        super().__init__("The amount is more than is still open on what you dispute.")
        self.open_minor = open_minor


@dataclass(frozen=True)
class Step:
    dispute: Dispute
    event: DisputeEvent


# --- what is still open to dispute (what is held and due: billing.invoicing.balance) ----

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


# --- filing ------------------------------------------------------------------------------

def file_dispute(session: Session, *, invoice: Invoice, user: User, reason: str,
                 description: str, amount_minor: int, now: datetime, line_ids=(),
                 window_days: int = DEFAULT_WINDOW_DAYS) -> Step:
    """A customer's, or its partner's, dispute of an invoice (whole, or some lines).

    The caller has checked that the user may reach the invoice. The same dispute sent
    twice within minutes (a double click) gives back the first.
    """
    _check_filing(invoice, reason, description, amount_minor, now, window_days, user)
    _lock_invoice(session, invoice.id)
    lines = _chosen_lines(session, invoice, line_ids)
    again = _same_dispute_just_filed(session, invoice, user, reason, description,
                                     amount_minor, lines, now)
    if again is not None:
        return Step(again, again.events[0])
    open_minor = open_amount_minor(session, invoice, [line.id for line in lines])
    if amount_minor > open_minor:
        raise AmountTooLarge(open_minor)
    tier = tiers.first_tier(session)
    dispute = Dispute(
        invoice=invoice, customer_id=invoice.customer_id, currency=invoice.currency,
        partner_id=user.partner_id, filed_by=user, filed_at=now, reason=reason,
        description=description.strip(), amount_minor=amount_minor, status="open",
        tier=tier, tier_started_at=now, lines=lines, credit_minor=0,
        deadline_at=add_business_hours(now, tier.response_hours))
    session.add(dispute)
    return Step(dispute, _event(session, dispute, "filed", user, now))


def _lock_invoice(session: Session, invoice_id: int) -> None:
    """Filings and reopenings of one invoice take turns: each checks what is open. They
    change what the account owes now, so they take its lock first (billing.core.locks)."""
    customer_id = session.scalar(select(Invoice.customer_id).where(Invoice.id == invoice_id))
    lock_account(session, customer_id)
    lock_invoices(session, [invoice_id])


def _check_filing(invoice, reason, description, amount_minor, now, window_days, user):
    if user.is_staff:
        raise StepRefused("Disputes are filed by the customer or its partner.")
    if invoice.status in ("draft", "void") or invoice.issue_date is None:
        raise StepRefused("Only an issued invoice can be disputed.")
    last_day = invoice.issue_date + timedelta(days=window_days)
    if provider_date(now) > last_day:
        raise StepRefused(f"Invoice {invoice.number} can no longer be disputed: the window "
                          f"of {window_days} days closed on {last_day.isoformat()}.")
    if reason not in DISPUTE_REASONS:
        raise InvalidInput("Choose the reason for the dispute.")
    _check_text(description, "Describe what is wrong")
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise InvalidInput("The disputed amount must be more than zero.")
    if amount_minor > MAX_MINOR:
        raise InvalidInput("The disputed amount is larger than any invoice.")


def _check_text(text: str | None, what: str) -> None:
    if not (text or "").strip():
        raise InvalidInput(f"{what}: the text is empty.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what}: at most {MAX_TEXT} characters.")
    if "\x00" in text:
        raise InvalidInput(f"{what}: the text contains a NUL character.")


def _chosen_lines(session: Session, invoice: Invoice, line_ids) -> list[InvoiceLine]:
    wanted = set(line_ids)
    if not wanted:
        return []
    lines = [line for line in invoice.lines
             if line.id in wanted and line.kind in DISPUTABLE_KINDS]
    if len(lines) != len(wanted):
        raise InvalidInput("Choose lines of this invoice that charge something.")
    return lines


def _same_dispute_just_filed(session, invoice, user, reason, description, amount_minor,
                             lines, now) -> Dispute | None:
    recent = session.scalars(select(Dispute).where(
        Dispute.invoice_id == invoice.id, Dispute.filed_by_id == user.id,
        Dispute.reason == reason, Dispute.amount_minor == amount_minor,
        Dispute.filed_at >= now - RESUBMIT_WINDOW))
    for dispute in recent:
        if dispute.description == description.strip() and dispute.lines == lines:
            return dispute
    return None


# --- the steps ---------------------------------------------------------------------------

def get_locked(session: Session, dispute_id: int) -> Dispute:
    """The dispute, its row locked for this transaction and read afresh."""
    begin_writing(session)
    dispute = session.scalars(select(Dispute).where(Dispute.id == dispute_id)
                              .with_for_update().execution_options(populate_existing=True)).first()
    if dispute is None:
        raise NotFound("No such dispute.")
    return dispute


def take(session: Session, dispute_id: int, user: User, now: datetime) -> Step:
    dispute = get_locked(session, dispute_id)
    _require_worker(dispute, user, "take")
    if not dispute.is_active:
        raise StepRefused(f"{dispute.reference} is {dispute.status}: there is nothing to work.")
    if dispute.assigned_to_id == user.id:
        raise StepRefused(f"You already work {dispute.reference}.")
    dispute.assigned_to = user
    return Step(dispute, _event(session, dispute, "assigned", user, now))


def comment(session: Session, dispute_id: int, user: User, body: str, now: datetime,
            internal: bool = False) -> Step:
    """A note on the timeline. The filer's note on a dispute waiting for it is its
    answer: the clock runs again. Internal notes are staff's, unseen by the filer."""
    _check_text(body, "Comment")
    dispute = get_locked(session, dispute_id)
    if user.is_staff:
        _require_worker(dispute, user, "comment on")
    elif internal:
        raise StepRefused("Only staff write internal notes.")
    if not dispute.is_active:
        raise StepRefused(f"{dispute.reference} is {dispute.status}: reopen it to comment.")
    if dispute.status == "waiting" and not user.is_staff:
        dispute.status = "open"
        event = _event(session, dispute, "info_provided", user, now, body=body)
        dispute.deadline_at = deadline(dispute, now)
        return Step(dispute, event)
    return Step(dispute, _event(session, dispute, "commented", user, now, body=body,
                                detail={"internal": True} if internal else {}))


def ask_for_information(session: Session, dispute_id: int, user: User, question: str,
                        now: datetime) -> Step:
    _check_text(question, "Question")
    dispute = get_locked(session, dispute_id)
    _require_worker(dispute, user, "ask about")
    if dispute.status != "open":
        raise StepRefused(f"{dispute.reference} is {dispute.status}; only an open dispute "
                          f"can wait for the filer.")
    dispute.status, dispute.deadline_at = "waiting", None
    return Step(dispute, _event(session, dispute, "info_requested", user, now, body=question))


def escalate(session: Session, dispute_id: int, user: User | None, now: datetime,
             note: str | None = None) -> Step:
    """Move the dispute to the next tier. `user` None is the deadline job."""
    dispute = get_locked(session, dispute_id)
    if not dispute.is_active:
        raise StepRefused(f"{dispute.reference} is {dispute.status} and cannot escalate.")
    if user is None or not user.is_staff:
        if dispute.status != "open" or not _overdue(dispute, now):
            raise StepRefused(f"{dispute.reference} can be escalated once its tier's "
                              f"deadline has passed.")
    else:
        _require_worker(dispute, user, "escalate")
    higher = tiers.next_tier(session, dispute.tier)
    if higher is None:
        raise StepRefused(f"{dispute.reference} is at the last tier of the escalation path.")
    by = "deadline" if user is None else "staff" if user.is_staff else "filer"
    if note is not None:
        _check_text(note, "Reason for escalating")
    detail = {"from_level": dispute.tier.level, "to_level": higher.level, "by": by}
    dispute.tier, dispute.tier_started_at, dispute.assigned_to = higher, now, None
    dispute.status = "open"
    dispute.deadline_at = add_business_hours(now, higher.response_hours)
    return Step(dispute, _event(session, dispute, "escalated", user, now, body=note,
                                detail=detail))


def settle(session: Session, dispute_id: int, user: User, *, outcome: str, now: datetime,
           credit_minor: int | None = None, reason: str | None = None) -> Step:
    """Full credit, partial credit or denial, within the tier's authority.

    A credit issues one credit note (reason "dispute"), applied on the next invoice of
    the account that pays for the disputed one. After a reopen, the note is for what
    the new settlement adds to what was granted before.
    """
    _lock_paying_account(session, dispute_id)
    dispute = get_locked(session, dispute_id)
    _require_worker(dispute, user, "settle")
    if not dispute.is_active:
        raise StepRefused(f"{dispute.reference} is already {dispute.status}.")
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
    return Step(dispute, _event(session, dispute, "settled", user, now,
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
        _check_text(reason, "Say why" if outcome == "denied" else "Reason for the partial credit")
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
    _check_text(reason, "Reason for reopening")
    invoice_id = session.scalar(select(Dispute.invoice_id).where(Dispute.id == dispute_id))
    if invoice_id is not None:
        _lock_invoice(session, invoice_id)
    dispute = get_locked(session, dispute_id)
    if user.is_staff:
        _require_worker(dispute, user, "reopen")
    if dispute.status != "settled":
        raise StepRefused(f"{dispute.reference} is {dispute.status}; only a settled dispute "
                          f"can be reopened.")
    if now > dispute.settled_at + timedelta(days=reopen_days):
        raise StepRefused(f"{dispute.reference} was settled more than {reopen_days} days ago "
                          f"and can no longer be reopened; file a new dispute instead.")
    still_open = open_amount_minor(session, dispute.invoice, [line.id for line in dispute.lines],
                                   exclude_id=dispute.id)
    if dispute.amount_minor > still_open:
        raise StepRefused(f"{dispute.reference} cannot be reopened: other disputes of invoice "
                          f"{dispute.invoice.number} now hold or were granted part of its "
                          f"amount.")
    dispute.status, dispute.closed_at, dispute.tier_started_at = "open", None, now
    dispute.deadline_at = add_business_hours(now, dispute.tier.response_hours)
    return Step(dispute, _event(session, dispute, "reopened", user, now, body=reason))


def withdraw(session: Session, dispute_id: int, user: User, now: datetime,
             reason: str | None = None) -> Step:
    dispute = get_locked(session, dispute_id)
    if user.is_staff:
        raise StepRefused("Only the customer or its partner can withdraw a dispute.")
    if not dispute.is_active:
        raise StepRefused(f"{dispute.reference} is {dispute.status} and cannot be withdrawn.")
    dispute.status, dispute.deadline_at, dispute.closed_at = "withdrawn", None, now
    return Step(dispute, _event(session, dispute, "withdrawn", user, now,
                                body=(reason or "").strip() or None))


@dataclass(frozen=True)
class Escalated:
    """What the escalation job did to one dispute."""

    dispute_id: int
    reference: str
    from_level: int
    to_level: int


def escalate_overdue(session: Session, now: datetime, notify=None) -> list[Escalated]:
    """Escalate every open dispute whose deadline has passed, each in its own transaction
    (`notify(step)` runs inside it, so the notices are queued with the escalation).

    Safe to run often and from two schedulers at once: a dispute is re-read under its
    row lock, and one escalated already has a deadline in the future. The last tier has
    no one to escalate to; its overdue disputes stay where they are (reports show them).
    What each escalation loaded leaves the session after its commit, so a long backlog
    costs the same per dispute from the first to the last.
    """
    last_level = session.scalar(select(func.max(DisputeTier.level)))
    due = session.scalars(
        select(Dispute.id).join(Dispute.tier)
        .where(Dispute.status == "open", Dispute.deadline_at < now,
               DisputeTier.level < last_level)
        .order_by(Dispute.deadline_at, Dispute.id)).all()
    session.rollback()
    known = set(session.identity_map.keys())
    done = []
    for dispute_id in due:
        try:  # under the row lock, escalate checks again that it is open and overdue
            step = escalate(session, dispute_id, None, now)
        except StepRefused:
            session.rollback()
            continue
        if notify is not None:
            notify(step)
        done.append(Escalated(dispute_id, step.dispute.reference,
                              step.event.detail["from_level"], step.event.detail["to_level"]))
        session.commit()
        _forget_all_but(session, known)
    return done


def _forget_all_but(session: Session, known: set) -> None:
    """Let go of the rows a step loaded (every commit expires all the session holds, so
    a session that only grows makes each commit slower than the last)."""
    for key, obj in list(session.identity_map.items()):
        if key not in known:
            session.expunge(obj)


# --- deadlines and events ------------------------------------------------------------------

def pauses(dispute: Dispute, now: datetime) -> list[tuple[datetime, datetime]]:
    """The times, since the tier took the dispute, when it waited for the filer."""
    spans, asked = [], None
    for event in dispute.events:
        if event.at < dispute.tier_started_at:
            continue
        if event.kind == "info_requested":
            asked = event.at
        elif event.kind == "info_provided" and asked is not None:
            spans.append((asked, event.at))
            asked = None
    if asked is not None:
        spans.append((asked, now))
    return spans


def deadline(dispute: Dispute, now: datetime) -> datetime:
    """When the current tier must answer: its business hours from when it took the
    dispute, not counting the time spent waiting for the filer."""
    return add_business_hours(dispute.tier_started_at, dispute.tier.response_hours,
                              pauses(dispute, now))


def _overdue(dispute: Dispute, now: datetime) -> bool:
    return dispute.deadline_at is not None and dispute.deadline_at < now


def _require_worker(dispute: Dispute, user: User, what: str) -> None:
    if not tiers.may_work(user, dispute.tier):
        raise StepRefused(f"Only {dispute.tier.name} staff or higher may {what} "
                          f"{dispute.reference}.")


def _event(session: Session, dispute: Dispute, kind: str, user: User | None, now: datetime,
           body: str | None = None, detail: dict | None = None) -> DisputeEvent:
    # Set from the event's side: an unloaded timeline is not read just to add to it.
    event = DisputeEvent(dispute=dispute, kind=kind, at=now, actor=user, tier=dispute.tier,
                         body=body, detail=detail or {})
    session.add(event)
    session.flush()
    return event


def _money(minor: int, currency: str) -> str:
    return f"{Money(minor, currency).major:,} {currency}"

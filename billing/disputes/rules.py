"""What a dispute allows, asked by the step functions and the pages alike.

Three rules live here and nowhere else: the filing window (may this invoice still be
disputed, and until when), "overdue" (has the current tier's deadline passed), and the
steps a user may take on a dispute now. A page offers exactly the steps
`allowed_steps` returns, and each step function refuses, through `require_step`, a
step that is not among them, with the reason `step_refusal` gives.

The steps and who may take them:

    take            billing staff of the tier (or higher), on an active dispute not theirs yet
    comment         staff of the tier on an active dispute; the filer's side while it is open
    internal_note   staff of the tier, on an active dispute
    ask             staff of the tier, on an open dispute (the tier's clock stops)
    answer          the filer's side, on a dispute waiting for it (the clock runs on)
    escalate        staff of the tier at any time while active; the filer's side, and the
                    deadline job (no user), only on an open dispute once overdue; never
                    from the last tier
    settle          staff of the tier, on an active dispute
    reopen          staff of the tier, or the filer's side, within 30 days of settlement
    withdraw        the filer's side, on an active dispute
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import object_session

from billing.core.clock import provider_date
from billing.core.errors import Conflict, InvalidInput
from billing.disputes import tiers
from billing.disputes.models import Dispute
from billing.invoicing.models import Invoice
from billing.parties.users import User

DEFAULT_WINDOW_DAYS = 180
REOPEN_DAYS = 30
MAX_TEXT = 4000
STEPS = ("take", "comment", "internal_note", "ask", "answer", "escalate", "settle",
         "reopen", "withdraw")


class StepRefused(Conflict):
    """The dispute is not in a state (or the user not in a role) where this step applies."""

    code = "step_refused"


# --- the filing window ---------------------------------------------------------------------

@dataclass(frozen=True)
class FilingWindow:
    """Whether an invoice may be disputed at a moment, and its last day (None: never,
    as for a draft or a void invoice)."""

    is_open: bool
    last_day: date | None


def filing_window(invoice: Invoice, now: datetime,
                  window_days: int = DEFAULT_WINDOW_DAYS) -> FilingWindow:
    """An issued invoice may be disputed through its issue date plus `window_days`,
    counted on the provider's calendar (its time zone), not UTC's."""
    if invoice.status in ("draft", "void") or invoice.issue_date is None:
        return FilingWindow(False, None)
    last_day = invoice.issue_date + timedelta(days=window_days)
    return FilingWindow(provider_date(now) <= last_day, last_day)


def filing_refusal(invoice: Invoice, user: User, now: datetime,
                   window_days: int = DEFAULT_WINDOW_DAYS) -> str | None:
    """Why this user may not file a dispute of the invoice now; None if they may.
    Staff do not file: disputes are the customer's, or its partner's, claim."""
    if user.is_staff:
        return "Disputes are filed by the customer or its partner."
    window = filing_window(invoice, now, window_days)
    if window.last_day is None:
        return "Only an issued invoice can be disputed."
    if not window.is_open:
        return (f"Invoice {invoice.number} can no longer be disputed: the window of "
                f"{window_days} days closed on {window.last_day.isoformat()}.")
    return None


# --- the deadline --------------------------------------------------------------------------

def is_overdue(dispute: Dispute, now: datetime) -> bool:
    """The open dispute's tier deadline has passed: strictly after it, not at the
    instant. Waiting and closed disputes have no deadline, so are never overdue."""
    return (dispute.status == "open" and dispute.deadline_at is not None
            and dispute.deadline_at < now)


def overdue_clause(now: datetime):
    """is_overdue as a SQL condition on Dispute, for queues, reports and the job."""
    return (Dispute.status == "open") & (Dispute.deadline_at < now)


def reopen_until(dispute: Dispute, reopen_days: int = REOPEN_DAYS) -> datetime | None:
    """The last moment a settled dispute may be reopened; None if it is not settled."""
    if dispute.status != "settled" or dispute.settled_at is None:
        return None
    return dispute.settled_at + timedelta(days=reopen_days)


# --- the steps -----------------------------------------------------------------------------

def allowed_steps(dispute: Dispute, user: User | None, now: datetime, *,
                  reopen_days: int = REOPEN_DAYS) -> frozenset[str]:
    """The steps (of STEPS) this user may take on the dispute now; `user` None is the
    deadline job, which may only escalate."""
    return frozenset(step for step in STEPS
                     if step_refusal(dispute, user, step, now, reopen_days=reopen_days) is None)


def require_step(dispute: Dispute, user: User | None, step: str, now: datetime, *,
                 reopen_days: int = REOPEN_DAYS) -> None:
    """Refuse (StepRefused) a step that allowed_steps would not offer."""
    refusal = step_refusal(dispute, user, step, now, reopen_days=reopen_days)
    if refusal is not None:
        raise StepRefused(refusal)


def step_refusal(dispute: Dispute, user: User | None, step: str, now: datetime, *,
                 reopen_days: int = REOPEN_DAYS) -> str | None:
    """Why the user may not take `step` on the dispute now; None if they may."""
    if user is None and step != "escalate":
        return "Only the deadline job acts without a user, and it only escalates."
    return _RULES[step](dispute, user, now, reopen_days)


def _worker(dispute: Dispute, user: User, what: str) -> str | None:
    if not tiers.may_work(user, dispute.tier):
        return f"Only {dispute.tier.name} staff or higher may {what} {dispute.reference}."
    return None


def _take(dispute, user, now, reopen_days):
    return (_worker(dispute, user, "take")
            or _active(dispute, "there is nothing to work")
            or (f"You already work {dispute.reference}."
                if dispute.assigned_to_id == user.id else None))


def _comment(dispute, user, now, reopen_days):
    if user.is_staff:
        return _worker(dispute, user, "comment on") or _active(dispute, "reopen it to comment")
    return (_active(dispute, "reopen it to comment")
            or (f"{dispute.reference} waits for your answer." if dispute.status == "waiting"
                else None))


def _internal_note(dispute, user, now, reopen_days):
    if not user.is_staff:
        return "Only staff write internal notes."
    return _comment(dispute, user, now, reopen_days)


def _ask(dispute, user, now, reopen_days):
    return _worker(dispute, user, "ask about") or (
        None if dispute.status == "open" else
        f"{dispute.reference} is {dispute.status}; only an open dispute can wait for the filer.")


def _answer(dispute, user, now, reopen_days):
    if user.is_staff:
        return "Only the customer or its partner answers a question to the filer."
    return _active(dispute, "reopen it to comment") or (
        None if dispute.status == "waiting" else
        f"{dispute.reference} is {dispute.status}: no question waits for an answer.")


def _escalate(dispute, user, now, reopen_days):
    if not dispute.is_active:
        return f"{dispute.reference} is {dispute.status} and cannot escalate."
    if user is None or not user.is_staff:
        if dispute.status != "open" or not is_overdue(dispute, now):
            return (f"{dispute.reference} can be escalated once its tier's deadline has "
                    f"passed.")
    else:
        refused = _worker(dispute, user, "escalate")
        if refused:
            return refused
    if tiers.next_tier(object_session(dispute), dispute.tier) is None:
        return f"{dispute.reference} is at the last tier of the escalation path."
    return None


def _settle(dispute, user, now, reopen_days):
    return (_worker(dispute, user, "settle")
            or (None if dispute.is_active else
                f"{dispute.reference} is already {dispute.status}."))


def _reopen(dispute, user, now, reopen_days):
    refused = _worker(dispute, user, "reopen") if user.is_staff else None
    if refused:
        return refused
    if dispute.status != "settled":
        return (f"{dispute.reference} is {dispute.status}; only a settled dispute can be "
                f"reopened.")
    if now > reopen_until(dispute, reopen_days):
        return (f"{dispute.reference} was settled more than {reopen_days} days ago and can "
                f"no longer be reopened; file a new dispute instead.")
    return None


def _withdraw(dispute, user, now, reopen_days):
    if user.is_staff:
        return "Only the customer or its partner can withdraw a dispute."
    return (None if dispute.is_active else
            f"{dispute.reference} is {dispute.status} and cannot be withdrawn.")


def _active(dispute: Dispute, otherwise: str) -> str | None:
    return None if dispute.is_active else f"{dispute.reference} is {dispute.status}: {otherwise}."


_RULES = {"take": _take, "comment": _comment, "internal_note": _internal_note, "ask": _ask,
          "answer": _answer, "escalate": _escalate, "settle": _settle, "reopen": _reopen,
          "withdraw": _withdraw}


def check_text(text: str | None, what: str) -> None:
    """A step's words: not empty, at most MAX_TEXT characters, no NUL."""
    if not (text or "").strip():
        raise InvalidInput(f"{what}: the text is empty.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what}: at most {MAX_TEXT} characters.")
    if "\x00" in text:
        raise InvalidInput(f"{what}: the text contains a NUL character.")

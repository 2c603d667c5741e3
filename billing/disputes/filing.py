"""Filing a dispute: a customer's, or its partner's, claim on an issued invoice (whole,
or some of its lines) within the filing window, for no more than is still open."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_hours
from billing.core.errors import Conflict, InvalidInput
from billing.core.money import MAX_MINOR
from billing.disputes import tiers
from billing.disputes.holds import DISPUTABLE_KINDS, lock_invoice, open_amount_minor
from billing.disputes.models import DISPUTE_REASONS, Dispute
from billing.disputes.rules import DEFAULT_WINDOW_DAYS, StepRefused, check_text, filing_refusal
from billing.disputes.timeline import Step, record
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.users import User

RESUBMIT_WINDOW = timedelta(minutes=10)


class AmountTooLarge(Conflict):
    """More than is open was claimed. The message leaves the open amount out, since the
    filer may not be allowed to see the invoice's amounts; `open_minor` has it."""

    code = "amount_too_large"

    def __init__(self, open_minor: int):
        super().__init__("The amount is more than is still open on what you dispute.")
        self.open_minor = open_minor


def file_dispute(session: Session, *, invoice: Invoice, user: User, reason: str,
                 description: str, amount_minor: int, now: datetime, line_ids=(),
                 window_days: int = DEFAULT_WINDOW_DAYS, sees_amounts: bool = True) -> Step:
    """A customer's, or its partner's, dispute of an invoice (whole, or some lines).

    The caller has checked that the user may reach the invoice, and says whether the
    user may see its amounts (`sees_amounts`). One who may is refused a claim above
    what is open (AmountTooLarge names it). One who may not is never answered by what
    is open (DESIGN section 10): the claim is filed as typed and the dispute holds it
    capped to what is open, without a word. The same dispute sent twice within minutes
    (a double click) gives back the first.
    """
    _check_filing(invoice, reason, description, amount_minor, now, window_days, user)
    lock_invoice(session, invoice.id)
    lines = _chosen_lines(invoice, line_ids)
    again = _same_dispute_just_filed(session, invoice, user, reason, description,
                                     amount_minor, lines, now)
    if again is not None:
        return Step(again, again.events[0])
    open_minor = open_amount_minor(session, invoice, [line.id for line in lines])
    if amount_minor > open_minor and sees_amounts:
        raise AmountTooLarge(open_minor)
    tier = tiers.first_tier(session)
    dispute = Dispute(
        invoice=invoice, customer_id=invoice.customer_id, currency=invoice.currency,
        partner_id=user.partner_id, filed_by=user, filed_at=now, reason=reason,
        description=description.strip(), claimed_minor=amount_minor,
        amount_minor=min(amount_minor, max(open_minor, 0)), status="open",
        tier=tier, tier_started_at=now, lines=lines, credit_minor=0,
        deadline_at=add_business_hours(now, tier.response_hours))
    session.add(dispute)
    return Step(dispute, record(session, dispute, "filed", user, now))


def _check_filing(invoice, reason, description, amount_minor, now, window_days, user):
    refusal = filing_refusal(invoice, user, now, window_days)
    if refusal is not None:
        raise StepRefused(refusal)
    if reason not in DISPUTE_REASONS:
        raise InvalidInput("Choose the reason for the dispute.")
    check_text(description, "Describe what is wrong")
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise InvalidInput("The disputed amount must be more than zero.")
    if amount_minor > MAX_MINOR:
        raise InvalidInput("The disputed amount is larger than any invoice.")


def _chosen_lines(invoice: Invoice, line_ids) -> list[InvoiceLine]:
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
        Dispute.reason == reason, Dispute.claimed_minor == amount_minor,
        Dispute.filed_at >= now - RESUBMIT_WINDOW))
    for dispute in recent:
        if dispute.description == description.strip() and dispute.lines == lines:
            return dispute
    return None

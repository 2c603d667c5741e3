"""Escalation: a dispute moves to the next tier of the path, with a new clock.

Staff of the tier escalate at any time; the filer's side only once the tier's deadline
has passed; the scheduled job (`escalate_overdue`) when it has passed. The last tier
has no one to escalate to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_hours
from billing.disputes import tiers
from billing.disputes.models import Dispute, DisputeTier
from billing.disputes.rules import StepRefused, check_text, overdue_clause, require_step
from billing.disputes.steps import get_locked
from billing.disputes.timeline import Step, record
from billing.parties.users import User


def escalate(session: Session, dispute_id: int, user: User | None, now: datetime,
             note: str | None = None) -> Step:
    """Move the dispute to the next tier. `user` None is the deadline job."""
    dispute = get_locked(session, dispute_id)
    require_step(dispute, user, "escalate", now)
    higher = tiers.next_tier(session, dispute.tier)
    by = "deadline" if user is None else "staff" if user.is_staff else "filer"
    if note is not None:
        check_text(note, "Reason for escalating")
    detail = {"from_level": dispute.tier.level, "to_level": higher.level, "by": by}
    dispute.tier, dispute.tier_started_at, dispute.assigned_to = higher, now, None
    dispute.status = "open"
    dispute.deadline_at = add_business_hours(now, higher.response_hours)
    return Step(dispute, record(session, dispute, "escalated", user, now, body=note,
                                detail=detail))


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
    if last_level is None:  # no escalation path yet, so no dispute to escalate
        return []
    due = session.scalars(
        select(Dispute.id).join(Dispute.tier)
        .where(overdue_clause(now), DisputeTier.level < last_level)
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

"""A dispute's timeline: the event each step writes, and the deadline it sets.

The deadline is the tier's business hours from when it took the dispute, not counting
the time spent waiting for the filer (from "info_requested" to "info_provided").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_hours
from billing.disputes.models import Dispute, DisputeEvent
from billing.parties.users import User


@dataclass(frozen=True)
class Step:
    """A step taken: the dispute as it now is, and the event it wrote (to notify)."""

    dispute: Dispute
    event: DisputeEvent


def record(session: Session, dispute: Dispute, kind: str, user: User | None, now: datetime,
           body: str | None = None, detail: dict | None = None) -> DisputeEvent:
    """Write one timeline event of the dispute at its current tier, flushed."""
    # Set from the event's side: an unloaded timeline is not read just to add to it.
    event = DisputeEvent(dispute=dispute, kind=kind, at=now, actor=user, tier=dispute.tier,
                         body=body, detail=detail or {})
    session.add(event)
    session.flush()
    return event


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


def paused_since(dispute: Dispute, now: datetime) -> datetime | None:
    """When the tier asked the filer, while the dispute waits for the answer."""
    if dispute.status != "waiting":
        return None
    spans = pauses(dispute, now)
    return spans[-1][0] if spans else None


def deadline(dispute: Dispute, now: datetime) -> datetime:
    """When the current tier must answer: its business hours from when it took the
    dispute, not counting the time spent waiting for the filer."""
    return add_business_hours(dispute.tier_started_at, dispute.tier.response_hours,
                              pauses(dispute, now))

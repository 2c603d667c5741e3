"""Customer complaints about the use or disclosure of their CPNI, from receipt to closing.

The categories follow what the annual certification summarises: improper access by
employees, improper disclosure to someone not entitled to it, improper access to
online information, marketing use against the customer's choice, and anything else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import require_aware
from billing.core.db import locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.cpni.compliance_models import CpniComplaint
from billing.parties.models import Customer
from billing.parties.users import User

CATEGORIES = ("employee_access", "unauthorized_disclosure", "online_access", "marketing_use",
              "other")
MAX_TEXT = 5000


def record_complaint(session: Session, *, account_number: str, received_at: datetime,
                     category: str, summary: str, recorded_by: User,
                     now: datetime) -> CpniComplaint:
    """Register a complaint as received; it stays open until closed with a resolution."""
    number = (account_number or "").strip()
    customer = session.scalars(select(Customer).where(Customer.account_number == number)).first()
    if customer is None:
        raise InvalidInput(f"There is no account {number!r}.")
    if category not in CATEGORIES:
        raise InvalidInput(f"The category is one of {', '.join(CATEGORIES)}.")
    if require_aware(received_at) > now:
        raise InvalidInput("A complaint cannot have been received in the future.")
    complaint = CpniComplaint(customer=customer, received_at=received_at, category=category,
                              summary=_text(summary, "Summarise the complaint."),
                              recorded_by_id=recorded_by.id, status="open")
    session.add(complaint)
    session.flush()
    return complaint


def close_complaint(session: Session, complaint_id: int, *, resolution: str,
                    now: datetime) -> CpniComplaint:
    """Close an open complaint, saying how it was resolved."""
    complaint = locked_row(session, CpniComplaint, complaint_id)
    if complaint is None:
        raise NotFound("No such complaint.")
    if complaint.status == "closed":
        raise InvalidInput("This complaint is already closed.")
    complaint.resolution = _text(resolution, "Say how the complaint was resolved.")
    complaint.status, complaint.closed_at = "closed", now
    session.flush()
    return complaint


def _text(value: str | None, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"At most {MAX_TEXT} characters, please.")
    return text

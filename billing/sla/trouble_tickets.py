"""Trouble tickets recorded by support staff and their systems.

Staff and the API name the account by its number and the outage by its reference.
A ticket is recorded once per report: a replay with the same reference corrects the
ticket, and a resent form (same account, time and summary) finds the one it made.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.parties.models import Customer
from billing.parties.users import User
from billing.sla.credits import open_ticket
from billing.sla.models import Outage, TroubleTicket


def find_account(session: Session, account_number: str) -> Customer:
    number = (account_number or "").strip()
    customer = session.scalars(select(Customer).where(Customer.account_number == number)).first()
    if customer is None:
        raise InvalidInput(f"There is no account {number!r}.")
    return customer


def find_outage(session: Session, ref: str) -> Outage:
    ref = (ref or "").strip()
    outage = session.scalars(select(Outage).where(Outage.ref == ref)).first()
    if outage is None:
        raise InvalidInput(f"There is no outage with the reference {ref!r}.")
    return outage


def record_ticket(session: Session, *, account_number: str, opened_at: datetime, summary: str,
                  now: datetime, source: str, outage_ref: str | None = None,
                  ref: str | None = None, opened_by: User | None = None
                  ) -> tuple[TroubleTicket, bool]:
    """The ticket and whether it is new; nothing is saved if any part is wrong."""
    customer = find_account(session, account_number)
    outage = find_outage(session, outage_ref) if (outage_ref or "").strip() else None
    summary = (summary or "").strip()[:2000]
    if not summary:
        raise InvalidInput("Describe what failed.")
    if opened_at > now:
        raise InvalidInput("A ticket cannot have been opened in the future.")
    ref = (ref or "").strip()
    if len(ref) > 64:
        raise InvalidInput("A ticket reference has at most 64 characters.")
    same = select(TroubleTicket).where(TroubleTicket.ref == ref) if ref else (
        select(TroubleTicket).where(TroubleTicket.customer_id == customer.id,
                                    TroubleTicket.opened_at == opened_at,
                                    TroubleTicket.summary == summary))
    found = session.scalars(same.order_by(TroubleTicket.id)).first()
    if found is None:
        return open_ticket(session, customer=customer, opened_at=opened_at, summary=summary,
                           source=source, outage=outage, ref=ref or None,
                           opened_by=opened_by), True
    found.customer, found.opened_at, found.summary = customer, opened_at, summary
    found.outage = outage or found.outage
    session.flush()
    return found, False


RESUBMIT_WINDOW = timedelta(minutes=10)


def report_outage(session: Session, *, customer: Customer, summary: str, user: User,
                  now: datetime) -> tuple[TroubleTicket, bool]:
    """A ticket opened from the portal, and whether it is new: the same user sending the
    same report for the same account again within minutes (a double submit) gets the
    ticket it already has."""
    summary = (summary or "").strip()[:2000]
    earlier = session.scalars(select(TroubleTicket).where(
        TroubleTicket.customer_id == customer.id, TroubleTicket.opened_by_id == user.id,
        TroubleTicket.summary == summary, TroubleTicket.opened_at >= now - RESUBMIT_WINDOW,
    ).order_by(TroubleTicket.id)).first()
    if earlier is not None:
        return earlier, False
    return open_ticket(session, customer=customer, opened_at=now, summary=summary,
                       source="portal", opened_by=user), True


def link_ticket(session: Session, ticket_ref: str, outage: Outage) -> TroubleTicket:
    """Attach an existing ticket, named by its reference, to the outage it reported."""
    ref = (ticket_ref or "").strip()
    ticket = session.scalars(select(TroubleTicket).where(TroubleTicket.ref == ref)).first()
    if ticket is None:
        raise InvalidInput(f"There is no trouble ticket {ref!r}.")
    ticket.outage = outage
    session.flush()
    return ticket

"""Maintenance windows and their notices to customers' points of contact.

A window excuses downtime only if its notice went out at least a week before it began
(billing.sla.calculation.NOTICE_PERIOD). Sending is claimed with one conditional UPDATE, so two
clicks (or two staff) send the notice once; the caller commits after the mail went out
and rolls back if it failed, which leaves the window unnoticed and the send retryable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing.core.clock import PROVIDER_TZ
from billing.core.errors import InvalidInput, NotFound
from billing.parties.models import Customer
from billing.sla.calculation import NOTICE_PERIOD
from billing.sla.models import MaintenanceWindow

NOTICE_STATES = ("in_time", "late", "due", "missed")


def windows_of_year(session: Session, year: int) -> list[MaintenanceWindow]:
    """The windows starting in a calendar year on the provider's clock, in order."""
    start, end = (datetime.combine(date(y, 1, 1), time.min, PROVIDER_TZ).astimezone(UTC)
                  for y in (year, year + 1))
    return list(session.scalars(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.starts_at >= start, MaintenanceWindow.starts_at < end)
        .order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)))


def add_window(session: Session, *, starts_at: datetime, ends_at: datetime,
               description: str) -> MaintenanceWindow:
    """Schedule a window beyond the standard monthly ones (kind "extra")."""
    description = (description or "").strip()
    if ends_at <= starts_at:
        raise InvalidInput("A maintenance window must end after it starts.")
    if not description:
        raise InvalidInput("Say what the maintenance is for.")
    taken = session.scalar(select(MaintenanceWindow.id).where(
        MaintenanceWindow.kind == "extra", MaintenanceWindow.starts_at == starts_at))
    if taken:
        raise InvalidInput("Another maintenance window already starts at that time.")
    window = MaintenanceWindow(starts_at=starts_at, ends_at=ends_at, kind="extra",
                               description=description[:300])
    session.add(window)
    session.flush()
    return window


def notice_recipients(session: Session) -> list[tuple[str, str]]:
    """(address, locale) of every top-level account's point of contact, one per address.

    Locations share their corporate account's point of contact, so they get no copy.
    """
    rows = session.execute(
        select(Customer.email_of_record, Customer.locale)
        .where(Customer.parent_id.is_(None)).order_by(Customer.id))
    recipients = {}
    for address, locale in rows:
        recipients.setdefault(address.strip().lower(), locale)
    return sorted(recipients.items())


def send_notices(session: Session, window_id: int, now: datetime,
                 send: Callable[[str, str], None]) -> int:
    """Mark the window noticed as of `now` and call `send(address, locale)` once per
    recipient; returns how many were sent. A window is noticed once, and never after
    it has begun."""
    window = session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound("No such maintenance window.")
    if window.starts_at <= now:
        raise InvalidInput("This maintenance window has already begun; no notice is sent.")
    claimed = session.execute(
        update(MaintenanceWindow)
        .where(MaintenanceWindow.id == window.id, MaintenanceWindow.notice_sent_at.is_(None))
        .values(notice_sent_at=now)).rowcount
    if claimed != 1:
        raise InvalidInput("The notice for this maintenance window has already been sent.")
    recipients = notice_recipients(session)
    for address, locale in recipients:
        send(address, locale)
    return len(recipients)


def notice_state(window: MaintenanceWindow, now: datetime) -> str:
    """in_time: noticed a week ahead, it excuses downtime; late: noticed too late;
    due: not noticed yet, still a week or more ahead; missed: too late to notice in time."""
    latest = window.starts_at - NOTICE_PERIOD
    if window.notice_sent_at is not None:
        return "in_time" if window.notice_sent_at <= latest else "late"
    return "due" if now <= latest else "missed"

"""The CPNI breach register: what was breached, and telling law enforcement, then customers.

Deadlines count business days on the provider's calendar (Mountain Time): Monday to
Friday, US federal holidays and their observed days off (billing/business_hours.py).

- Law enforcement is due notice by the end of the 7th business day after the date the
  breach was determined. That date itself is never counted, business day or not: day 1
  is the first business day after it. The due day ends at midnight Mountain Time.
- Customers may be told only once 7 full business days have passed since law
  enforcement was notified. The day of that notice is not a full day and is not
  counted; customers may be told from midnight Mountain Time at the end of the 7th
  business day after it. An override recorded with its reason lifts the wait, but
  customers are never told before law enforcement.

Instants are aware UTC; every change locks the breach row and checks the state it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.business_hours import add_business_days
from billing.core.clock import PROVIDER_TZ, provider_date, require_aware
from billing.core.db import locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.cpni.compliance_models import CpniBreach
from billing.parties.models import Customer
from billing.parties.users import User

NOTICE_BUSINESS_DAYS = 7
CUSTOMER_WAIT_BUSINESS_DAYS = 7
MAX_DESCRIPTION = 5000
MAX_REASON = 1000
MAX_REFERENCE = 100

STATES = ("notice_due", "notice_overdue", "waiting", "customers_may_be_told",
          "customers_told")


@dataclass(frozen=True)
class BreachStatus:
    """Where a breach stands: `state` is one of STATES; `notice_late` says the
    law-enforcement notice was (or still is) missing when its due day ended."""

    state: str
    notice_due_on: date
    notice_late: bool
    customers_from: datetime | None
    overridden: bool


def end_of_day(day: date) -> datetime:
    """The instant (UTC) a provider calendar day ends: midnight Mountain Time after it."""
    return datetime.combine(day + timedelta(days=1), time(0), PROVIDER_TZ).astimezone(UTC)


def notice_due_on(determined_at: datetime) -> date:
    """The last day on which law enforcement may be notified in time."""
    return add_business_days(provider_date(determined_at), NOTICE_BUSINESS_DAYS)


def customers_may_be_told_from(law_enforcement_notified_at: datetime) -> datetime:
    """The first instant customers may be told without an override."""
    last_day = add_business_days(provider_date(law_enforcement_notified_at),
                                 CUSTOMER_WAIT_BUSINESS_DAYS)
    return end_of_day(last_day)


def breach_status(breach: CpniBreach, now: datetime) -> BreachStatus:
    due_on = notice_due_on(breach.determined_at)
    notified = breach.law_enforcement_notified_at
    late = (notified or now) >= end_of_day(due_on)
    told_from = customers_may_be_told_from(notified) if notified else None
    overridden = breach.override_at is not None
    if breach.customers_notified_at is not None:
        state = "customers_told"
    elif notified is None:
        state = "notice_overdue" if late else "notice_due"
    elif overridden or now >= told_from:
        state = "customers_may_be_told"
    else:
        state = "waiting"
    return BreachStatus(state, due_on, late, told_from, overridden)


def record_breach(session: Session, *, discovered_at: datetime, determined_at: datetime,
                  description: str, account_numbers: list[str], recorded_by: User,
                  now: datetime) -> CpniBreach:
    """Register a breach with the accounts whose CPNI it exposed; nothing is saved if
    any part is wrong."""
    discovered_at, determined_at = require_aware(discovered_at), require_aware(determined_at)
    if not discovered_at <= determined_at <= now:
        raise InvalidInput("A breach is discovered first, then determined, and neither "
                           "can be in the future.")
    description = _text(description, MAX_DESCRIPTION, "Describe the breach.")
    breach = CpniBreach(discovered_at=discovered_at, determined_at=determined_at,
                        description=description, recorded_by_id=recorded_by.id,
                        recorded_at=now, customers=_accounts(session, account_numbers))
    session.add(breach)
    session.flush()
    return breach


def record_law_enforcement_notice(session: Session, breach_id: int, *, notified_at: datetime,
                                  reference: str, now: datetime) -> CpniBreach:
    """Record when law enforcement was notified and the reference it gave."""
    breach = _locked(session, breach_id)
    notified_at = require_aware(notified_at)
    if breach.law_enforcement_notified_at is not None:
        raise InvalidInput(f"Law enforcement was already notified on "
                           f"{_local(breach.law_enforcement_notified_at)}.")
    if not breach.determined_at <= notified_at <= now:
        raise InvalidInput("Law enforcement is notified after the breach was determined, "
                           "and not in the future.")
    breach.law_enforcement_reference = _text(reference, MAX_REFERENCE,
                                             "Enter the reference law enforcement gave.")
    breach.law_enforcement_notified_at = notified_at
    session.flush()
    return breach


def record_override(session: Session, breach_id: int, *, reason: str, by: User,
                    now: datetime) -> CpniBreach:
    """Allow customers to be told before the 7 business days have passed, saying why."""
    breach = _locked(session, breach_id)
    _require_notice(breach)
    if breach.customers_notified_at is not None:
        raise InvalidInput("Customers were already notified; an override changes nothing.")
    if breach.override_at is not None:
        raise InvalidInput(f"An override was already recorded on {_local(breach.override_at)}.")
    breach.override_reason = _text(reason, MAX_REASON, "Give the reason for the override.")
    breach.override_by_id, breach.override_at = by.id, now
    session.flush()
    return breach


def record_customer_notice(session: Session, breach_id: int, *, notified_at: datetime,
                           now: datetime) -> CpniBreach:
    """Record when the affected customers were told; refused while the wait after the
    law-enforcement notice still runs and no override is recorded."""
    breach = _locked(session, breach_id)
    notified_at = require_aware(notified_at)
    _require_notice(breach)
    if breach.customers_notified_at is not None:
        raise InvalidInput(f"Customers were already notified on "
                           f"{_local(breach.customers_notified_at)}.")
    if not breach.law_enforcement_notified_at <= notified_at <= now:
        raise InvalidInput("Customers are notified after law enforcement, and not in "
                           "the future.")
    allowed_from = customers_may_be_told_from(breach.law_enforcement_notified_at)
    if notified_at < allowed_from and breach.override_at is None:
        raise InvalidInput(
            f"Customers may be notified only from {_local(allowed_from)}, once 7 full "
            f"business days have passed since law enforcement was notified. To notify "
            f"them earlier, record an override with its reason first.")
    breach.customers_notified_at = notified_at
    session.flush()
    return breach


def _require_notice(breach: CpniBreach) -> None:
    if breach.law_enforcement_notified_at is None:
        raise InvalidInput("Record the law-enforcement notice first: customers are never "
                           "told before law enforcement.")


def _accounts(session: Session, account_numbers: list[str]) -> list[Customer]:
    wanted = sorted({number.strip() for number in account_numbers if number.strip()})
    if not wanted:
        raise InvalidInput("Name at least one affected account.")
    found = list(session.scalars(select(Customer).where(Customer.account_number.in_(wanted))))
    missing = sorted(set(wanted) - {customer.account_number for customer in found})
    if missing:
        raise InvalidInput(f"There is no account {', '.join(missing)}.")
    return found


def _locked(session: Session, breach_id: int) -> CpniBreach:
    breach = locked_row(session, CpniBreach, breach_id)
    if breach is None:
        raise NotFound("No such breach.")
    return breach


def _text(value: str | None, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > limit:
        raise InvalidInput(f"At most {limit} characters, please.")
    return text


def _local(moment: datetime) -> str:
    return moment.astimezone(PROVIDER_TZ).strftime("%Y-%m-%d %H:%M %Z")

"""The dunning policy in force: read (created with its defaults on first use), checked
and changed by staff, and the accounts it leaves alone (exemptions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from billing.collections.models import (
    DEFAULT_POLICY,
    LATE_FEE_MODES,
    DunningExemption,
    DunningPolicy,
)
from billing.collections.schedule import Terms
from billing.core.db import among, begin_writing
from billing.core.errors import InvalidInput
from billing.core.money import MINOR_DIGITS
from billing.parties.models import Customer, Partner

MAX_OFFSET_DAYS = 365
MAX_STEPS = 12


def current(session: Session) -> DunningPolicy:
    """The policy row (the lowest id), created with the defaults if there is none yet."""
    policy = session.scalars(select(DunningPolicy).order_by(DunningPolicy.id)).first()
    if policy is None:
        policy = DunningPolicy(**DEFAULT_POLICY)
        session.add(policy)
        session.flush()
    return policy


def terms_of(policy: DunningPolicy) -> Terms:
    return Terms(reminder_offsets=tuple(int(o) for o in policy.reminder_offsets),
                 autopay_lead_days=policy.autopay_lead_days,
                 retry_days=tuple(int(d) for d in policy.retry_days),
                 grace_days=policy.grace_days, late_fee_mode=policy.late_fee_mode,
                 late_fee_percent=Decimal(policy.late_fee_percent),
                 late_fee_fixed={k: int(v) for k, v in (policy.late_fee_fixed or {}).items()})


@dataclass(frozen=True)
class PolicyChange:
    """What a staff member asks the policy to become, already parsed into values."""

    reminder_offsets: list[int]
    autopay_lead_days: int
    retry_days: list[int]
    grace_days: int
    late_fee_mode: str
    late_fee_percent: Decimal
    late_fee_fixed: dict[str, int]


def check(change: PolicyChange) -> dict[str, str]:
    """Per field, what is wrong with the change (empty when it may be saved)."""
    problems = {}
    if len(change.reminder_offsets) > MAX_STEPS or any(
            abs(o) > MAX_OFFSET_DAYS for o in change.reminder_offsets):
        problems["reminder_offsets"] = (f"At most {MAX_STEPS} steps, each within "
                                        f"{MAX_OFFSET_DAYS} days of the due date.")
    if not 0 <= change.autopay_lead_days <= 20:
        problems["autopay_lead_days"] = "Between 0 and 20 business days."
    if len(change.retry_days) > 6 or any(not 1 <= d <= 30 for d in change.retry_days) \
            or change.retry_days != sorted(set(change.retry_days)):
        problems["retry_days"] = "Up to 6 increasing numbers of days, each from 1 to 30."
    if not 0 <= change.grace_days <= 90:
        problems["grace_days"] = "Between 0 and 90 days."
    if change.late_fee_mode not in LATE_FEE_MODES:
        problems["late_fee_mode"] = "Choose no fee, a percent or a fixed amount."
    if not Decimal(0) <= change.late_fee_percent <= Decimal(25):
        problems["late_fee_percent"] = "Between 0 and 25 percent."
    if change.late_fee_mode == "percent" and change.late_fee_percent == 0:
        problems["late_fee_percent"] = "A percent fee needs a percent above zero."
    if any(c not in MINOR_DIGITS or a < 0 for c, a in change.late_fee_fixed.items()):
        problems["late_fee_fixed"] = "Amounts must not be negative."
    if change.late_fee_mode == "fixed" and not any(change.late_fee_fixed.values()):
        problems["late_fee_fixed"] = "A fixed fee needs an amount in at least one currency."
    return problems


def change_policy(session: Session, change: PolicyChange, by_user_id: int | None,
                  now: datetime) -> DunningPolicy:
    """Save a checked change; a change with problems is refused and saves nothing."""
    problems = check(change)
    if problems:
        raise InvalidInput(" ".join(problems.values()), code="invalid_policy")
    begin_writing(session)
    policy = current(session)
    for name, value in vars(change).items():
        setattr(policy, name, value)
    policy.reminder_offsets = sorted(set(change.reminder_offsets))
    policy.late_fee_fixed = {c: a for c, a in sorted(change.late_fee_fixed.items()) if a}
    policy.updated_at, policy.updated_by_id = now, by_user_id
    session.flush()
    return policy


def set_exemptions(session: Session, account_numbers: list[str], partner_codes: list[str],
                   now: datetime) -> None:
    """Replace the exemptions with these accounts and partners; an unknown one is refused
    (by what was typed) and nothing changes."""
    accounts = _ids(session, Customer.id, Customer.account_number, account_numbers, "account")
    partners = _ids(session, Partner.id, Partner.code, partner_codes, "partner")
    session.execute(delete(DunningExemption))
    session.add_all([DunningExemption(customer_id=i, created_at=now) for i in accounts]
                    + [DunningExemption(partner_id=i, created_at=now) for i in partners])
    session.flush()


def _ids(session, id_column, key_column, keys: list[str], what: str) -> list[int]:
    keys = sorted({k.strip() for k in keys if k.strip()})
    found = dict(session.execute(select(key_column, id_column).where(key_column.in_(keys))).all())
    missing = [k for k in keys if k not in found]
    if missing:
        raise InvalidInput(f"No such {what}: {', '.join(missing)}.", code="unknown_exemption")
    return sorted(found.values())


def exemptions(session: Session) -> tuple[list[str], list[str]]:
    """The exempt account numbers and partner codes, sorted."""
    accounts = session.scalars(select(Customer.account_number).join(
        DunningExemption, DunningExemption.customer_id == Customer.id)
        .order_by(Customer.account_number)).all()
    partners = session.scalars(select(Partner.code).join(
        DunningExemption, DunningExemption.partner_id == Partner.id)
        .order_by(Partner.code)).all()
    return list(accounts), list(partners)


def exempt_account_ids(session: Session, customer_ids) -> set[int]:
    """Of these accounts, those exempt by themselves or through their partner."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    by_partner = select(DunningExemption.partner_id).where(
        DunningExemption.partner_id.is_not(None))
    by_account = select(DunningExemption.customer_id).where(
        DunningExemption.customer_id.is_not(None))
    return set(session.scalars(select(Customer.id).where(
        among(session, Customer.id, ids),
        Customer.id.in_(by_account) | Customer.partner_id.in_(by_partner))))

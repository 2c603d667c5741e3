"""The billing escalation path as data: tiers in order, their deadlines and authority.

A tier is worked by staff whose role is the tier's or a higher billing role, so a
supervisor can pick up tier-1 work. What a tier may grant is its authority in the
dispute's currency, whoever works it: above that, the dispute must escalate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.display_names import clean_translations
from billing.core.errors import InvalidInput, NotFound
from billing.core.money import CURRENCIES, check_currency
from billing.disputes.models import DisputeTier, DisputeTierAuthority
from billing.parties.users import BILLING_ROLES, User

MAX_RESPONSE_HOURS = 9 * 260  # a year of business days


# The default path (the migration seeds the same): level, name, role, business hours,
# authority in minor units in every currency.
DEFAULT_PATH = (
    (1, "Billing specialist", "billing_specialist", 16, 50_000),
    (2, "Billing supervisor", "billing_supervisor", 24, 500_000),
    (3, "Billing manager", "billing_manager", 40, 2_500_000),
    (4, "Director of finance", "billing_director", 80, 25_000_000),
)


def ensure_default_path(session: Session, now: datetime) -> None:
    """Set up the default escalation path if there is none (e.g. on an emptied database)."""
    if session.scalar(select(func.count()).select_from(DisputeTier)):
        return
    for _, name, role, hours, limit in DEFAULT_PATH:
        save_tier(session, TierSettings(name, role, hours, dict.fromkeys(CURRENCIES, limit)),
                  now)


def role_rank(role: str) -> int:
    """Higher billing roles rank higher; anyone else ranks below them all."""
    return BILLING_ROLES.index(role) if role in BILLING_ROLES else -1


def may_work(user: User, tier: DisputeTier) -> bool:
    return user.is_billing_staff and role_rank(user.role) >= role_rank(tier.role)


def first_tier(session: Session) -> DisputeTier:
    tier = session.scalars(select(DisputeTier).order_by(DisputeTier.level).limit(1)).first()
    if tier is None:
        raise InvalidInput("No escalation path is set up: an admin must add a tier first.")
    return tier


def next_tier(session: Session, tier: DisputeTier) -> DisputeTier | None:
    return session.scalars(select(DisputeTier).where(DisputeTier.level > tier.level)
                           .order_by(DisputeTier.level).limit(1)).first()


def all_tiers(session: Session) -> list[DisputeTier]:
    return list(session.scalars(select(DisputeTier).order_by(DisputeTier.level)))


def authority_minor(tier: DisputeTier, currency: str) -> int:
    """The largest credit the tier may grant in this currency (0: it may only deny)."""
    return next((a.max_credit_minor for a in tier.authorities if a.currency == currency), 0)


@dataclass(frozen=True)
class TierSettings:
    name: str
    role: str
    response_hours: int
    authority: dict[str, int]  # currency -> minor units
    name_translations: dict[str, str] = field(default_factory=dict)  # locale -> name


def save_tier(session: Session, settings: TierSettings, now: datetime,
              tier_id: int | None = None) -> DisputeTier:
    """Add a tier at the end of the path, or change one. Authorities are replaced whole."""
    _check(settings)
    names = clean_translations(settings.name_translations, max_length=100)
    if tier_id is None:
        level = (session.scalar(select(func.max(DisputeTier.level))) or 0) + 1
        tier = DisputeTier(level=level)
        session.add(tier)
    else:
        tier = session.get(DisputeTier, tier_id)
        if tier is None:
            raise NotFound("No such tier.")
    tier.name, tier.role = settings.name.strip(), settings.role
    tier.name_translations = names
    tier.response_hours, tier.updated_at = settings.response_hours, now
    tier.authorities = [DisputeTierAuthority(currency=c, max_credit_minor=m)
                        for c, m in sorted(settings.authority.items())]
    session.flush()
    _check_order(session)
    return tier


def _check(settings: TierSettings) -> None:
    if not settings.name.strip() or len(settings.name.strip()) > 100:
        raise InvalidInput("A tier needs a name of at most 100 characters.")
    if settings.role not in BILLING_ROLES:
        raise InvalidInput("A tier is worked by one of the billing roles.")
    if not 0 < settings.response_hours <= MAX_RESPONSE_HOURS:
        raise InvalidInput(f"The response deadline is 1 to {MAX_RESPONSE_HOURS} business hours.")
    for currency, limit in settings.authority.items():
        check_currency(currency)
        if limit < 0:
            raise InvalidInput("A settlement authority cannot be negative.")


def _check_order(session: Session) -> None:
    """Escalating must never lead to a lower role or a smaller authority."""
    tiers = all_tiers(session)
    for lower, higher in zip(tiers, tiers[1:], strict=False):
        if role_rank(higher.role) < role_rank(lower.role):
            raise InvalidInput(f"Tier {higher.level} ({higher.name}) cannot be worked by a "
                               f"lower role than tier {lower.level} ({lower.name}).")
        for authority in lower.authorities:
            if authority_minor(higher, authority.currency) < authority.max_credit_minor:
                raise InvalidInput(
                    f"Tier {higher.level} ({higher.name}) may not grant less in "
                    f"{authority.currency} than tier {lower.level} ({lower.name}).")

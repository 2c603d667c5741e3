"""Deterministic demo data: partners of every kind, ~170 accounts, a year of invoices.

The same seed gives the same rows every time, so demo logins and screenshots are stable.
catalog.py holds the products, prices and taxes, accounts.py the parties and logins,
history.py the year they live through (billed by the real invoice run).
"""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.clock import period_ending_in
from billing.parties.models import Partner
from portal.cli.demo.accounts import (
    DEMO_PASSWORD,
    STAFF_TOTP_SECRET,
    add_approvals,
    add_customers,
    add_partners,
    add_services,
    add_users,
    add_wholesale_accounts,
)
from portal.cli.demo.catalog import PRODUCTS, add_price_books, add_products, add_tax_rates
from portal.cli.demo.history import (
    BILLED_MONTHS,
    add_cpni_program,
    add_disputes,
    add_sla_history,
    add_usage,
    bill_month,
    grow_a_service,
)
from portal.cli.demo.payments import record_payments

__all__ = ["DEMO_PASSWORD", "PRODUCTS", "STAFF_TOTP_SECRET", "already_seeded", "seed"]


def already_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Partner)))


def _overpayer(partners, customers):
    """A top-level account of the first channel partner other than the one the disputes
    and SLA credits are about (its open amounts must stay open for those)."""
    own = [c for c in customers if c.partner is partners["CH-01"] and c.parent is None]
    return own[1]


def seed(session: Session, progress=lambda step: None) -> dict:
    """Create the demo world and bill a year of it through the real invoice run.

    Returns the demo logins. Assumes an empty database; commits as it goes (the run
    commits each invoice).
    """
    rng = random.Random(2026)
    products = add_products(session)
    partners = add_partners(session)
    customers = add_customers(session, rng, partners)
    for customer in customers:
        add_services(session, rng, customer, products)
    add_price_books(session, products, partners)
    add_wholesale_accounts(session, partners, customers)
    add_tax_rates(session)
    add_approvals(session, rng, customers)
    logins = add_users(session, partners, customers)
    add_usage(session, rng, customers)
    session.commit()
    progress("customers")
    for year, month in BILLED_MONTHS:
        period = period_ending_in(year, month)
        bill_month(session, rng, customers, period)
        for customer in rng.sample(customers, 4):  # trued up on the next invoice
            grow_a_service(session, rng, customer, period)
        session.commit()
        progress(f"{year}-{month:02d}")
    record_payments(session, rng, _overpayer(partners, customers))
    session.commit()
    progress("payments")
    add_sla_history(session, partners, customers)
    session.commit()
    add_disputes(session, partners, customers)
    add_cpni_program(session, customers)
    session.commit()
    return logins

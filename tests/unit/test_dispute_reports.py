"""Dispute report figures over a small, hand-built set of disputes with fixed clocks.

The clock stops at Monday 2026-06-15 10:00 MDT (16:00 UTC). Business hours are 08:00 to
17:00 MDT on weekdays; Memorial Day (Monday 2026-05-25) is a holiday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.disputes import escalation, filing, reports, steps
from tests.factories import make_billing_staff, make_customer, make_tiers, recent_invoice

NOW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def at(month, day, hour_utc):
    return datetime(2026, month, day, hour_utc, 0, tzinfo=UTC)


@pytest.fixture
def book(world, session):
    """Six open or waiting disputes and six settled ones, on a USD and a CAD invoice."""
    make_tiers(session)
    specialist = world.users["staff"]
    supervisor = make_billing_staff(session, "billing_supervisor")
    usd = recent_invoice(session, world.customers["channel"], issued_on=date(2026, 3, 2))
    maple = make_customer(session, "AC-0300", "Maple Rentals", partner=world.partners["channel"],
                          currency="CAD")
    cad = recent_invoice(session, maple, issued_on=date(2026, 5, 1), number="CAD-2026-1")
    session.commit()
    customer, partner = world.users["customer_admin"], world.users["channel_admin"]

    def file(invoice, user, when, amount, reason="wrong_rate"):
        step = filing.file_dispute(
            session, invoice=invoice, user=user, reason=reason, now=when,
            description=f"Claim of {amount} filed {when:%Y-%m-%d %H}h.", amount_minor=amount)
        session.commit()
        return step.dispute

    def settle(dispute, when, outcome="full", credit=None, by=specialist):
        steps.settle(session, dispute.id, by, outcome=outcome, credit_minor=credit,
                     reason=None if outcome == "full" else "Checked the contract.",
                     now=when)
        session.commit()

    # Open or waiting, as of NOW.
    file(usd, customer, NOW - DAY, 10_000)  # tier 1, 0-2 days
    file(usd, customer, NOW - 2 * DAY, 15_000)  # tier 1, 0-2 days
    file(usd, customer, NOW - 4 * DAY, 20_000)  # tier 1, 3-5 days; due Fri 06-12 17:00
    waiting = file(cad, partner, NOW - 4 * DAY, 5_000)  # tier 1, 3-5 days, CAD
    steps.ask_for_information(session, waiting.id, specialist, "Which site?", NOW - 3 * DAY)
    escalated = file(usd, customer, NOW - 20 * DAY, 30_000)  # 11-30 days
    # tier 2, due 05-29 16:00
    escalation.escalate(session, escalated.id, specialist, NOW - 19 * DAY)
    session.commit()
    file(usd, customer, NOW - 40 * DAY, 40_000)  # tier 1, >30 days; due Thu 05-07 17:00

    # Settled. In the last 30 days (since 05-16 16:00 UTC):
    settle(file(usd, customer, at(5, 26, 16), 12_000), at(5, 27, 16))  # 9 h
    settle(file(usd, customer, at(6, 1, 15), 10_000, "duplicate_charge"), at(6, 3, 15),
           "partial", 4_000)  # 18 h
    settle(file(usd, customer, at(6, 8, 14), 7_000, "tax"), at(6, 8, 17), "denied")  # 3 h
    settle(file(usd, customer, at(6, 9, 16), 5_000), at(6, 9, 20), "partial", 3_000)  # 4 h
    above_tier_one = file(cad, partner, at(6, 2, 16), 60_000)
    escalation.escalate(session, above_tier_one.id, specialist, at(6, 2, 16))
    settle(above_tier_one, at(6, 4, 22), by=supervisor)  # 24 h, at tier 2
    # Only in the last 90 days:
    settle(file(usd, customer, at(4, 14, 16), 8_000, "tax"), at(4, 15, 16))  # 9 h


def test_open_disputes_are_counted_and_summed_per_tier_age_band_and_currency(session, book):
    cells = [(c.level, c.tier_name, c.band, c.currency, c.count, c.held_minor)
             for c in reports.open_by_tier_and_age(session, NOW)]
    assert cells == [
        (1, "Billing specialist", 0, "USD", 2, 25_000),
        (1, "Billing specialist", 1, "CAD", 1, 5_000),
        (1, "Billing specialist", 1, "USD", 1, 20_000),
        (1, "Billing specialist", 4, "USD", 1, 40_000),
        (2, "Billing supervisor", 3, "USD", 1, 30_000),
    ]


def test_a_dispute_enters_the_3_to_5_band_when_three_days_old(session, book):
    def usd_tier_one(now):
        return {c.band: c.count for c in reports.open_by_tier_and_age(session, now)
                if c.level == 1 and c.currency == "USD"}

    # Filed NOW - 1 day, NOW - 2 days, NOW - 4 days and NOW - 40 days.
    assert usd_tier_one(NOW + 2 * DAY - timedelta(minutes=1)) == {0: 1, 1: 2, 4: 1}
    assert usd_tier_one(NOW + 2 * DAY) == {1: 2, 2: 1, 4: 1}


def test_overdue_disputes_in_business_hours_longest_first(session, book):
    rows = [(r.level, r.deadline_at, r.overdue, r.account_number)
            for r in reports.overdue_disputes(session, NOW)]
    assert rows == [
        # Thu 05-07 17:00 MDT: 25 business days to Fri 06-12 (Memorial Day off) + 2 h Monday
        (1, at(5, 7, 23), timedelta(hours=227), "AC-0001"),
        # Fri 05-29 16:00 MDT: 1 h that Friday, two whole weeks, 2 h Monday
        (2, at(5, 29, 22), timedelta(hours=93), "AC-0001"),
        # Fri 06-12 17:00 MDT: the weekend is free, Monday 08:00 to 10:00
        (1, at(6, 12, 23), timedelta(hours=2), "AC-0001"),
    ]


def test_time_to_resolution_per_settling_tier(session, book):
    rows = [(r.level, r.settled, r.median_hours, r.mean_hours)
            for r in reports.resolution_times(session, NOW - 30 * DAY, NOW)]
    # tier 1 settled in 9, 18, 3 and 4 business hours; tier 2 in 24
    assert rows == [(1, 4, Decimal("6.5"), Decimal("8.5")),
                    (2, 1, Decimal("24.0"), Decimal("24.0"))]


def test_a_longer_period_takes_in_older_settlements(session, book):
    rows = [(r.level, r.settled, r.median_hours, r.mean_hours)
            for r in reports.resolution_times(session, NOW - 90 * DAY, NOW)]
    assert rows[0] == (1, 5, Decimal("9.0"), Decimal("8.6"))  # 9, 18, 3, 4 and 9


def test_credits_granted_by_reason_and_currency(session, book):
    rows = [(r.reason, r.currency, r.credited, r.credit_minor)
            for r in reports.credits_by_reason(session, NOW - 30 * DAY, NOW)]
    assert rows == [("wrong_rate", "CAD", 1, 60_000),
                    ("duplicate_charge", "USD", 1, 4_000),
                    ("wrong_rate", "USD", 2, 15_000)]  # the denial credits nothing
    older = reports.credits_by_reason(session, NOW - 90 * DAY, NOW)
    assert ("tax", "USD", 1, 8_000) in [(r.reason, r.currency, r.credited, r.credit_minor)
                                        for r in older]


def test_an_empty_book_gives_empty_figures(session, world):
    assert reports.open_by_tier_and_age(session, NOW) == []
    assert reports.overdue_disputes(session, NOW) == []
    assert reports.resolution_times(session, NOW - 30 * DAY, NOW) == []
    assert reports.credits_by_reason(session, NOW - 30 * DAY, NOW) == []


def test_a_sum_of_fewer_than_three_disputes_is_not_shown():
    cell = reports.OpenCell(1, "Billing specialist", 0, "USD", 2, 5_000)
    assert cell.shown_held_minor is None
    assert reports.OpenCell(1, "Billing specialist", 0, "USD", 3, 7_500).shown_held_minor == 7_500

"""A small world of receivables for the ageing tests, hand-checked at the end of
AS_OF (Tuesday 30 June 2026, provider calendar).

Three accounts, all served by the world's channel partner; only "Aged Approved" has
approved it to see its CPNI.

    account            invoice  due         amount   what happened                 at AS_OF
    AGE-A (USD) appr.  AGE-A1   2026-06-30  100.00                                 current 100.00
                       AGE-A2   2026-06-29   50.00                                 1-30     50.00
                       AGE-A3   2026-05-31  120.00   20.00 paid 06-10              1-30    100.00
                       AGE-A4   2026-05-30  140.00   40.00 disputed 06-01 (open)   31-60   100.00
                                                                                   disputed 40.00
    AGE-B (CAD) none   AGE-B1   2026-03-31   70.00                                 90+      70.00
                       AGE-B2   2026-04-01   80.00   paid 07-02 (after AS_OF)      61-90    80.00
    AGE-C (USD) none   AGE-C1   2026-06-15   60.00   paid 06-05, refunded 06-20    1-30     60.00
                       AGE-C2   2026-08-04   60.00   issued 07-05 (after AS_OF)    -

USD at AS_OF: current 100.00, 1-30 210.00, 31-60 100.00, disputed 40.00.
CAD at AS_OF: 61-90 80.00, 90+ 70.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from billing.core.clock import PROVIDER_TZ
from billing.disputes import filing
from billing.parties.models import Customer
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from tests.factories import (
    another_period_end,
    approve,
    make_customer,
    make_invoice,
    make_tiers,
    make_user,
)

AS_OF = date(2026, 6, 30)
# Amounts only the unapproved accounts owe, or totals that include them, as a page, CSV
# or workbook prints them (en-US); a partner must never find them.
WITHHELD_MARKERS = ("70.00", "80.00", "60.00", "210.00")


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), PROVIDER_TZ)


@dataclass
class AgedWorld:
    approved: Customer
    unapproved: Customer
    refunded: Customer
    invoices: dict


def bill(session, customer, number: str, *, due: date, amount: int, issued: date | None = None):
    invoice = make_invoice(session, customer, number, period_end=another_period_end(),
                           amount_minor=amount, status="draft")
    invoice.status, invoice.issue_date = "issued", issued or due - timedelta(days=30)
    invoice.due_date = due
    session.flush()
    return invoice


def pay(session, customer, amount: int, day: date, *numbers: str):
    payment, _ = record_payment(session, Receipt(
        currency=customer.currency, amount_minor=amount, received_at=noon(day), method="wire",
        reference=f"W-{customer.account_number}-{day}", source="staff",
        customer_id=customer.id, named_numbers=numbers), noon(day))
    return payment


def build_aged_world(session, world) -> AgedWorld:
    """The accounts and invoices of the table above, committed."""
    partner = world.partners["channel"]
    make_tiers(session)
    a = make_customer(session, "AGE-A", "Aged Approved", partner=partner)
    b = make_customer(session, "AGE-B", "Aged Withheld", partner=partner, currency="CAD")
    c = make_customer(session, "AGE-C", "Aged Refunded", partner=partner)
    approve(session, a, partner)
    inv = {}
    for customer, number, due, amount, issued in [
            (a, "AGE-A1", date(2026, 6, 30), 100_00, None),
            (a, "AGE-A2", date(2026, 6, 29), 50_00, None),
            (a, "AGE-A3", date(2026, 5, 31), 120_00, None),
            (a, "AGE-A4", date(2026, 5, 30), 140_00, None),
            (b, "AGE-B1", date(2026, 3, 31), 70_00, None),
            (b, "AGE-B2", date(2026, 4, 1), 80_00, None),
            (c, "AGE-C1", date(2026, 6, 15), 60_00, None),
            (c, "AGE-C2", date(2026, 8, 4), 60_00, date(2026, 7, 5))]:
        inv[number] = bill(session, customer, number, due=due, amount=amount, issued=issued)
    pay(session, a, 20_00, date(2026, 6, 10), "AGE-A3")
    filer = make_user(session, "filer@aged.test", "customer_admin", customer=a)
    filing.file_dispute(session, invoice=inv["AGE-A4"], user=filer, reason="wrong_rate",
                        description="Seats billed twice", amount_minor=40_00,
                        now=noon(date(2026, 6, 1)))
    pay(session, b, 80_00, date(2026, 7, 2), "AGE-B2")
    refunded = pay(session, c, 60_00, date(2026, 6, 5), "AGE-C1")
    refund_payment(session, refunded.id, 60_00, noon(date(2026, 6, 20)), reason="Asked back")
    session.commit()
    return AgedWorld(a, b, c, inv)

"""The account summary an invoice prints: balance brought forward, payments, credits,
this invoice's charges and the total due, as the invoice's issue day ended.

The account here: invoice A (100.00) issued 1 January 2026; 60.00 paid on 15 January;
invoice B issued 1 February with 200.00 of charges and a 10.00 credit note applied
(total 190.00); another 50.00 paid on 10 February, after B was issued.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from billing.invoicing.balance import account_summary
from billing.invoicing.models import InvoiceLine
from billing.payments.recording import Receipt, record_payment
from tests.factories import make_customer, make_invoice


def _issued(session, customer, number, issued_on, subtotal_minor, credit_minor=0,
            currency="USD"):
    invoice = make_invoice(session, customer, number, period_end=issued_on - timedelta(days=7),
                           amount_minor=subtotal_minor, status="draft")
    invoice.currency = currency
    invoice.issue_date, invoice.due_date = issued_on, issued_on + timedelta(days=30)
    invoice.credit_minor, invoice.total_minor = credit_minor, subtotal_minor - credit_minor
    if credit_minor:
        invoice.lines.append(InvoiceLine(position=3, kind="credit", description="Goodwill",
                                         quantity=Decimal(1), unit_price=Decimal(0),
                                         amount_minor=-credit_minor))
    session.flush()
    invoice.status = "issued"
    session.flush()
    return invoice


def _pay(session, customer, amount_minor, on: date, reference: str):
    at = datetime(on.year, on.month, on.day, 18, tzinfo=UTC)
    record_payment(session, Receipt(currency="USD", amount_minor=amount_minor, received_at=at,
                                    method="wire", reference=reference, source="staff",
                                    customer_id=customer.id), at + timedelta(hours=1))


@pytest.fixture
def account(session):
    customer = make_customer(session, "AC-SUM-1", "Summary Test Ltd")
    first = _issued(session, customer, "USD-2026-S0001", date(2026, 1, 1), 100_00)
    _pay(session, customer, 60_00, date(2026, 1, 15), "WIRE-1")
    second = _issued(session, customer, "USD-2026-S0002", date(2026, 2, 1), 200_00, 10_00)
    _pay(session, customer, 50_00, date(2026, 2, 10), "WIRE-2")
    return first, second


def _figures(summary) -> tuple:
    return (summary.previous_minor, summary.payments_minor, summary.adjustments_minor,
            summary.charges_minor, summary.due_minor)


def test_the_first_invoice_brings_nothing_forward(session, account):
    first, _ = account
    summary = account_summary(session, first, date(2026, 3, 1))
    assert _figures(summary) == (0, 0, 0, 100_00, 100_00)
    assert summary.as_of == date(2026, 1, 1)


def test_the_next_invoice_brings_forward_what_was_left_unpaid(session, account):
    _, second = account
    summary = account_summary(session, second, date(2026, 3, 1))
    # 100.00 brought forward, 60.00 paid, 10.00 credited, 200.00 charged: 230.00 due.
    assert _figures(summary) == (100_00, 60_00, 10_00, 200_00, 230_00)
    assert (summary.previous_minor - summary.payments_minor - summary.adjustments_minor
            + summary.charges_minor) == summary.due_minor


def test_payments_after_the_issue_day_do_not_change_an_issued_invoice(session, account):
    _, second = account
    _pay(session, second.customer, 30_00, date(2026, 2, 20), "WIRE-3")
    assert _figures(account_summary(session, second, date(2026, 3, 1))) == \
        (100_00, 60_00, 10_00, 200_00, 230_00)


def test_other_currencies_stay_out_of_the_summary(session, account):
    _, second = account
    _issued(session, second.customer, "EUR-2026-S0001", date(2026, 1, 5), 999_00,
            currency="EUR")
    assert account_summary(session, second, date(2026, 3, 1)).previous_minor == 100_00


def test_a_draft_is_summed_up_as_of_today(session, account):
    first, _ = account
    draft = make_invoice(session, first.customer, None, period_end=date(2026, 3, 25),
                         status="draft", amount_minor=70_00)
    draft.issue_date = draft.due_date = None
    session.flush()
    summary = account_summary(session, draft, date(2026, 3, 1))
    # A: 100 - 60 - 40 (the 50.00 of 10 February paid A's rest first) = 0 left; B 190 - 10.
    assert _figures(summary) == (230_00, 50_00, 0, 70_00, 250_00)
    assert summary.as_of == date(2026, 3, 1)

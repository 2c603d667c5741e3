"""Rebillers: the wholesale invoice itemises every end customer at wholesale prices, taxed
where each end customer is; end customers get retail invoices from the rebiller's book.
Arithmetic is written beside each expectation."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from billing.catalog.models import Product, Service
from billing.core.clock import period_ending_in
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.models import Invoice
from billing.invoicing.runs import draft_period
from billing.invoicing.tax_models import TaxExemption
from billing.invoicing.usage_models import UsageRecord
from tests.factories import add_rebiller_books, make_customer

MAY = period_ending_in(2026, 5)  # 26 Apr .. 25 May 2026 (30 days)
NOW = datetime(2026, 4, 26, 15, tzinfo=UTC)


@pytest.fixture
def rebiller(session, world):
    return add_rebiller_books(session, world)


def by_account(invoice):
    sums = {}
    for line in invoice.lines:
        sums[line.sub_account_id] = sums.get(line.sub_account_id, 0) + line.amount_minor
    return sums


def test_the_wholesale_invoice_itemises_each_end_customer_at_wholesale_prices(
        session, world, rebiller):
    invoice = draft_invoice(session, rebiller.account, MAY, NOW)
    contracted, priced = world.customers["wholesale"], rebiller.end_customer
    recurring = {line.sub_account_id: line for line in invoice.lines if line.kind == "recurring"}
    assert set(recurring) == {contracted.id, priced.id}  # the CAD end customer is not here
    # The contract price (18.00) is between rebiller and customer: wholesale is 12.60.
    assert recurring[contracted.id].unit_price == Decimal("12.60")
    assert recurring[contracted.id].amount_minor == 3780  # 3 x 12.60
    assert recurring[priced.id].amount_minor == 12600  # 10 x 12.60
    assert invoice.customer_id == rebiller.account.id and invoice.currency == "USD"


def test_wholesale_taxes_follow_each_end_customers_jurisdiction(session, world, rebiller):
    invoice = draft_invoice(session, rebiller.account, MAY, NOW)
    taxes = {(line.sub_account_id, line.description): line.amount_minor
             for line in invoice.lines if line.kind in ("tax", "fee")}
    co, tx = world.customers["wholesale"].id, rebiller.end_customer.id
    assert taxes == {
        (co, "Colorado sales tax"): 110,  # 37.80 x 2.9% = 1.0962 -> 1.10
        (tx, "Texas sales tax"): 788,  # 126.00 x 6.25% = 7.875 -> 7.88
    }
    assert invoice.total_minor == 3780 + 12600 + 110 + 788


def test_a_resale_certificate_exempts_the_wholesale_invoice_only(session, world, rebiller):
    session.add(TaxExemption(customer_id=rebiller.account.id, tax_type="sales",
                             certificate="RESALE-CO-123"))
    session.flush()
    wholesale = draft_invoice(session, rebiller.account, MAY, NOW)
    assert not [line for line in wholesale.lines if line.kind == "tax"]
    retail = draft_invoice(session, rebiller.end_customer, MAY, NOW)
    assert [line.amount_minor for line in retail.lines if line.kind == "tax"] == [
        1313]  # 210.00 x 6.25% = 13.125 -> 13.13 (the end customer has no certificate)


def test_an_end_customer_pays_the_rebillers_retail_price_unless_contracted(
        session, world, rebiller):
    priced = draft_invoice(session, rebiller.end_customer, MAY, NOW)
    [seat] = [line for line in priced.lines if line.kind == "recurring"]
    assert (seat.unit_price, seat.amount_minor) == (Decimal("21.00"), 21000)  # 10 x 21.00
    contracted = draft_invoice(session, world.customers["wholesale"], MAY, NOW)
    [seat] = [line for line in contracted.lines if line.kind == "recurring"]
    assert seat.amount_minor == 5400  # 3 x 18.00, its contract price


def test_retail_usage_carries_the_markup_and_wholesale_usage_the_cost(
        session, world, rebiller):
    session.add(UsageRecord(source_ref="u1", customer_id=rebiller.end_customer.id,
                            call_type="long_distance", started_at=datetime(2026, 4, 2, 18,
                                                                           tzinfo=UTC),
                            minutes=Decimal(1000), rate=Decimal("0.012750")))
    session.flush()
    retail = draft_invoice(session, rebiller.end_customer, MAY, NOW)
    wholesale = draft_invoice(session, rebiller.account, MAY, NOW)
    [r] = [line for line in retail.lines if line.kind == "usage"]
    [w] = [line for line in wholesale.lines if line.kind == "usage"]
    assert (r.unit_price, r.amount_minor) == (Decimal("0.015938"), 1594)  # 1000 x 0.015938
    assert (w.unit_price, w.amount_minor) == (Decimal("0.012750"), 1275)  # 1000 x 0.01275
    assert w.sub_account_id == rebiller.end_customer.id


def test_the_run_bills_the_rebiller_and_each_end_customer_once(session, world, rebiller):
    result = draft_period(session, MAY, started_by="test", now=NOW)
    assert not result.failed
    billed = set(session.scalars(select(Invoice.customer_id)
                                 .where(Invoice.period_end == MAY.end)))
    assert {rebiller.account.id, rebiller.end_customer.id, rebiller.foreign.id} <= billed
    assert draft_period(session, MAY, started_by="test", now=NOW).drafted == 0


def test_a_missing_price_fails_those_accounts_with_the_reason(session, world, rebiller):
    port = Product(code="PORT", name="Number porting", kind="one_time", unit="number")
    session.add(Service(customer=rebiller.end_customer, product=port, quantity=Decimal(2),
                        currency="USD", started_on=date(2026, 4, 10)))  # billed in arrears
    session.commit()
    result = draft_period(session, MAY, started_by="test", now=NOW)
    assert dict(result.failed) == {
        rebiller.end_customer.account_number:
            "Price book WS-RETAIL-USD has no price for PORT on 2026-04-10.",
        rebiller.account.account_number:  # the wholesale book falls back to the list
            "Price book WS-WHOLESALE-USD has no price for PORT on 2026-04-10.",
    }
    assert draft_period(session, MAY, started_by="test", now=NOW).failed  # still, no guess


def test_a_rebiller_has_one_wholesale_account_per_currency(session, world, rebiller):
    with pytest.raises(IntegrityError):
        make_customer(session, "WS-9999", "Second USD account",
                      partner=world.partners["wholesale"], billing_role="wholesale")

"""The invoice run: advance charges, true-ups, arrears usage, taxes, credits, corporates,
idempotence and resumption. Arithmetic is written beside each expectation."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.core.clock import period_ending_in
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.drafting import draft_invoice, set_totals
from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.runs import bill_to_accounts, draft_period, issue_period
from billing.invoicing.tax_models import TaxRate
from billing.invoicing.usage_models import UsageRecord
from tests.factories import make_customer

MAY = period_ending_in(2026, 5)  # 26 Apr .. 25 May 2026 (30 days)
APRIL = period_ending_in(2026, 4)  # 26 Mar .. 25 Apr 2026 (31 days)
NOW = datetime(2026, 4, 26, 15, tzinfo=UTC)


def lines_of(invoice, kind):
    return [line for line in invoice.lines if line.kind == kind]


def test_recurring_charges_are_billed_in_advance_for_the_whole_period(session, world):
    invoice = draft_invoice(session, world.customers["direct"], MAY, NOW)
    [line] = lines_of(invoice, "recurring")
    assert line.amount_minor == 5400  # 3 seats x 18.00
    assert invoice.total_minor == sum(line.amount_minor for line in invoice.lines)


def test_a_service_starting_mid_period_is_prorated_by_day(session, world):
    customer = world.customers["direct"]
    service = session.scalars(select(Service).where(Service.customer_id == customer.id)).one()
    service.started_on = date(2026, 5, 11)  # 11..25 May = 15 of 30 days
    invoice = draft_invoice(session, customer, MAY, NOW)
    [line] = lines_of(invoice, "recurring")
    assert line.amount_minor == 2700  # 54.00 x 15/30
    assert "15 of 30 days" in line.description


def test_changes_in_the_previous_period_are_trued_up(session, world):
    customer = world.customers["direct"]
    old = session.scalars(select(Service).where(Service.customer_id == customer.id)).one()
    april = draft_invoice(session, customer, APRIL, NOW)  # billed 3 seats for all of April
    session.commit()
    old.ended_on = date(2026, 4, 9)  # 26 Mar .. 9 Apr = 15 of 31 days at 3 seats
    session.add(Service(customer=customer, product=old.product, quantity=Decimal(5),
                        unit_price=Decimal("18.00"), currency="USD",
                        started_on=date(2026, 4, 10)))  # 10..25 Apr = 16 days at 5 seats
    session.flush()
    may = draft_invoice(session, customer, MAY, NOW)
    adjustments = {line.service_id: line.amount_minor for line in lines_of(may, "proration")}
    # old: earned 54.00 x 15/31 = 26.129... -> 26.13, billed 54.00: credit -27.87
    # new: earned 90.00 x 16/31 = 46.451... -> 46.45, billed 0: charge 46.45
    assert adjustments == {old.id: -2787, max(adjustments): 4645}
    assert lines_of(april, "recurring")[0].amount_minor == 5400
    [advance] = lines_of(may, "recurring")
    assert advance.amount_minor == 9000  # 5 seats x 18.00 for May, in advance


def test_usage_of_the_previous_period_is_summarised_by_type_and_rate(session, world):
    customer = world.customers["direct"]
    at = datetime(2026, 4, 1, 18, tzinfo=UTC)
    rows = [("r1", "long_distance", "", "12.5", "0.012750"),
            ("r2", "long_distance", "", "7.25", "0.012750"),
            ("r3", "international", "Peru", "3", "0.085300"),
            ("r4", "local", "", "1", "0.004500")]
    for ref, kind, destination, minutes, rate in rows:
        session.add(UsageRecord(source_ref=ref, customer_id=customer.id, call_type=kind,
                                destination=destination, started_at=at,
                                minutes=Decimal(minutes), rate=Decimal(rate)))
    session.add(UsageRecord(source_ref="late", customer_id=customer.id, call_type="local",
                            started_at=datetime(2026, 4, 26, 7, tzinfo=UTC),  # 01:00 26 Apr MDT
                            minutes=Decimal(100), rate=Decimal("0.0045")))
    session.flush()
    usage = {line.description: (line.quantity, line.call_count, line.rate_unit,
                                line.amount_minor)
             for line in lines_of(draft_invoice(session, customer, MAY, NOW), "usage")}
    assert usage == {
        # 3 x 0.0853 = 0.2559 -> 0.26
        "International calls to Peru": (Decimal(3), 1, "minute", 26),
        "Local calls": (Decimal(1), 1, "minute", 0),  # 0.0045 -> 0.00
        # two calls; 19.75 x 0.01275 = 0.2518125 -> 0.25
        "Long-distance calls": (Decimal("19.75"), 2, "minute", 25),
    }


def test_taxes_follow_each_accounts_jurisdiction(session, world):
    session.add_all([
        TaxRate(tax_type="sales", name="Colorado sales tax", kind="percent", country="US",
                region="CO", locality="", rate=Decimal("0.029"), base_share=Decimal(1),
                effective_from=date(2026, 1, 1)),
        TaxRate(tax_type="e911", name="E911", kind="per_line", country="US", region="CO",
                locality="", rate=Decimal("0.70"), base_share=Decimal(1), currency="USD",
                effective_from=date(2026, 1, 1))])
    session.flush()
    invoice = draft_invoice(session, world.customers["direct"], MAY, NOW)
    taxes = {line.description: line.amount_minor for line in invoice.lines
             if line.kind in ("tax", "fee")}
    assert taxes == {"Colorado sales tax": 157,  # 54.00 x 2.9% = 1.566 -> 1.57
                     "E911": 210}  # 3 seats x 0.70
    assert invoice.tax_minor == 367 and invoice.total_minor == 5400 + 367


def test_credit_notes_reduce_the_next_invoice(session, world):
    customer = world.customers["direct"]
    create_credit_note(session, customer=customer, amount_minor=1000, currency="USD",
                       reason="sla", reference="March outage", now=NOW)
    invoice = draft_invoice(session, customer, MAY, NOW)
    assert (invoice.credit_minor, invoice.total_minor) == (1000, 4400)


def test_corporate_invoice_carries_its_locations(session, world):
    corporate = world.customers["channel"]
    own = make_customer(session, "AC-0102", "Channel Customer Warehouse",
                        partner=world.partners["channel"], parent=corporate,
                        pays_own_charges=True)
    product = session.scalars(select(Product)).first()
    session.add(Service(customer=own, product=product, quantity=Decimal(1),
                        unit_price=Decimal("18.00"), currency="USD",
                        started_on=date(2026, 1, 1)))
    session.flush()
    invoice = draft_invoice(session, corporate, MAY, NOW)
    tagged = {line.sub_account_id for line in invoice.lines}
    assert tagged == {None, world.customers["location"].id}
    assert own.id in bill_to_accounts(session, MAY)
    assert world.customers["location"].id not in bill_to_accounts(session, MAY)


def test_a_second_run_of_the_same_period_changes_nothing(session, world):
    first = draft_period(session, MAY, started_by="test", now=NOW)
    count = session.scalar(select(func.count()).select_from(Invoice))
    second = draft_period(session, MAY, started_by="test", now=NOW)
    assert first.drafted == 7 and second.drafted == 0  # 7 bill-to accounts in the world
    assert session.scalar(select(func.count()).select_from(Invoice)) == count


def test_a_run_stopped_half_way_finishes_without_duplicates(session, world):
    def stop_after_three(done, total):
        if done == 3:  # called once each chunk of three is committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        draft_period(session, MAY, started_by="test", now=NOW, progress=stop_after_three,
                     chunk_size=3)
    assert len(bill_to_accounts(session, MAY)) == 4
    assert draft_period(session, MAY, started_by="test", now=NOW).drafted == 4
    per_customer = session.execute(select(Invoice.customer_id, func.count())
                                   .where(Invoice.period_end == MAY.end)
                                   .group_by(Invoice.customer_id)).all()
    assert len(per_customer) == 7 and {n for _, n in per_customer} == {1}


def test_issuing_the_period_numbers_every_draft_without_gaps(session, world):
    draft_period(session, MAY, started_by="test", now=NOW)
    assert issue_period(session, MAY, now=NOW) == 7
    numbers = sorted(session.scalars(select(Invoice.number)
                                     .where(Invoice.period_end == MAY.end)))
    assert numbers == [f"INV-USD-2026-{n:06d}" for n in range(1, 8)]


@pytest.mark.postgres_only
def test_two_runs_at_once_draft_each_invoice_once(session, world, db):
    engine, barrier, results = db.engine, threading.Barrier(2), []

    def run():
        with Session(engine) as own:
            barrier.wait()
            results.append(draft_period(own, MAY, started_by="thread", now=NOW))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.drafted for r in results) == 7 and not any(r.failed for r in results)
    assert session.scalar(select(func.count()).select_from(Invoice)
                          .where(Invoice.period_end == MAY.end)) == 7


@given(st.lists(st.tuples(st.sampled_from(["recurring", "usage", "tax", "fee", "credit",
                                            "proration", "one_time"]),
                          st.integers(-10**7, 10**7)), max_size=30))
def test_total_is_the_sum_of_the_lines(lines):
    invoice = Invoice(currency="USD")
    invoice.lines = [InvoiceLine(kind=k, amount_minor=a) for k, a in lines]
    set_totals(invoice)
    assert invoice.total_minor == sum(a for _, a in lines)
    assert invoice.subtotal_minor + invoice.tax_minor - invoice.credit_minor == invoice.total_minor


_fresh_months = iter(range(0, 10_000))


def _fresh_period():
    """A bill period no earlier example used (each example's data stays in the database)."""
    year, month = divmod(2024 * 12 - next(_fresh_months), 12)
    return period_ending_in(year, month + 1)


def _period_state(session, period):
    invoices = session.scalars(select(Invoice).where(Invoice.period_end == period.end)
                               .order_by(Invoice.customer_id)).all()
    return [(inv.customer_id, inv.status, inv.number, inv.total_minor,
             [(line.kind, line.sub_account_id, line.amount_minor) for line in inv.lines])
            for inv in invoices], session.scalar(select(func.count()).select_from(InvoiceLine))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(["direct", "channel", "wholesale", "location"]),
                                  st.integers(0, 40), st.integers(1, 30)), max_size=4),
       minutes=st.lists(st.decimals(0, 5000, places=2), max_size=4),
       credit=st.integers(0, 9000))
def test_a_second_run_of_any_period_changes_nothing(session, world, changes, minutes, credit):
    period = _fresh_period()
    now = datetime.combine(period.start, datetime.min.time(), UTC)
    product = session.scalars(select(Product)).first()
    for key, day, quantity in changes:  # adds during the previous period and this one
        session.add(Service(customer=world.customers[key], product=product,
                            quantity=Decimal(quantity), unit_price=Decimal("18.00"),
                            currency="USD", started_on=period.start - timedelta(days=day)))
    for n, amount in enumerate(minutes):
        session.add(UsageRecord(source_ref=f"P{period.end}-{n}", call_type="local",
                                customer_id=world.customers["direct"].id, minutes=amount,
                                rate=Decimal("0.0125"), started_at=now - timedelta(days=3)))
    if credit:
        create_credit_note(session, customer=world.customers["direct"], amount_minor=credit,
                           currency="USD", reason="goodwill", reference="property", now=now)
    session.commit()
    draft_period(session, period, started_by="test", now=now)
    issue_period(session, period, now=now)
    before = _period_state(session, period)
    assert draft_period(session, period, started_by="test", now=now).drafted == 0
    assert issue_period(session, period, now=now) == 0
    assert _period_state(session, period) == before

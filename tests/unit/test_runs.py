"""The invoice run in chunks: the same invoices as drafting one account at a time, a bad
account failing alone, stops that lose at most a chunk, issuing in account order."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.core.clock import period_ending_in
from billing.core.numbering import take_number, take_numbers
from billing.invoicing import draft_inputs, runs
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.drafting import build_draft, draft_invoice
from billing.invoicing.models import Invoice
from billing.invoicing.runs import bill_to_accounts, draft_period, issue_period
from billing.invoicing.tax_models import TaxExemption, TaxRate
from billing.invoicing.usage_models import UsageRecord
from billing.parties.models import Customer
from tests.factories import add_rebiller_books, make_customer

MAY = period_ending_in(2026, 5)  # 26 Apr .. 25 May 2026; April's usage is billed on it
APRIL = period_ending_in(2026, 4)
NOW = datetime(2026, 4, 26, 15, tzinfo=UTC)


@pytest.fixture
def busy_world(session, world):
    """Every kind of line: locations, a rebiller and its end customers, usage, true-ups,
    one-time charges, taxes and fees, exemptions, credit notes, an earlier invoice."""
    rebiller = add_rebiller_books(session, world)
    seat = session.scalars(select(Product).where(Product.code == "VOICE-SEAT")).one()
    port = Product(code="PORT", name="Number porting", kind="one_time", unit="number")
    c = world.customers
    make_customer(session, "AC-0103", "Channel Customer Depot", partner=world.partners["channel"],
                  parent=c["channel"], pays_own_charges=True)
    session.add_all([
        Service(customer=c["other"], product=seat, quantity=Decimal(4),
                unit_price=Decimal("17.50"), currency="USD", started_on=date(2026, 4, 2)),
        Service(customer=c["location"], product=port, quantity=Decimal(3),
                unit_price=Decimal("5.00"), currency="USD", started_on=date(2026, 4, 9)),
        TaxRate(tax_type="e911", name="Colorado E911", kind="per_line", country="US",
                region="CO", locality="", rate=Decimal("0.70"), currency="USD",
                effective_from=date(2026, 1, 1)),
        TaxRate(tax_type="city", name="Denver tax", kind="percent", country="US",
                region="CO", locality="Denver", rate=Decimal("0.0481"),
                effective_from=date(2026, 1, 1)),
        TaxExemption(customer_id=rebiller.account.id, tax_type="sales", certificate="R-1"),
        TaxExemption(customer_id=c["agency"].id, tax_type="city", certificate="C-1"),
    ])
    calls = [(c["direct"], "local", "", "12.5", "0.004500"),
             (c["direct"], "international", "Peru", "3", "0.085300"),
             (c["location"], "long_distance", "", "40", "0.012750"),
             (rebiller.end_customer, "toll_free", "", "100", "0.021000"),
             (c["wholesale"], "long_distance", "", "7.25", "0.012750")]
    for n, (customer, kind, destination, minutes, rate) in enumerate(calls):
        session.add(UsageRecord(source_ref=f"B{n}", customer_id=customer.id, call_type=kind,
                                destination=destination, minutes=Decimal(minutes),
                                rate=Decimal(rate), started_at=datetime(2026, 4, 1, tzinfo=UTC)))
    for customer, amount in [(c["direct"], 2500), (rebiller.account, 900_000)]:
        create_credit_note(session, customer=customer, amount_minor=amount, currency="USD",
                           reason="goodwill", reference="test", now=NOW)
    draft_invoice(session, c["sub"], APRIL, NOW)  # trued up against on May's invoice
    session.commit()
    return world


def content(invoice):
    if invoice is None:
        return None
    lines = [(line.position, line.kind, line.description, line.sub_account_id,
              line.service_id, line.call_type, line.jurisdiction, line.credit_note_id,
              line.quantity, line.unit_price, line.amount_minor) for line in invoice.lines]
    return (invoice.customer_id, invoice.currency, invoice.bill_to, invoice.subtotal_minor,
            invoice.tax_minor, invoice.credit_minor, invoice.total_minor, lines)


def test_chunks_draft_the_same_invoices_as_one_account_at_a_time(session, busy_world,
                                                                monkeypatch):
    accounts = [session.get(Customer, i) for i in bill_to_accounts(session, MAY)]
    one_by_one = [content(draft_invoice(session, account, MAY, NOW)) for account in accounts]
    session.rollback()
    monkeypatch.setattr(draft_inputs, "IDS_PER_QUERY", 3)  # queries split as for big rebillers
    assert draft_period(session, MAY, started_by="test", now=NOW, chunk_size=4).drafted == 10
    by_customer = {invoice.customer_id: invoice for invoice in session.scalars(
        select(Invoice).where(Invoice.period_end == MAY.end))}
    assert [content(by_customer.get(account.id)) for account in accounts] == one_by_one
    kinds = {line[1] for invoice in one_by_one if invoice for line in invoice[-1]}
    assert kinds == {"recurring", "proration", "one_time", "usage", "tax", "fee", "credit"}


def test_an_account_the_database_refuses_fails_alone(session, world, monkeypatch):
    bad = world.customers["agency"]

    def with_a_bad_line(inputs, account, *args):
        invoice = build_draft(inputs, account, *args)
        if account.id == bad.id:
            invoice.lines[0].kind = "bogus"  # passes in Python, breaks a CHECK constraint
        return invoice

    monkeypatch.setattr(runs, "build_draft", with_a_bad_line)
    result = draft_period(session, MAY, started_by="test", now=NOW, chunk_size=4)
    assert result.drafted == 6 and [account for account, _ in result.failed] == [
        bad.account_number]
    assert "kind" in result.failed[0][1]
    assert bill_to_accounts(session, MAY) == [bad.id]


def test_a_run_stopped_inside_a_chunk_loses_only_that_chunk(session, world, monkeypatch):
    drafted = []

    def stop_at_the_fifth(*args):
        drafted.append(args[1])
        if len(drafted) == 5:  # the second account of the second chunk
            raise KeyboardInterrupt
        return build_draft(*args)

    monkeypatch.setattr(runs, "build_draft", stop_at_the_fifth)
    with pytest.raises(KeyboardInterrupt):
        draft_period(session, MAY, started_by="test", now=NOW, chunk_size=3)
    session.commit()  # whatever the caller does next, the stopped chunk is gone
    assert len(bill_to_accounts(session, MAY)) == 4
    monkeypatch.undo()
    assert draft_period(session, MAY, started_by="test", now=NOW).drafted == 4
    assert bill_to_accounts(session, MAY) == []


def test_progress_is_reported_as_each_chunk_is_committed(session, world):
    seen = []
    draft_period(session, MAY, started_by="test", now=NOW, chunk_size=3,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (6, 7), (7, 7)]


def issued_numbers_in_account_order(session):
    return list(session.scalars(
        select(Invoice.number).join(Invoice.customer)
        .where(Invoice.period_end == MAY.end).order_by(Customer.account_number)))


def test_issuing_in_chunks_numbers_the_drafts_in_account_order(session, world):
    draft_period(session, MAY, started_by="test", now=NOW)
    assert issue_period(session, MAY, now=NOW, chunk_size=3) == 7
    assert issued_numbers_in_account_order(session) == [
        f"INV-USD-2026-{n:06d}" for n in range(1, 8)]


def test_a_block_of_numbers_is_taken_at_once(session, world):
    assert take_numbers(session, "INV-USD-2026", 5) == 1
    assert take_number(session, "INV-USD-2026") == 6


@pytest.mark.postgres_only
def test_two_issuers_at_once_issue_each_draft_once_without_gaps(session, world, db):
    draft_period(session, MAY, started_by="test", now=NOW)
    engine, barrier, issued = db.engine, threading.Barrier(2), []

    def issue():
        with Session(engine) as own:
            barrier.wait()
            issued.append(issue_period(own, MAY, now=NOW, chunk_size=2))

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(issued) == 7
    assert sorted(issued_numbers_in_account_order(session)) == [
        f"INV-USD-2026-{n:06d}" for n in range(1, 8)]

"""Statements: balances, invoices, payments, credits, SLA credits and ageing, by hand.

The world's direct customer (USD) has one issued invoice: 8,642.19, issued 26 Feb 2026,
due 28 Mar 2026, nothing paid. Dates below are provider-calendar days.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.catalog.models import Product, Service
from billing.core.clock import PROVIDER_TZ, period_ending_in
from billing.core.errors import InvalidInput
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.statements import build_statement
from billing.payments.recording import Receipt, record_payment
from billing.sla.credits import decide_request, open_ticket, record_outage, request_credit
from tests.factories import make_customer, make_invoice, make_user

MAY_10 = datetime(2026, 5, 10, 12, tzinfo=UTC)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=PROVIDER_TZ).astimezone(UTC)


def _note(session, customer, amount_minor, day, reason="goodwill", currency="USD"):
    return create_credit_note(session, customer=customer, amount_minor=amount_minor,
                              currency=currency, reason=reason, reference="Missed install",
                              now=noon(day))


def pay(session, customer, amount_minor, day, *names, method="wire", reference="W-1"):
    received = noon(day)
    return record_payment(session, Receipt(
        currency="USD", amount_minor=amount_minor, received_at=received, method=method,
        reference=reference, source="staff", customer_id=customer.id, named_numbers=names),
        received)[0]


@pytest.fixture
def ledger(session, world):
    """Two more invoices, two payments and two goodwill notes for the direct customer."""
    direct = world.customers["direct"]
    # issued 29 Dec 2025, due 28 Jan 2026: 100.00, 40.00 paid on 15 Jan 2026
    make_invoice(session, direct, "USD-2025-000900", period_end=date(2026, 1, 25),
                 amount_minor=10_000)
    pay(session, direct, 4_000, date(2026, 1, 15), "USD-2025-000900", reference="W-JAN")
    # issued 29 Mar 2026, due 28 Apr 2026: 200.00, 50.00 paid on 10 Apr 2026
    make_invoice(session, direct, "USD-2026-000900", period_end=date(2026, 4, 25),
                 amount_minor=20_000)
    pay(session, direct, 5_000, date(2026, 4, 10), "USD-2026-000900", reference="W-APR")
    _note(session, direct, 1_500, date(2026, 2, 10))  # before the period
    _note(session, direct, 700, date(2026, 4, 5))  # in the period
    session.flush()
    return direct


def test_balances_follow_invoices_payments_and_credits(session, ledger):
    s = build_statement(session, ledger, date(2026, 3, 1), date(2026, 4, 30), MAY_10)
    # before 1 Mar: (100.00 - 40.00) + (8,642.19 - 0) - 15.00 credit = 8,687.19
    assert s.opening_minor == 6_000 + 864_219 - 1_500 == 868_719
    assert [i.number for i in s.invoices] == ["USD-2026-000900"]
    # the payment received in the period, dated; January's is in the opening balance
    assert [(p.received_on, p.method, p.reference, p.amount_minor) for p in s.payments] == [
        (date(2026, 4, 10), "wire", "W-APR", 5_000)]
    assert [(c.amount_minor, c.reason, c.issued_on) for c in s.credits] == [
        (700, "goodwill", date(2026, 4, 5))]
    # 8,687.19 + 200.00 charged - 50.00 paid - 7.00 credited = 8,830.19
    assert s.closing_minor == 868_719 + 20_000 - 5_000 - 700 == 883_019
    assert s.currency == "USD" and s.reversals == []


def test_ageing_buckets_by_days_past_due_at_the_period_end(session, ledger):
    ageing = build_statement(session, ledger, date(2026, 3, 1), date(2026, 4, 30),
                             MAY_10).ageing
    assert ageing.buckets == {
        "current": 0,
        "1-30": 15_000,  # due 28 Apr, 2 days late: 200.00 - 50.00
        "31-60": 864_219,  # due 28 Mar, 33 days late (3 + 30)
        "61-90": 0,
        "90+": 6_000,  # due 28 Jan, 92 days late (3 + 28 + 31 + 30): 100.00 - 40.00
        "disputed": 0,
    }
    # 15.00 + 7.00 of notes not yet spent on an invoice lower the balance, in no bucket
    assert ageing.unapplied_credit_minor == 2_200
    assert ageing.total_minor == 15_000 + 864_219 + 6_000 - 2_200 == 883_019


def test_a_period_before_any_invoice_is_all_zero(session, ledger):
    s = build_statement(session, ledger, date(2025, 11, 1), date(2025, 11, 30), MAY_10)
    assert (s.opening_minor, s.closing_minor, s.invoices, s.credits) == (0, 0, [], [])


def test_drafts_void_invoices_and_other_currencies_stay_off(session, ledger):
    make_invoice(session, ledger, None, status="draft", period_end=date(2026, 5, 25))
    make_invoice(session, ledger, "USD-2026-000901", status="void", period_end=date(2026, 2, 25))
    _note(session, ledger, 999, date(2026, 4, 6), currency="CAD")
    s = build_statement(session, ledger, date(2026, 3, 1), date(2026, 4, 30), MAY_10)
    assert [i.number for i in s.invoices] == ["USD-2026-000900"]
    assert [c.amount_minor for c in s.credits] == [700]
    assert s.closing_minor == 883_019  # as without them


def test_a_credit_spent_on_an_invoice_is_counted_once(session, world):
    customer = make_customer(session, "AC-0300", "Fresh Customer")
    seat = session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one()
    session.add(Service(customer=customer, product=seat, quantity=Decimal(3),
                        unit_price=Decimal("18.00"), currency="USD",
                        started_on=date(2026, 3, 26)))
    _note(session, customer, 1_000, date(2026, 3, 20))  # 10.00, before the invoice
    period = period_ending_in(2026, 4)  # 26 Mar to 25 Apr: 3 x 18.00 = 54.00 in advance
    draft = draft_invoice(session, customer, period, noon(date(2026, 3, 26)))
    invoice = issue_invoice(session, draft.id, noon(date(2026, 3, 27)))
    assert invoice.total_minor == 5_400 - 1_000  # the note is a credit line on it

    s = build_statement(session, customer, date(2026, 3, 1), date(2026, 3, 31), MAY_10)
    (line,) = s.invoices
    assert (line.charges_minor, line.credit_applied_minor, line.total_minor) == (
        5_400, 1_000, 4_400)
    # 0 + 54.00 charged - 10.00 credited (once, when the note was issued) = 44.00
    assert s.closing_minor == 5_400 - 1_000 == 4_400
    # open 44.00, due 26 Apr (27 Mar + 30 days): current; the note is fully spent
    assert s.ageing.buckets["current"] == 4_400 and s.ageing.unapplied_credit_minor == 0


def _approved_sla_credit(session, world):
    """January 2026: a 150-minute provider outage ticketed in time on the direct
    customer's seats (3 x 18.00 = 54.00) gives 3 hours and 5.23, approved 3 Feb."""
    seats = session.scalars(select(Service).filter_by(
        customer_id=world.customers["direct"].id)).one()
    seats.product.sla_family = "voice"
    start = datetime(2026, 1, 6, 9, tzinfo=PROVIDER_TZ).astimezone(UTC)
    outage = record_outage(session, ref="INC-77", started_at=start,
                           ended_at=start + timedelta(minutes=150), cause="provider",
                           summary="SBC failover", platform="voice")
    open_ticket(session, customer=world.customers["direct"], opened_at=start + timedelta(hours=1),
                summary="No inbound calls", source="portal", outage=outage)
    decided = noon(date(2026, 2, 3))
    request = request_credit(session, service=seats, month=date(2026, 1, 1), user=None,
                             now=decided)
    return decide_request(session, request.id, approve=True, reason="", now=decided,
                          user=world.users["staff"])


def test_an_approved_sla_credit_is_itemised_in_the_period_of_its_note(session, world):
    request = _approved_sla_credit(session, world)
    direct = world.customers["direct"]
    feb = build_statement(session, direct, date(2026, 2, 1), date(2026, 2, 28), MAY_10)
    (sla,) = feb.sla_credits
    # 150 - 22.32 allowance = 127.68 min -> 3 hours -> 3 x 54.00 / 31 = 5.2258 -> 5.23
    assert (sla.month, sla.service, sla.hours, sla.amount_minor) == (
        date(2026, 1, 1), "Voice seat", 3, 523)
    assert sla.credit_note == request.credit_note.number
    assert [(c.reason, c.amount_minor) for c in feb.credits] == [("sla", 523)]
    # 0 opening + 8,642.19 (issued 26 Feb) - 5.23 = 8,636.96
    assert feb.closing_minor == 864_219 - 523 == 863_696
    march = build_statement(session, direct, date(2026, 3, 1), date(2026, 3, 31), MAY_10)
    assert march.sla_credits == [] and march.opening_minor == 863_696


def test_pending_and_rejected_sla_requests_are_not_listed(session, world):
    request = _approved_sla_credit(session, world)
    request.status = "rejected"  # as if it had been decided the other way
    session.flush()
    s = build_statement(session, world.customers["direct"], date(2026, 2, 1),
                        date(2026, 2, 28), MAY_10)
    assert s.sla_credits == []


@pytest.mark.parametrize("start, end, message", [
    (date(2026, 4, 1), date(2026, 3, 1), "start before it ends"),
    (date(2026, 5, 1), date(2026, 5, 11), "days that have passed"),
])
def test_impossible_periods_are_refused(session, world, start, end, message):
    with pytest.raises(InvalidInput, match=message):
        build_statement(session, world.customers["direct"], start, end, MAY_10)


def test_an_open_dispute_holds_its_amount_out_of_the_ageing(session, ledger, world):
    """The 33-days-late invoice (8,642.19 open) has 1,000.00 in dispute at the period's
    end: that part leaves the 31-60 bucket for "disputed"; the balance is unchanged."""
    from billing.disputes import filing
    from tests.factories import make_tiers

    make_tiers(session)
    invoice = world.invoices["direct"]
    filer = make_user(session, "ap@direct.test", "customer_admin", customer=ledger)
    filing.file_dispute(session, invoice=invoice, user=filer, reason="wrong_rate",
                        description="Seats at the old rate", amount_minor=100_000,
                        now=datetime(2026, 4, 20, 15, tzinfo=UTC), window_days=400)
    session.commit()
    ageing = build_statement(session, ledger, date(2026, 3, 1), date(2026, 4, 30),
                             MAY_10).ageing
    assert ageing.buckets["31-60"] == 864_219 - 100_000
    assert ageing.buckets["disputed"] == 100_000
    assert ageing.total_minor == 883_019
    # A statement of the period before the dispute was filed ages it all.
    before = build_statement(session, ledger, date(2026, 3, 1), date(2026, 4, 19), MAY_10)
    assert before.ageing.buckets["disputed"] == 0

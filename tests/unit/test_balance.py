"""The balance rule: what an invoice and an account owe as of a date.

Most tests call the pure `compute` with plain values; the last ones read disputes and
invoices from the database through the loaders.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.disputes import filing, steps
from billing.invoicing import balance
from billing.invoicing.balance import Balance, by_currency, compute
from billing.invoicing.models import Invoice
from tests.factories import make_billing_staff, make_invoice, make_tiers, recent_invoice
from tests.querycount import counted

DUE = date(2026, 4, 2)


def owed(**figures) -> Balance:
    values = dict(currency="USD", billed_minor=100_00, credited_minor=0, paid_minor=0,
                  disputed_minor=0, due_date=DUE, on=DUE)
    values.update(figures)
    return compute(**values)


def figures(b: Balance) -> tuple:
    return (b.billed_minor, b.credited_minor, b.paid_minor, b.open_minor, b.held_minor,
            b.collectible_minor, b.due_minor, b.overdue_minor)


# --- one invoice ---------------------------------------------------------------------------

def test_an_unpaid_invoice_owes_everything_it_billed():
    b = owed()
    assert figures(b) == (100_00, 0, 0, 100_00, 0, 100_00, 100_00, 0)
    assert b.total_minor == 100_00 and b.currency == "USD" and not b.is_overdue


def test_a_partial_payment_leaves_the_rest_open_and_due():
    b = owed(paid_minor=30_00)
    assert figures(b) == (100_00, 0, 30_00, 70_00, 0, 70_00, 70_00, 0)


def test_credits_applied_on_the_invoice_lower_its_total_and_what_is_open():
    b = owed(credited_minor=25_00, paid_minor=10_00)
    assert b.total_minor == 75_00
    assert figures(b) == (100_00, 25_00, 10_00, 65_00, 0, 65_00, 65_00, 0)


def test_an_open_dispute_holds_its_amount_out_of_what_is_due():
    b = owed(paid_minor=10_00, disputed_minor=40_00)
    assert (b.open_minor, b.held_minor, b.collectible_minor, b.due_minor) == (
        90_00, 40_00, 50_00, 50_00)


def test_a_dispute_holds_no_more_than_is_open():
    b = owed(paid_minor=70_00, disputed_minor=50_00)
    assert (b.open_minor, b.held_minor, b.collectible_minor) == (30_00, 30_00, 0)
    paid_up = owed(paid_minor=100_00, disputed_minor=50_00)
    assert (paid_up.open_minor, paid_up.held_minor, paid_up.collectible_minor) == (0, 0, 0)


def test_an_invoice_is_overdue_only_after_its_due_date():
    assert owed(on=DUE).overdue_minor == 0
    late = owed(on=DUE + timedelta(days=1), paid_minor=20_00)
    assert late.overdue_minor == 80_00 and late.is_overdue
    assert owed(on=DUE + timedelta(days=1), due_date=None).overdue_minor == 0


def test_past_due_with_only_disputed_money_left_is_not_overdue():
    b = owed(on=DUE + timedelta(days=40), paid_minor=60_00, disputed_minor=40_00)
    assert (b.open_minor, b.held_minor, b.collectible_minor) == (40_00, 40_00, 0)
    assert b.overdue_minor == 0 and not b.is_overdue


def test_past_due_with_a_collectible_remainder_is_overdue_by_that_remainder():
    b = owed(on=DUE + timedelta(days=40), paid_minor=50_00, disputed_minor=20_00)
    assert (b.collectible_minor, b.overdue_minor, b.is_overdue) == (30_00, 30_00, True)


def test_a_paid_invoice_is_never_overdue():
    b = owed(on=DUE + timedelta(days=400), paid_minor=100_00)
    assert (b.open_minor, b.due_minor, b.overdue_minor) == (0, 0, 0)


def test_without_a_day_nothing_is_overdue():
    assert owed(on=None, due_date=date(2000, 1, 1)).overdue_minor == 0


def test_a_void_invoice_asks_for_nothing():
    b = owed(status="void", on=DUE + timedelta(days=40), paid_minor=10_00, disputed_minor=5_00)
    assert figures(b) == (100_00, 0, 10_00, 0, 0, 0, 0, 0)


def test_a_void_invoice_still_counts_in_its_own_currency():
    void = owed(currency="CAD", status="void")
    assert void.currency == "CAD"
    [(currency, total)] = by_currency([void, owed(currency="CAD")]).items()
    assert (currency, total.billed_minor, total.open_minor) == ("CAD", 200_00, 100_00)


def test_one_cent_left_after_the_due_date_is_overdue():
    b = owed(on=DUE + timedelta(days=1), paid_minor=99_99)
    assert (b.collectible_minor, b.overdue_minor, b.is_overdue) == (1, 1, True)


def test_an_overpaid_invoice_has_a_negative_open_amount_so_sums_still_add_up():
    b = owed(paid_minor=120_00, disputed_minor=10_00, on=DUE + timedelta(days=5))
    assert (b.open_minor, b.held_minor, b.collectible_minor, b.overdue_minor) == (
        -20_00, 0, -20_00, 0)


def test_a_negative_disputed_amount_holds_nothing():
    assert owed(disputed_minor=-5_00).held_minor == 0


def test_a_loaded_invoice_has_billed_its_total_before_credits():
    invoice = Invoice(currency="EUR", total_minor=75_00, credit_minor=25_00, paid_minor=5_00,
                      due_date=DUE, status="partially_paid")
    b = balance.of_invoice(invoice, 10_00, DUE + timedelta(days=1))
    assert figures(b) == (100_00, 25_00, 5_00, 70_00, 10_00, 60_00, 60_00, 60_00)
    assert b.currency == "EUR" and b.total_minor == 75_00


def test_a_loaded_invoice_without_disputes_owes_all_that_is_open():
    invoice = Invoice(currency="USD", total_minor=75_00, credit_minor=0, paid_minor=5_00,
                      due_date=DUE, status="partially_paid")
    b = balance.of_invoice(invoice)
    assert (b.open_minor, b.held_minor, b.due_minor, b.overdue_minor) == (70_00, 0, 70_00, 0)


def test_a_loaded_void_invoice_asks_for_nothing():
    invoice = Invoice(currency="USD", total_minor=75_00, credit_minor=0, paid_minor=0,
                      due_date=DUE, status="void")
    b = balance.of_invoice(invoice, 0, DUE + timedelta(days=30))
    assert (b.billed_minor, b.open_minor, b.due_minor, b.overdue_minor) == (75_00, 0, 0, 0)


# --- an account ----------------------------------------------------------------------------

def test_an_account_sums_its_invoices_of_one_currency():
    late = DUE + timedelta(days=10)
    invoices = [owed(on=late, paid_minor=100_00),                    # paid
                owed(on=late, paid_minor=30_00, disputed_minor=20_00),  # overdue 50
                owed(on=late, due_date=late, credited_minor=10_00)]      # due, not late
    [(currency, total)] = by_currency(invoices).items()
    assert currency == "USD"
    assert figures(total) == (300_00, 10_00, 130_00, 160_00, 20_00, 140_00, 140_00, 50_00)
    assert total.is_overdue


def test_an_account_with_two_currencies_has_one_balance_per_currency():
    usd = owed(paid_minor=10_00)
    cad = owed(currency="CAD", billed_minor=50_00, on=DUE + timedelta(days=1))
    sums = by_currency([usd, cad, usd])
    assert list(sums) == ["CAD", "USD"]
    assert (sums["CAD"].open_minor, sums["CAD"].overdue_minor) == (50_00, 50_00)
    assert (sums["USD"].open_minor, sums["USD"].overdue_minor) == (180_00, 0)
    assert by_currency([]) == {}


def test_amounts_of_different_currencies_are_never_added():
    with pytest.raises(ValueError, match="USD and CAD are never added"):
        owed() + owed(currency="CAD")


# --- the loaders ---------------------------------------------------------------------------

FILED = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # a Tuesday, in business hours


@pytest.fixture
def case(world, session):
    make_tiers(session)
    specialist = make_billing_staff(session, "billing_specialist")
    invoice = recent_invoice(session, world.customers["channel"], issued_on=date(2026, 3, 3))
    session.commit()
    return type("Case", (), dict(invoice=invoice, filer=world.users["customer_admin"],
                                 specialist=specialist))


def file(session, case, amount, now=FILED):
    step = filing.file_dispute(session, invoice=case.invoice, user=case.filer,
                                 reason="wrong_rate", description=f"Wrong by {amount}",
                                 amount_minor=amount, now=now)
    session.commit()
    return step.dispute


def test_what_disputes_held_is_read_as_of_an_instant(session, case):
    invoice = case.invoice
    dispute = file(session, case, 20_000)
    settled = FILED + timedelta(hours=2)
    steps.settle(session, dispute.id, case.specialist, outcome="partial",
                    credit_minor=5_000, reason="Part of it.", now=settled)
    session.commit()
    held = [balance.disputed_at(session, [invoice.id], moment).get(invoice.id, 0)
            for moment in (FILED - timedelta(seconds=1), FILED, settled - timedelta(seconds=1),
                           settled)]
    assert held == [0, 20_000, 20_000, 0]
    assert dispute.held_minor == 0
    reopened = settled + timedelta(days=1)
    steps.reopen(session, dispute.id, case.filer, "Not enough.", reopened)
    session.commit()
    # reopened, it holds what it disputes less the credit the settlement already granted
    assert balance.disputed_at(session, [invoice.id], reopened) == {invoice.id: 15_000}
    assert dispute.held_minor == 15_000  # now, after every step


def test_an_invoice_balance_reads_its_open_disputes(session, case):
    file(session, case, 100_000)
    file(session, case, 25_050, now=FILED + timedelta(minutes=1))
    case.invoice.paid_minor = 100_000
    session.commit()
    b = balance.invoice_balance(session, case.invoice, FILED + timedelta(minutes=1))
    assert (b.open_minor, b.held_minor, b.due_minor) == (764_219, 125_050, 639_169)
    assert not b.is_overdue
    late = balance.invoice_balance(session, case.invoice, datetime(2026, 4, 3, 7, tzinfo=UTC))
    assert late.overdue_minor == 639_169  # due 2026-04-02; 04-03 01:00 in Denver


def test_balances_of_many_invoices_take_one_query(session, world, case):
    for n in range(1, 11):
        make_invoice(session, world.customers["other"], f"QB-{n}", period_end=date(2025, n, 25))
    session.commit()
    invoices = session.scalars(select(Invoice).where(Invoice.number.like("QB-%"))).all()
    with counted(session.get_bind()) as statements:
        balances = balance.invoice_balances(session, invoices, FILED)
    assert len(statements) == 1 and len(balances) == 10
    with counted(session.get_bind()) as statements:
        assert balance.invoice_balances(session, [], FILED) == {}
    assert statements == []


def test_an_account_balance_counts_billed_invoices_issued_by_then(session, world, case):
    account = world.customers["channel"]
    make_invoice(session, account, "QB-DRAFT", period_end=date(2025, 1, 25), status="draft")
    account.currency = "CAD"  # an account that once billed in CAD
    make_invoice(session, account, "QB-CAD", period_end=date(2025, 2, 25))
    account.currency = "USD"
    file(session, case, 10_000)
    sums = balance.account_balances(session, account.id, FILED)
    # the world's invoice and the recent one in USD (the draft is not billed), one in CAD
    assert sums["USD"].billed_minor == 2 * 864_219
    assert sums["USD"].held_minor == 10_000
    assert sums["CAD"].billed_minor == 864_219
    before_recent = balance.account_balances(session, account.id,
                                             datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert before_recent["USD"].billed_minor == 864_219
    issue_day = balance.account_balances(session, account.id,
                                         datetime(2026, 3, 3, 19, tzinfo=UTC))  # noon MST
    assert issue_day["USD"].billed_minor == 2 * 864_219

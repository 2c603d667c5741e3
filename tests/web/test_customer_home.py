"""The customer's home page: balance per currency, what is due next, the overdue
warning and the Pay button, at the same query count however many invoices."""

from __future__ import annotations

from datetime import timedelta

from billing.core.clock import provider_date, utcnow
from billing.disputes import filing
from tests.factories import make_tiers, recent_invoice
from tests.querycount import counted


def _home(client) -> str:
    response = client.get("/customer/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_overdue_balance_warns_and_offers_to_pay(login_as, world):
    page = _home(login_as("customer_admin"))
    # the account's invoice and its location's, 8,642.19 each, due 2026-03-28: overdue
    assert 'role="alert"' in page and "2 invoices are past their due date" in page
    assert "$17,284.38 is overdue" in page
    assert 'id="pay-button"' in page and 'href="/customer/pay"' in page


def test_a_customer_user_sees_the_warning_but_no_pay_button(login_as, world):
    page = _home(login_as("customer_user"))
    assert 'role="alert"' in page and 'id="pay-button"' not in page


def test_what_falls_due_next_and_a_dispute_held_apart(login_as, session, world):
    account = world.customers["other"]
    world.invoices["other"].paid_minor = world.invoices["other"].total_minor  # paid up
    invoice = recent_invoice(session, account, amount_minor=120_00)  # due in 23 days
    make_tiers(session)
    filing.file_dispute(session, invoice=invoice, user=world.users["other_customer"],
                        reason="wrong_rate", description="Seat rate", amount_minor=20_00,
                        now=utcnow())
    session.commit()
    page = _home(login_as("other_customer"))
    assert 'role="alert"' not in page
    assert "$100.00" in page  # to pay: 120.00 less the 20.00 held
    assert "$20.00" in page and "Held in dispute" in page
    due = provider_date(utcnow()) - timedelta(days=7) + timedelta(days=30)
    assert f"$100.00 on {due.strftime('%b')}" in page and str(due.year) in page


def test_a_paid_up_account_has_nothing_to_pay_and_no_pay_button(login_as, session, world):
    world.invoices["other"].paid_minor = world.invoices["other"].total_minor
    session.commit()
    page = _home(login_as("other_customer"))
    assert "$0.00" in page and "Nothing coming due" in page
    assert 'role="alert"' not in page and 'id="pay-button"' not in page


def test_the_home_page_query_count_does_not_grow_with_invoices(login_as, session, world, db):
    client = login_as("customer_admin")
    account = world.customers["channel"]
    recent_invoice(session, account, number="HOME-1")
    session.commit()
    client.get("/customer/")
    with counted(db.engine) as small:
        _home(client)
    for n in range(2, 30):
        recent_invoice(session, account, number=f"HOME-{n}")
    session.commit()
    with counted(db.engine) as large:
        _home(client)
    assert len(small) == len(large)

"""The customer dashboard beyond its balance (test_customer_home.py): the latest invoices
and payments, the twelve-month usage trend, open disputes and SLA credit requests, of
its own account and sub-accounts only, at a constant query count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.commissions import months
from billing.core.clock import utcnow
from billing.disputes import filing
from billing.invoicing.usage_models import UsageRecord
from billing.payments.recording import Receipt, record_payment
from tests.dashboard_helpers import add_credit_request
from tests.factories import make_tiers, recent_invoice
from tests.querycount import counted


def _dashboard(client) -> str:
    response = client.get("/customer/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)[0]


def _pay(session, customer, amount_minor: int, reference: str, received_at=None):
    now = utcnow()
    record_payment(session, Receipt(currency="USD", amount_minor=amount_minor,
                                    received_at=received_at or now, method="wire",
                                    reference=reference, source="staff",
                                    customer_id=customer.id), now)


def _call(session, customer, started_at: datetime, minutes: str, ref: str):
    session.add(UsageRecord(source_ref=ref, customer_id=customer.id, call_type="local",
                            started_at=started_at, minutes=Decimal(minutes),
                            rate=Decimal("0.01")))


def test_a_customer_lands_on_its_dashboard(client, world):
    from tests.conftest import login

    login(client, world.users["customer_admin"])
    assert client.get("/").headers["Location"] == "/customer/"
    page = _dashboard(client)
    assert page.count("<h1>") == 1 and "Channel Customer" in page
    assert "Address of record" in page  # the account's details stay on the page


def test_the_latest_five_invoices_newest_first_with_their_standing(login_as, session, world):
    account = world.customers["channel"]
    for n, days in enumerate([40, 30, 20, 10, 5, 1]):
        recent_invoice(session, account, number=f"LATEST-{n}",
                       issued_on=(utcnow() - timedelta(days=days)).date(),
                       amount_minor=100_00 + n)
    session.commit()
    section = _section(_dashboard(login_as("customer_user")), "recent-invoices")
    numbers = re.findall(r">(LATEST-\d|USD-2026-\d+)</a>", section)
    assert numbers == ["LATEST-5", "LATEST-4", "LATEST-3", "LATEST-2", "LATEST-1"]
    assert section.count("$100.05") == 2  # LATEST-5: 100.00 + 0.05, its total and its due
    assert 'href="/customer/invoices"' in section


def test_an_overdue_invoice_says_so(login_as, world):
    section = _section(_dashboard(login_as("customer_admin")), "recent-invoices")
    # the world's invoices of AC-0001 and its location: 8,642.19 each, due 2026-03-28
    assert section.count('<span class="badge overdue">Overdue</span>') == 2


def test_recent_payments_are_the_accounts_own(login_as, session, world):
    _pay(session, world.customers["channel"], 250_00, "WIRE-OURS")
    _pay(session, world.customers["location"], 75_50, "WIRE-LOCATION")
    _pay(session, world.customers["other"], 999_00, "WIRE-THEIRS")
    session.commit()
    section = _section(_dashboard(login_as("customer_admin")), "recent-payments")
    assert "WIRE-OURS" in section and "$250.00" in section
    assert "WIRE-LOCATION" in section and "$75.50" in section  # its sub-account's
    assert "WIRE-THEIRS" not in section and "$999.00" not in section


def test_usage_is_summed_per_provider_month(login_as, session, world):
    now = utcnow()
    this, last = months.recent(now, 2)[::-1]
    start, _ = months.bounds(this)  # the month's first instant in Denver, in UTC
    _call(session, world.customers["channel"], start, "10.5", "C1")
    _call(session, world.customers["location"], start + timedelta(minutes=5), "4.5", "C2")
    # a second before the month began in Denver (already the 1st in UTC): last month
    _call(session, world.customers["channel"], start - timedelta(seconds=1), "30", "C3")
    _call(session, world.customers["other"], start, "999", "C4")  # another account's
    session.commit()
    section = _section(_dashboard(login_as("customer_user")), "usage")
    label = {m: datetime(int(m[:4]), int(m[5:]), 1, tzinfo=UTC).strftime("%b %y")
             for m in (this, last)}
    # this month: 10.5 + 4.5 = 15 minutes; last month: 30
    assert f'<th scope="row">{label[this]}</th><td class="num">15</td>' in section
    assert f'<th scope="row">{label[last]}</th><td class="num">30</td>' in section
    assert 'id="chart-usage"' in section and "999" not in section


def test_no_calls_no_chart(login_as, world):
    section = _section(_dashboard(login_as("customer_user")), "usage")
    assert "No calls in the last 12 months." in section and "<svg" not in section


def test_open_disputes_and_credit_requests(login_as, session, world):
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"], amount_minor=300_00)
    step = filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                               reason="wrong_rate", description="Rate", amount_minor=45_00,
                               now=utcnow())
    add_credit_request(session, world.customers["channel"], "pending", 12_34)
    add_credit_request(session, world.customers["other"], "pending", 56_78)
    session.commit()
    page = _dashboard(login_as("customer_admin"))
    disputes = _section(page, "open-disputes")
    assert step.dispute.reference in disputes and "$45.00" in disputes and "Open" in disputes
    requests = _section(page, "credit-requests")
    assert "$12.34" in requests and "Pending" in requests and "$56.78" not in requests


def test_the_query_count_does_not_grow_with_history(login_as, session, world, db):
    client = login_as("customer_admin")
    account = world.customers["channel"]
    now = utcnow()
    _pay(session, account, 1_00, "P-0")
    _call(session, account, now - timedelta(days=3), "1", "U-0")
    add_credit_request(session, account, "pending", 1_00)
    session.commit()
    _dashboard(client)
    with counted(db.engine) as small:
        _dashboard(client)
    for n in range(1, 40):
        _pay(session, account, 1_00 + n, f"P-{n}")
        _call(session, account, now - timedelta(days=n * 7), "2", f"U-{n}")
    for n in range(1, 12):
        add_credit_request(session, account, "pending", 1_00,
                           month=datetime(2025, n, 1).date())
    session.commit()
    with counted(db.engine) as large:
        _dashboard(client)
    assert len(small) == len(large), (len(small), len(large))

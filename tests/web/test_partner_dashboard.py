"""The partner dashboard: customers by CPNI approval, what the approving customers owe
(and nothing of the others, on any part of the page), disputes and SLA requests by
state, commission, twelve-month charts, tenancy and a constant query count."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from billing.commissions import months
from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.invoicing.models import Invoice
from tests.commission_helpers import seed_earnings
from tests.dashboard_helpers import HIDDEN_TEXTS, seed_channel_book
from tests.factories import approve, make_customer
from tests.querycount import counted


def _dashboard(client) -> str:
    response = client.get("/partner/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)[0]


def _figure(section: str, state: str) -> str:
    return re.search(rf'data-state="{state}"><dt>[^<]*</dt><dd>(?:<a [^>]*>)?([^<]*)<',
                     section)[1]


def test_a_partner_lands_on_its_dashboard_after_signing_in(client, world):
    from tests.conftest import login

    response = login(client, world.users["channel_admin"])
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/partner/"
    page = _dashboard(client)
    assert "<h1>Dashboard</h1>" in page
    assert 'href="/partner/customers"' in page and 'href="/partner/invoices"' in page


def test_customers_are_counted_by_cpni_approval(login_as, session, world):
    seed_channel_book(session, world)
    states = _section(_dashboard(login_as("channel_admin")), "cpni-states")
    # AC-0001 and its location AC-0101 (under the corporate's approval): 2 approved;
    # Pine Ridge never approved, Cedar Falls revoked, none expired.
    assert [_figure(states, s) for s in ("active", "none", "revoked", "expired")] == \
        ["2", "1", "1", "0"]
    assert 'href="/partner/customers?cpni=revoked"' in states


def test_open_and_overdue_add_up_only_the_approving_customers(login_as, session, world):
    seed_channel_book(session, world)
    owed = _section(_dashboard(login_as("channel_admin")), "owed")
    assert "For 2 customers who approved CPNI" in owed
    # open: 8,642.19 (AC-0001) + 8,642.19 (AC-0101) + 120.00 (DASH-OWN) = 17,404.38
    assert "$17,404.38" in owed
    # overdue: the two 8,642.19 invoices, due 2026-03-28 = 17,284.38 (DASH-OWN not yet due)
    assert '<span class="badge overdue">$17,284.38</span>' in owed
    assert "$20.00" in owed and "Held in dispute" in owed  # the open dispute on DASH-OWN


def test_no_amount_of_a_customer_without_approval_appears_anywhere(login_as, session, world):
    seed_channel_book(session, world)
    page = _dashboard(login_as("channel_admin"))
    for text in HIDDEN_TEXTS:
        assert text not in page, text
    assert "Pine Ridge" not in page and "Cedar Falls" not in page


def test_disputes_and_credit_requests_are_counted_by_state(login_as, session, world):
    seed_channel_book(session, world)
    page = _dashboard(login_as("channel_admin"))
    disputes = _section(page, "disputes")
    # DASH-OWN's dispute open; Pine Ridge's withdrawn (a count says nothing of amounts)
    assert [_figure(disputes, s) for s in ("open", "waiting", "settled", "withdrawn")] == \
        ["1", "0", "0", "1"]
    assert 'href="/partner/disputes?status=open"' in disputes
    requests = _section(page, "credit-requests")
    assert [_figure(requests, s) for s in ("pending", "approved", "rejected")] == \
        ["1", "1", "0"]


def test_the_billed_chart_holds_only_the_approving_customers(login_as, session, world):
    book = seed_channel_book(session, world)
    page = _dashboard(login_as("channel_admin"))
    chart = re.search(r'<figure id="chart-billed-USD-figure">.*?</figure>', page, re.S)[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-billed-USD"' in chart
    assert chart.count('<th scope="row">') == 12  # a row per month, empty ones too
    # DASH-OWN (120.00) was issued a week ago; Pine Ridge's and Cedar Falls' invoices of
    # the same day are left out of that month's bar and figure.
    label = book.own_invoice.issue_date.strftime("%b %y")
    assert f'<th scope="row">{label}</th><td class="num">$120.00</td>' in chart
    if "2026-02" in months.recent(utcnow(), 12):  # the world's invoices, issued 2026-02-26
        assert '<th scope="row">Feb 26</th><td class="num">$17,284.38</td>' in chart


def test_the_dashboard_logs_the_approving_customers_disclosure(login_as, session, world):
    book = seed_channel_book(session, world)
    _dashboard(login_as("channel_admin"))
    logged = set(session.scalars(select(CpniDisclosure.customer_id).where(
        CpniDisclosure.subject == "dashboard")))
    assert logged == {world.customers["channel"].id, world.customers["location"].id}
    assert book.pine.id not in logged and book.cedar.id not in logged


def test_commission_this_month_and_its_chart(login_as, session, world):
    seed_earnings(session, world)
    page = _dashboard(login_as("agency_admin"))
    commission = _section(page, "commission")
    # the agency's override: 5 % of 100.00 (Open Books) + 5 % of 300.00 (Closed Books) = 20.00
    assert "<strong>$20.00</strong>" in commission
    assert 'id="chart-commission-USD"' in page


def test_a_rebiller_sees_no_commission_and_not_its_own_account_as_a_customer(
        login_as, session, world):
    make_customer(session, "WS-0001", "Rebill Ltd (wholesale account)",
                  partner=world.partners["wholesale"], billing_role="wholesale")
    session.commit()
    page = _dashboard(login_as("wholesale_admin"))
    assert 'id="commission"' not in page
    states = _section(page, "cpni-states")
    assert _figure(states, "none") == "1"  # AC-0006 only, not its own wholesale account


def test_a_partner_sees_nothing_of_another_partners_tree(login_as, session, world):
    seed_channel_book(session, world)
    page = _dashboard(login_as("other_admin"))
    assert "17,404.38" not in page and "17,284.38" not in page and "$120.00" not in page
    states = _section(page, "cpni-states")
    assert [_figure(states, s) for s in ("active", "none", "revoked")] == ["0", "1", "0"]
    disputes = _section(page, "disputes")
    assert _figure(disputes, "open") == "0" and _figure(disputes, "withdrawn") == "0"
    assert _figure(_section(page, "credit-requests"), "pending") == "0"


def test_a_sub_agent_does_not_see_its_agencys_own_customers(login_as, session, world):
    agency, sub = world.partners["agency"], world.partners["sub"]
    approve(session, world.customers["agency"], agency)
    approve(session, world.customers["sub"], sub)
    session.commit()
    agency_page = _section(_dashboard(login_as("agency_admin")), "owed")
    assert "For 1 customer who approved CPNI" in agency_page  # AC-0003, not AC-0004's
    sub_states = _section(_dashboard(login_as("sub_admin")), "cpni-states")
    # the sub-agent's tree: AC-0004 (approved it) and AC-0005 (its own sub-agent's)
    assert [_figure(sub_states, s) for s in ("active", "none")] == ["1", "1"]


def _grow(session, world, first: int, count: int):
    partner = world.partners["channel"]
    for n in range(first, first + count):
        customer = make_customer(session, f"QD-{n:05d}", f"Dash Customer {n:05d}",
                                 partner=partner)
        if n % 2:
            approve(session, customer, partner)
        session.add_all(
            Invoice(customer=customer, number=f"QD-{n:05d}-{m}", status="issued",
                    period_start=date(2026, m, 1), period_end=date(2026, m, 25),
                    issue_date=date(2026, m, 26), due_date=date(2026, m + 1, 25),
                    currency="USD", total_minor=1000 + m, bill_to={})
            for m in range(1, 3))
    session.commit()


def test_the_query_count_does_not_grow_with_customers(login_as, session, world, db):
    client = login_as("channel_admin")
    seed_channel_book(session, world)
    _grow(session, world, 0, 5)
    _dashboard(client)
    with counted(db.engine) as small:
        _dashboard(client)
    _grow(session, world, 5, 300)
    with counted(db.engine) as large:
        _dashboard(client)
    assert len(small) == len(large), (len(small), len(large))


def test_in_german_the_figures_are_written_the_german_way(login_as, session, world):
    from tests.conftest import csrf_token

    seed_channel_book(session, world)
    client = login_as("channel_admin")
    client.post("/auth/language", data={"csrf_token": csrf_token(client, "/partner/"),
                                        "locale": "de"})
    page = _dashboard(client)
    assert '<html lang="de">' in page
    owed = _section(page, "owed")
    assert "17.404,38" in owed and "17.284,38" in owed  # the same sums as in English
    for text in ("3.141,59", "2.718,28", "20.545,97", "23.264,25"):
        assert text not in page, text

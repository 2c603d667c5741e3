"""The billing staff dashboard: the dispute queue per tier with overdue counts, runs at
work with their progress bars, open reconciliation exceptions, receivables as of today,
SLA credit requests waiting; where staff land, and a constant query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from billing.core.clock import provider_date, recent_periods, utcnow
from billing.disputes import filing
from billing.invoicing.usage_models import InvoiceRun
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from tests.conftest import login
from tests.dashboard_helpers import add_credit_request
from tests.factories import NOW, make_customer, make_tiers, make_user, recent_invoice
from tests.querycount import counted


def _dashboard(client) -> str:
    response = client.get("/staff/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)[0]


def _tier_row(section: str, level: int) -> tuple[str, str]:
    row = re.search(rf'<tr data-level="{level}">.*?</tr>', section, re.S)[0]
    cells = re.findall(r'<td class="num">(?:<span [^>]*>)?([^<]*)<', row)
    return cells[0], cells[1]


def _disputes(session, world, count: int, prefix: str = "DQ"):
    made = []
    for n in range(count):
        customer = make_customer(session, f"{prefix}-{n:04d}", f"Disputing {n}")
        user = make_user(session, f"{prefix.lower()}{n}@customer.test", "customer_admin",
                         customer=customer)
        invoice = recent_invoice(session, customer, number=f"{prefix}-INV-{n:04d}",
                                 amount_minor=50_00)
        made.append(filing.file_dispute(session, invoice=invoice, user=user, reason="tax",
                                        description="Tax", amount_minor=10_00,
                                        now=utcnow()).dispute)
    return made


def test_billing_staff_land_on_the_dashboard_and_admins_on_the_search(app, session, world):
    client = app.test_client()
    login(client, world.users["staff"])
    assert client.get("/").headers["Location"] == "/staff/dashboard"
    assert "<h1>Dashboard</h1>" in _dashboard(client)
    admin = make_user(session, "admin@staff.test", "admin",
                      totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    session.commit()
    other = app.test_client()
    login(other, admin)
    assert other.get("/").headers["Location"] == "/staff/"
    assert other.get("/staff/dashboard").status_code == 404


@pytest.fixture
def queue(session, world):
    """Tier 1: three active disputes, one past its deadline, one waiting for the filer
    (no deadline, never overdue); tier 2: one, escalated and past its deadline; a settled
    one on tier 1, no longer in the queue."""
    tiers = make_tiers(session)
    first, second, third, waiting, settled = _disputes(session, world, 5)
    first.deadline_at = utcnow() - timedelta(hours=1)
    second.tier, second.deadline_at = tiers[1], utcnow() - timedelta(minutes=5)
    waiting.status, waiting.deadline_at = "waiting", None
    settled.status, settled.outcome = "settled", "denied"
    session.commit()
    return tiers


def test_the_queue_is_counted_per_tier_with_its_overdue_disputes(login_as, queue):
    section = _section(_dashboard(login_as("staff")), "dispute-queue")
    assert _tier_row(section, 1) == ("3", "1")  # first, third, waiting; first overdue
    assert _tier_row(section, 2) == ("1", "1")  # second, overdue
    assert _tier_row(section, 3) == ("0", "0") and _tier_row(section, 4) == ("0", "0")
    assert f'href="/staff/disputes/?tier={queue[0].id}"' in section


def test_runs_at_work_show_their_progress(login_as, session, world):
    now = utcnow()
    live_period, stalled_period, done_period = recent_periods(provider_date(now), 3)
    live = InvoiceRun(period_end=live_period.end, state="running", started_by="ana",
                      total=10, done=4, progress_at=now)
    stalled = InvoiceRun(period_end=stalled_period.end, state="issuing", started_by="ana",
                         total=8, done=2, progress_at=now - timedelta(minutes=10))
    finished = InvoiceRun(period_end=done_period.end, state="issued", started_by="ana")
    payments = ReconciliationRun(kind="payments", input_key="k1", input_label="report.csv",
                                 state="running", started_by="ana")
    session.add_all([live, stalled, finished, payments])
    session.commit()
    section = _section(_dashboard(login_as("staff")), "runs")
    assert f'<progress id="progress-invoice_run-{live.id}" max="10" value="4">' in section
    assert "4 of 10 done" in section
    assert f'id="progress-invoice_run-{stalled.id}"' in section and "Stopped" in section
    assert f'id="progress-invoice_run-{finished.id}"' not in section
    assert "Payment reconciliation: report.csv" in section and "Starting…" in section
    assert f'href="/staff/runs/{live.id}"' in section
    assert section.count("run-progress.js") == 1  # one bar is followed; the page reloads


def test_open_reconciliation_exceptions_are_counted_and_summed(login_as, session, world):
    run = ReconciliationRun(kind="payments", input_key="k2", state="done", started_by="ana")
    session.add(run)
    session.flush()
    for n, (amount, status) in enumerate([(10_00, "open"), (5_50, "open"),
                                          (99_99, "resolved")]):
        item = ReconciliationItem(run_id=run.id, line=n + 2, balance_transaction_id=f"txn_{n}",
                                  reporting_category="charge", currency="USD",
                                  gross_minor=amount, fee_minor=0, net_minor=amount,
                                  created_utc=utcnow(), month="2026-01")
        session.add(item)
        session.flush()
        session.add(ReconciliationException(run_id=run.id, item_id=item.id, kind="unmatched",
                                            currency="USD", amount_minor=amount,
                                            status=status))
    session.commit()
    section = _section(_dashboard(login_as("staff")), "exceptions")
    row = re.search(r'<tr data-kind="unmatched">.*?</tr>', section, re.S)[0]
    assert "Unmatched payment" in row and ">2<" in row
    assert "$15.50" in row  # 10.00 + 5.50; the resolved 99.99 is not waiting
    assert "$99.99" not in section


def test_receivables_are_aged_as_of_today(login_as, session, world):
    recent_invoice(session, world.customers["direct"], amount_minor=120_00)  # due in 23 days
    session.commit()
    section = _section(_dashboard(login_as("staff")), "receivables")
    usd = re.search(r'<div data-currency="USD">.*?</table>', section, re.S)[0]
    assert '<td class="num" data-bucket="current">$120.00</td>' in usd
    # the world's eight accounts owe 8,642.19 each, past due since 2026-03-28:
    # 8 x 8,642.19 = 69,137.52 overdue, + 120.00 current = 69,257.52 collectible
    assert '<td class="num" data-bucket="collectible">$69,257.52</td>' in usd
    assert 'id="chart-ageing-USD"' in section


def test_sla_requests_waiting(login_as, session, world):
    add_credit_request(session, world.customers["channel"], "pending", 1_00)
    add_credit_request(session, world.customers["other"], "pending", 2_00)
    add_credit_request(session, world.customers["agency"], "approved", 3_00)
    session.commit()
    section = _section(_dashboard(login_as("staff")), "credit-requests")
    assert "<strong>2</strong>" in section  # two pending; the approved one is done
    assert 'href="/staff/credit-requests?status=pending"' in section


def test_the_query_count_does_not_grow_with_the_workload(login_as, session, world, db):
    make_tiers(session)
    _disputes(session, world, 2, "QA")
    add_credit_request(session, world.customers["channel"], "pending", 1_00)
    session.commit()
    client = login_as("staff")
    _dashboard(client)
    with counted(db.engine) as small:
        _dashboard(client)
    _disputes(session, world, 60, "QB")
    for customer in list(world.customers.values()):
        add_credit_request(session, customer, "pending", 1_00)
    session.commit()
    with counted(db.engine) as large:
        _dashboard(client)
    assert len(small) == len(large), (len(small), len(large))


def test_a_customer_or_partner_cannot_open_it(login_as):
    assert login_as("channel_admin").get("/staff/dashboard").status_code == 404


def test_a_drafted_run_is_not_a_run_in_progress(login_as, session, world):
    session.add(InvoiceRun(period_end=recent_periods(provider_date(utcnow()), 2)[1].end,
                           state="drafted",
                           started_by="cli", started_at=utcnow()))
    session.commit()
    section = _section(_dashboard(login_as("staff")), "runs")
    assert "No invoice or reconciliation run is at work." in section

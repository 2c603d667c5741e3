"""Billing staff run invoicing from the staff pages: start a period's run, follow it to the
end, review the drafts and issue them; then customers and partners see the invoices."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.catalog.models import Product, Service
from billing.core.clock import period_ending_in, provider_date, recent_periods, utcnow
from billing.invoicing.models import Invoice
from billing.invoicing.runs import draft_period, issue_period
from billing.invoicing.usage_models import InvoiceRun
from tests.conftest import csrf_token, login
from tests.factories import NOW, make_customer, make_user

BILL_TO_ACCOUNTS = 7  # the world's accounts that get their own invoice


def last_ended_period():
    return recent_periods(provider_date(utcnow()), 2)[1]


def start(client, period_key: str):
    token = csrf_token(client, "/staff/runs")
    return client.post("/staff/runs", data={"csrf_token": token, "period": period_key})


def run_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"/staff/runs/(\d+)$", response.headers["Location"])[1])


def wait_until_finished(client, run_id: int, timeout: float = 60.0) -> dict:
    """Poll the progress JSON, as the progress view does, until the run stops moving."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = client.get(f"/staff/runs/{run_id}/progress").get_json()
        if not progress["active"]:
            return progress
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still going after {timeout} s: {progress}")


def issue(client, run_id: int):
    url = f"/staff/runs/{run_id}"
    return client.post(f"{url}/issue", data={"csrf_token": csrf_token(client, url)})


def invoices_of(session, period, status=None) -> list[Invoice]:
    query = select(Invoice).where(Invoice.period_end == period.end)
    if status:
        query = query.where(Invoice.status == status)
    return list(session.scalars(query.execution_options(populate_existing=True)))


@pytest.fixture
def drafted(login_as, session, world):
    """The last ended period, drafted from the run page by a billing specialist."""
    client, period = login_as("staff"), last_ended_period()
    run_id = run_id_of(start(client, period.key))
    return client, period, run_id, wait_until_finished(client, run_id)


def test_a_started_run_drafts_every_account_and_shows_how_far_it_got(drafted, session):
    client, period, run_id, progress = drafted
    assert progress == {"state": "drafted", "active": False, "done": BILL_TO_ACCOUNTS,
                        "total": BILL_TO_ACCOUNTS, "label": "7 of 7 accounts"}
    assert len(invoices_of(session, period, "draft")) == BILL_TO_ACCOUNTS
    run = session.get(InvoiceRun, run_id)
    assert (run.state, run.drafted, run.failures, run.started_by) == (
        "drafted", BILL_TO_ACCOUNTS, [], "specialist@staff.test")
    page = client.get(f"/staff/runs/{run_id}").get_data(as_text=True)
    assert "Issue 7 drafts" in page and 'value="7"' in page and "7 of 7 accounts" in page
    assert f'href="/staff/runs/{run_id}/drafts"' in page
    assert "<script" not in page.split("<main>")[1]  # finished: nothing left to poll


def test_the_review_link_lists_the_drafts_of_the_period(drafted, session):
    client, period, _, _ = drafted
    page = client.get(f"/staff/invoices?period={period.key}&status=draft").get_data(as_text=True)
    assert page.count('<span class="badge badge-draft">Draft</span>') == BILL_TO_ACCOUNTS


def test_issued_invoices_reach_the_customer_and_its_partner_at_once(app, drafted, session,
                                                                    world):
    client, period, run_id, _ = drafted
    customer_invoice = next(i for i in invoices_of(session, period)
                            if i.customer_id == world.customers["channel"].id)
    customer, partner, stranger = (app.test_client() for _ in range(3))
    login(customer, world.users["customer_admin"])
    login(partner, world.users["channel_admin"])
    login(stranger, world.users["other_admin"])
    assert customer.get(f"/customer/invoices/{customer_invoice.id}").status_code == 404

    issue(client, run_id)
    assert wait_until_finished(client, run_id)["label"] == "7 of 7 invoices issued"

    number = session.scalar(select(Invoice.number).where(Invoice.id == customer_invoice.id))
    assert number.startswith("INV-USD-")
    assert number in customer.get("/customer/invoices").get_data(as_text=True)
    assert customer.get(f"/customer/invoices/{customer_invoice.id}").status_code == 200
    listed = partner.get("/partner/invoices").get_data(as_text=True)
    row = re.search(rf'<tr>\s*<td class="id"><a [^>]*>{number}</a>.*?</tr>', listed, re.S)[0]
    assert "withheld" in row  # no CPNI approval: the partner sees the invoice, not its charges
    assert stranger.get(f"/partner/invoices/{customer_invoice.id}").status_code == 404


def test_issuing_twice_issues_each_draft_once_with_gapless_numbers(drafted, session):
    client, period, run_id, _ = drafted
    first, second = issue(client, run_id), issue(client, run_id)
    assert first.status_code == second.status_code == 302
    wait_until_finished(client, run_id)
    numbers = sorted(i.number for i in invoices_of(session, period, "issued"))
    assert numbers == [f"INV-USD-{NOW.year}-{n:06d}" for n in range(1, BILL_TO_ACCOUNTS + 1)]
    run = session.get(InvoiceRun, run_id)
    session.refresh(run)
    assert (run.state, run.issued) == ("issued", BILL_TO_ACCOUNTS)
    page = client.get(f"/staff/runs/{run_id}").get_data(as_text=True)
    assert "have been issued" in page or "already being issued" in page


def test_a_second_start_while_a_run_is_going_starts_no_second_worker(login_as, session, world):
    period = last_ended_period()
    live = InvoiceRun(period_end=period.end, state="running", started_by="cli",
                      started_at=utcnow(), progress_at=utcnow(), total=7, done=2)
    session.add(live)
    session.commit()
    client = login_as("staff")
    response = start(client, period.key)
    assert run_id_of(response) == live.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The run for {period.key} is already running." in page
    assert "2 of 7 accounts" in page and 'data-progress-url="' in page
    assert '<script src="/static/js/run-progress.js" defer>' in page  # no inline script: CSP
    session.refresh(live)
    assert (live.started_by, live.done) == ("cli", 2)
    assert invoices_of(session, period) == []


def test_re_running_an_issued_period_says_nothing_to_do_and_leaves_its_run_as_it_was(
        login_as, session, world):
    period = last_ended_period()
    draft_period(session, period, started_by="cli", now=utcnow())
    issue_period(session, period, now=utcnow())
    run = session.scalars(select(InvoiceRun)).one()
    before = session.execute(select(InvoiceRun.__table__)).one()
    client = login_as("staff")
    response = start(client, period.key)
    assert run_id_of(response) == run.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Nothing to do: the invoices of {period.key} have been issued." in page
    assert "already running" not in page and 'data-progress-url="' not in page
    assert session.execute(select(InvoiceRun.__table__)).all() == [before]
    assert (before.state, before.started_by) == ("issued", "cli")


def test_a_run_left_running_by_a_killed_process_resumes(login_as, session, world):
    period = last_ended_period()

    def killed_after_three(done, total):
        if done == 3:  # called once each chunk of three is committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        draft_period(session, period, started_by="cli", now=utcnow(), progress=killed_after_three,
                     chunk_size=3)
    run = session.scalars(select(InvoiceRun)).one()
    run.progress_at = utcnow() - timedelta(hours=1)
    session.commit()
    client = login_as("staff")
    page = client.get(f"/staff/runs/{run.id}").get_data(as_text=True)
    assert "Stopped" in page and "Start again" in page

    assert run_id_of(start(client, period.key)) == run.id
    progress = wait_until_finished(client, run.id)
    assert (progress["done"], progress["total"]) == (4, 4)  # only what was missing
    per_customer = session.execute(select(func.count()).select_from(Invoice)
                                   .where(Invoice.period_end == period.end)
                                   .group_by(Invoice.customer_id)).scalars().all()
    assert per_customer == [1] * BILL_TO_ACCOUNTS


def test_accounts_that_cannot_be_drafted_are_listed_with_the_reason(login_as, session, world):
    unpriced = make_customer(session, "AC-0300", "Unpriced Customer")
    product = session.scalars(select(Product)).first()
    session.add(Service(customer=unpriced, product=product, quantity=Decimal(1),
                        unit_price=None, currency="USD", started_on=NOW.date() - timedelta(400)))
    session.commit()
    client = login_as("staff")
    run_id = run_id_of(start(client, last_ended_period().key))
    assert wait_until_finished(client, run_id)["done"] == BILL_TO_ACCOUNTS + 1
    page = client.get(f"/staff/runs/{run_id}").get_data(as_text=True)
    failed = re.search(r"<td>AC-0300</td><td>([^<]+)</td>", page)
    assert failed and "no contract price" in failed[1]
    assert "Issue 7 drafts" in page


@pytest.mark.parametrize(("period", "message"), [
    ("", "Choose a bill period as YYYY-MM"),
    ("2026-13", "Choose a bill period as YYYY-MM"),
    ("next month", "Choose a bill period as YYYY-MM"),
    ("2099-01", "The bill period 2099-01 has not begun yet"),
])
def test_a_bad_or_future_period_is_refused_with_a_clear_message(login_as, session, world,
                                                                 period, message):
    response = start(login_as("staff"), period)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(InvoiceRun)).all() == []


def test_the_current_period_can_be_run_but_not_the_next(login_as, world):
    client = login_as("staff")
    current = recent_periods(provider_date(utcnow()), 1)[0]
    following = period_ending_in(current.end.year + current.end.month // 12,
                                 current.end.month % 12 + 1)
    assert start(client, following.key).status_code == 400
    run_id = run_id_of(start(client, current.key))
    assert wait_until_finished(client, run_id)["state"] == "drafted"


def test_the_form_offers_recent_periods_and_the_list_shows_runs(drafted):
    client, period, _, _ = drafted
    page = client.get("/staff/runs").get_data(as_text=True)
    assert f'<option selected value="{period.key}">' in page
    row = re.search(rf"<tr>\s*<td><a [^>]*>{period.key}</a>.*?</tr>", page, re.S)[0]
    assert "Drafted" in row and "specialist@staff.test" in row
    nav = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/runs"' in nav


@pytest.fixture
def admin(session, world):
    user = make_user(session, "admin@staff.test", "admin",
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    session.commit()
    return user


@pytest.fixture
def some_run(session, world):
    run = InvoiceRun(period_end=last_ended_period().end, state="drafted", started_by="cli",
                     started_at=utcnow())
    session.add(run)
    session.commit()
    return run


@pytest.mark.parametrize(("user_key", "home"), [
    ("admin", "/staff/"), ("channel_admin", "/partner/"), ("customer_admin", "/customer/")])
def test_only_billing_staff_reach_the_run_pages(app, world, admin, some_run, user_key, home):
    client = app.test_client()
    login(client, admin if user_key == "admin" else world.users[user_key])
    for url in ["/staff/runs", f"/staff/runs/{some_run.id}",
                f"/staff/runs/{some_run.id}/progress"]:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, home)
    assert client.post("/staff/runs", data={"csrf_token": token,
                                            "period": some_run.period.key}).status_code == 404
    assert client.post(f"/staff/runs/{some_run.id}/issue",
                       data={"csrf_token": token}).status_code == 404


def test_admins_have_no_run_link_and_visitors_must_log_in(app, client, admin, some_run):
    assert "/auth/login" in client.get(f"/staff/runs/{some_run.id}").headers["Location"]
    login(client, admin)
    assert 'href="/staff/runs"' not in client.get("/staff/").get_data(as_text=True)


def test_an_unknown_run_is_not_found(login_as, world):
    assert login_as("staff").get("/staff/runs/999999/progress").status_code == 404

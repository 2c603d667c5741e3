"""Background jobs on real Celery workers (Redis on 127.0.0.1:6379), and the same jobs in
the web process when no broker is configured (the embedded default).

The world (tests/factories.py) has 7 accounts that get their own invoice, each with one
service of 3 seats at 18.00 USD: each draft comes to 54.00 USD before tax.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.catalog.models import Product, Service
from billing.collections.models import CollectionAction
from billing.core import outbox
from billing.core.clock import provider_date, utcnow
from billing.disputes import filing
from billing.disputes.models import Dispute
from billing.invoicing import run_lifecycle
from billing.invoicing.models import Invoice
from billing.invoicing.usage_models import InvoiceRun
from billing.reconciliation.models import ReconciliationRun
from portal.jobs import JOBS
from portal.tasks import enqueue
from tests.factories import (
    NOW,
    another_period_end,
    make_billing_staff,
    make_customer,
    make_invoice,
    make_tiers,
    recent_invoice,
)
from tests.web.test_staff_runs import (
    BILL_TO_ACCOUNTS,
    invoices_of,
    issue,
    last_ended_period,
    run_id_of,
    start,
    wait_until_finished,
)
from tests.workers import running_workers

EXTRA_ACCOUNTS = 150  # the kill test's own accounts, on top of the world's 7


@pytest.fixture
def workers(app, db, tmp_path):
    yield from running_workers(app, tmp_path)


def wait_for(check, what: str, timeout: float = 90.0):
    """Poll `check()` (a fresh read each time) until it returns something true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {timeout} s for {what}")


def run_record(session, run_id: int) -> InvoiceRun:
    session.rollback()  # a fresh snapshot: the worker writes from another process
    return session.get(InvoiceRun, run_id, populate_existing=True)


def overdue_dispute(session, world) -> Dispute:
    """A dispute on tier 1 filed 30 days ago, long past its 16 business hours."""
    make_tiers(session)
    make_billing_staff(session, "billing_supervisor", "boss@staff.test")
    invoice = recent_invoice(session, world.customers["channel"],
                             issued_on=(NOW - timedelta(days=40)).date())
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["customer_admin"], reason="tax",
        description="Tax charged twice", amount_minor=1_000,
        now=datetime.now(UTC) - timedelta(days=30), window_days=3650).dispute
    session.commit()
    return dispute


def tier_of(session, dispute_id: int) -> int:
    session.rollback()
    return session.get(Dispute, dispute_id, populate_existing=True).tier.level


# --- on Celery workers ------------------------------------------------------------------


def test_a_run_started_from_the_page_is_drafted_and_issued_by_a_worker(workers, login_as,
                                                                       session):
    workers.start()
    client, period = login_as("staff"), last_ended_period()
    run_id = run_id_of(start(client, period.key))
    assert wait_until_finished(client, run_id)["label"] == "7 of 7 accounts"
    drafts = invoices_of(session, period, "draft")
    # 3 seats x 18.00 each; the channel customer's bill also carries its location's seats
    assert sorted(draft.subtotal_minor for draft in drafts) == [5400] * 6 + [10800]
    issue(client, run_id)
    assert wait_until_finished(client, run_id)["label"] == "7 of 7 invoices issued"
    assert len(invoices_of(session, period, "issued")) == BILL_TO_ACCOUNTS
    logs = workers.logs()  # the worker did it, not a thread of the test's process
    assert "Task invoices.run[" in logs and "Task invoices.draft_slice[" in logs


def test_the_escalation_job_runs_on_a_worker_and_notifies(workers, session, world, mailbox):
    dispute = overdue_dispute(session, world)
    workers.start()
    enqueue("disputes.escalate")
    wait_for(lambda: tier_of(session, dispute.id) == 2, "the dispute to reach tier 2")
    wait_for(lambda: len(mailbox.messages) == 2, "the filer's and tier 2's notices")
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        [world.users["customer_admin"].email, "boss@staff.test"])
    assert "Task disputes.escalate[" in workers.logs()


def add_accounts(session, count: int) -> None:
    product = session.scalar(select(Product).where(Product.code == "VOICE-SEAT"))
    for n in range(count):
        customer = make_customer(session, f"AC-{5000 + n}", f"Bulk Customer {n}")
        session.add(Service(customer=customer, product=product, quantity=Decimal(1),
                            unit_price=Decimal("10.00"), currency="USD",
                            description="Seat", started_on=date(2026, 1, 1)))
    session.commit()


@pytest.mark.slow  # two workers, one killed, a redelivery: about 25 s
def test_a_run_whose_worker_dies_is_finished_by_another_invoicing_each_account_once(
        workers, session, world):
    add_accounts(session, EXTRA_ACCOUNTS)
    accounts = BILL_TO_ACCOUNTS + EXTRA_ACCOUNTS  # 157, in 32 slices of 5
    period = last_ended_period()
    claim = run_lifecycle.claim_drafting(session, period, started_by="test", now=utcnow())
    first = workers.start(INVOICE_RUN_SLICE_SIZE=5)
    enqueue("invoices.run", run_id=claim.run.id)
    wait_for(lambda: 0 < run_record(session, claim.run.id).done < accounts - 30
             and workers.in_flight(), "the first worker to be drafting a slice, some done")
    workers.kill(first)
    orphaned = workers.in_flight()  # the slice it was drafting, never acknowledged
    assert len(orphaned) == 1 and run_record(session, claim.run.id).done < accounts

    workers.start(INVOICE_RUN_SLICE_SIZE=5)
    run = wait_for(lambda: (found := run_record(session, claim.run.id)).state == "drafted"
                   and found, "the second worker to finish the run")
    assert (run.done, run.total, run.drafted, run.failures) == (accounts, accounts,
                                                                 accounts, [])
    per_account = session.execute(select(Invoice.customer_id, func.count()).where(
        Invoice.period_end == period.end).group_by(Invoice.customer_id)).all()
    assert len(per_account) == accounts and {count for _, count in per_account} == {1}
    assert f"Task invoices.draft_slice[{orphaned[0]}] succeeded" in workers.logs()


# --- the embedded default: no broker, the same jobs in the web process ------------------


def test_without_a_broker_a_run_in_several_slices_is_drafted_in_process(app, login_as,
                                                                       session):
    assert not app.config["CELERY_BROKER_URL"]
    app.config["INVOICE_RUN_SLICE_SIZE"] = 2  # 7 accounts: 4 slices, one after the other
    try:
        client, period = login_as("staff"), last_ended_period()
        run_id = run_id_of(start(client, period.key))
        assert wait_until_finished(client, run_id)["label"] == "7 of 7 accounts"
    finally:
        app.config["INVOICE_RUN_SLICE_SIZE"] = 500
    assert len(invoices_of(session, period, "draft")) == BILL_TO_ACCOUNTS
    assert run_record(session, run_id).drafted == BILL_TO_ACCOUNTS


def test_without_a_broker_the_escalation_job_runs_in_process(app, session, world, mailbox):
    dispute = overdue_dispute(session, world)
    enqueue("disputes.escalate")
    wait_for(lambda: tier_of(session, dispute.id) == 2, "the dispute to reach tier 2")
    wait_for(lambda: len(mailbox.messages) == 2, "the filer's and tier 2's notices")


def test_an_unknown_job_is_refused(app, db):
    with pytest.raises(KeyError):
        enqueue("invoices.nothing")


def test_each_scheduled_job_does_what_its_command_does(app, session, world, mailbox):
    """The jobs beat sends, called as a worker calls them (inside the app's context)."""
    make_tiers(session)  # the escalation path, as every portal has one
    for n in range(3):
        outbox.enqueue(session, to=f"reader{n}@customer.test", subject="Your invoice",
                       body="It is ready.", kind="test", now=utcnow())
    session.commit()
    assert JOBS["mail.deliver"](batch=2) == 3  # two batches: 2, then 1
    assert sorted(m["To"] for m in mailbox.messages) == [
        "reader0@customer.test", "reader1@customer.test", "reader2@customer.test"]
    assert JOBS["mail.deliver"]() == 0  # nothing left due
    assert JOBS["payments.sync"]() == 0  # no Stripe configured: nothing to ask
    assert JOBS["audit.seal"]() == 0 and JOBS["audit.verify"]() is True  # an empty log
    assert JOBS["disputes.escalate"]() == 0  # nothing overdue


def test_the_collections_job_takes_the_days_steps_once(app, session, world, mailbox):
    # An invoice due 7 days ago: today is the +7 reminder day of the default policy
    # (after the 5-day grace, its late fee is due as well).
    customer = make_customer(session, "AC-7301", "Late Payer Ltd")
    invoice = make_invoice(session, customer, "USD-2026-730001", amount_minor=10_000,
                           status="draft", period_end=another_period_end())
    invoice.issue_date = provider_date(utcnow()) - timedelta(days=37)
    invoice.due_date, invoice.status = provider_date(utcnow()) - timedelta(days=7), "issued"
    session.commit()
    assert JOBS["collections.run"]() >= 2  # the world's other open invoices count too
    taken = session.scalars(select(CollectionAction.kind)
                            .where(CollectionAction.invoice_id == invoice.id)).all()
    assert sorted(taken) == ["late_fee", "reminder"]
    assert customer.email_of_record in [m["To"] for m in mailbox.messages]
    assert JOBS["collections.run"]() == 0  # the day is done


def test_an_uploaded_payment_report_is_reconciled_by_a_worker(workers, login_as, session,
                                                              world):
    # The worker, another process, reads the uploaded bytes kept with the run.
    from tests.reconciliation_report import EXPECTED_FIGURES, RECONCILIATION, make_books
    from tests.web.test_reconciliation_pages import run_id_of, upload
    from tests.web.test_reconciliation_pages import wait_until_finished as finished

    make_books(session, world)
    session.commit()
    workers.start()
    client = login_as("staff")
    run_id = run_id_of(upload(client, RECONCILIATION.read_bytes()))
    finished(client, run_id, timeout=90)
    session.rollback()
    run = session.get(ReconciliationRun, run_id, populate_existing=True)
    assert run.state == "done" and run.figures == EXPECTED_FIGURES
    assert "Task reconciliation.payments[" in workers.logs()


def test_a_partners_statement_batch_is_rendered_by_workers_into_one_zip(workers, login_as,
                                                                       session, world):
    """Two workers, one statement per slice: the agency's three customers, amounts only
    on the one that approved it (AC-0004), as the embedded default gives them
    (tests/web/test_statement_batches.py)."""
    from tests.factories import CPNI_MARKERS, approve
    from tests.pdf.pdftext import pdf_text
    from tests.web.test_statement_batches import (
        AGENCY_FILES,
        ask,
        batch_url,
        wait_until_done,
        zip_contents,
    )

    approve(session, world.customers["sub"], world.partners["agency"])
    session.commit()
    workers.start(STATEMENT_BATCH_SLICE_SIZE=1)
    workers.start(STATEMENT_BATCH_SLICE_SIZE=1)
    client = login_as("agency_admin")
    url = batch_url(ask(client, "/partner/statements"))
    assert wait_until_done(client, url)["label"] == "3 of 3 statements"
    files = zip_contents(client, url)
    assert sorted(files) == sorted([*AGENCY_FILES.values(), "manifest.csv"])
    assert "$8,642.19" in pdf_text(files[AGENCY_FILES["AC-0004"]])
    for account in ("AC-0003", "AC-0005"):
        text = pdf_text(files[AGENCY_FILES[account]])
        assert "Amounts withheld" in " ".join(text.split())
        assert not any(marker in text for marker in CPNI_MARKERS)
    logs = workers.logs()  # the workers did it, not a thread of the test's process
    assert "Task statements.batch[" in logs and logs.count("Task statements.batch_slice[") >= 3

"""Issuing: gapless numbers per currency and year, immutability, bill-to snapshots."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.core.numbering import take_number
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.models import Invoice, InvoiceLine
from tests.factories import another_period_end, make_invoice

NOON = datetime(2026, 3, 26, 19, 0, tzinfo=UTC)  # 13:00 in Denver


def _drafts(session, customer, count):
    drafts = [make_invoice(session, customer, None, status="draft",
                           period_end=another_period_end()) for _ in range(count)]
    session.commit()
    return [d.id for d in drafts]


def test_issue_numbers_dates_and_snapshots(session, world):
    customer = world.customers["channel"]
    [draft_id] = _drafts(session, customer, 1)
    invoice = issue_invoice(session, draft_id, NOON)
    session.commit()
    assert invoice.number == "INV-USD-2026-000001"
    assert (invoice.issue_date.isoformat(), invoice.due_date.isoformat()) == (
        "2026-03-26", "2026-04-25")  # net 30
    customer.name = "Renamed Later Inc"
    session.commit()
    session.refresh(invoice)
    assert invoice.bill_to["name"] == "Channel Customer"


def test_issue_date_is_the_providers_calendar_day(session, world):
    [draft_id] = _drafts(session, world.customers["channel"], 1)
    late_evening = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)  # 22:30 on 30 Nov in Denver
    assert issue_invoice(session, draft_id, late_evening).issue_date.isoformat() == "2026-11-30"


def test_series_are_per_currency_and_year(session, world):
    assert [take_number(session, "INV-USD-2026") for _ in range(3)] == [1, 2, 3]
    assert take_number(session, "INV-EUR-2026") == 1
    assert take_number(session, "INV-USD-2027") == 1


def test_a_rolled_back_issue_leaves_no_gap(session, world):
    first, second = _drafts(session, world.customers["channel"], 2)
    issue_invoice(session, first, NOON)
    session.rollback()
    assert issue_invoice(session, second, NOON).number.endswith("000001")


def test_issuing_twice_is_refused(session, world):
    [draft_id] = _drafts(session, world.customers["channel"], 1)
    issue_invoice(session, draft_id, NOON)
    session.commit()
    with pytest.raises(InvalidInput):
        issue_invoice(session, draft_id, NOON)


def test_an_issued_invoice_cannot_change(session, world):
    invoice = world.invoices["channel"]
    invoice.total_minor += 1
    with pytest.raises(InvalidInput):
        session.flush()
    session.rollback()
    session.add(InvoiceLine(invoice=invoice, position=9, kind="fee", description="Sneaky fee",
                            quantity=1, unit_price=1, amount_minor=100))
    with pytest.raises(InvalidInput):
        session.flush()
    session.rollback()
    invoice.lines[0].amount_minor = 1
    with pytest.raises(InvalidInput):
        session.flush()
    session.rollback()
    session.delete(invoice)
    with pytest.raises(InvalidInput):
        session.flush()


def test_payment_state_may_still_move(session, world):
    invoice = world.invoices["channel"]
    invoice.paid_minor, invoice.status = 100, "partially_paid"
    session.commit()
    session.refresh(invoice)
    assert invoice.status == "partially_paid"


@pytest.mark.postgres_only
def test_concurrent_issuers_give_no_duplicate_and_no_gap(session, world, db):
    ids = _drafts(session, world.customers["channel"], 120)
    barrier, errors, engine = threading.Barrier(4), [], db.engine

    def issue_all(mine):
        with Session(engine) as own:
            barrier.wait()
            for invoice_id in mine:
                try:
                    issue_invoice(own, invoice_id, NOON)
                    own.commit()
                except Exception as error:  # noqa: BLE001 - collected and asserted below
                    errors.append(error)
                    own.rollback()

    threads = [threading.Thread(target=issue_all, args=(ids[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = session.scalars(select(Invoice.number).where(Invoice.id.in_(ids))).all()
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 121))


@pytest.mark.postgres_only
def test_two_staff_issuing_the_same_draft_issue_it_once(session, world, db):
    [draft_id] = _drafts(session, world.customers["channel"], 1)
    barrier, outcomes, engine = threading.Barrier(2), [], db.engine

    def issue():
        with Session(engine) as own:
            barrier.wait()
            try:
                outcomes.append(issue_invoice(own, draft_id, NOON).number)
                own.commit()
            except InvalidInput:
                outcomes.append("refused")

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["INV-USD-2026-000001", "refused"]

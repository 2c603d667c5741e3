"""The outage ledger feeding the calculation, and the life of a credit request."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.core.clock import PROVIDER_TZ, period_ending_in
from billing.core.errors import InvalidInput
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.models import CreditNote
from billing.sla.credits import (
    decide_request,
    ensure_standard_windows,
    open_ticket,
    preview_credit,
    record_outage,
    request_credit,
)
from billing.sla.models import MaintenanceWindow, Outage, SlaCreditRequest

JAN = date(2026, 1, 1)
AFTER_JAN = datetime(2026, 2, 3, 12, tzinfo=UTC)


def at(day, hour, minute=0):
    return datetime(2026, 1, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.fixture
def seats(session, world):
    """The direct customer's voice seats: 3 x 18.00 = 54.00 a month (31 days: 1.7419/day)."""
    product = session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one()
    product.sla_family = "voice"
    service = session.scalars(select(Service).filter_by(
        customer_id=world.customers["direct"].id)).one()
    session.flush()
    return service


def _outage(session, ref, start, minutes, **extra):
    values = {"cause": "provider", "summary": "SBC cluster failover", "platform": "voice"}
    values.update(extra)
    return record_outage(session, ref=ref, started_at=start,
                         ended_at=start + timedelta(minutes=minutes), **values)


def test_a_platform_outage_with_a_timely_ticket_earns_a_credit(session, world, seats):
    outage = _outage(session, "INC-1", at(6, 9), 150)
    open_ticket(session, customer=world.customers["direct"], opened_at=at(6, 10),
                summary="No inbound calls", source="portal", outage=outage)
    result = preview_credit(session, seats, JAN, AFTER_JAN)
    # 150 - 22.32 = 127.68 min -> 3 hours -> 3 x 54.00 / 31 = 5.2258 -> 5.23
    assert (result.hours, result.credit_minor) == (3, 523)


def test_only_the_customers_own_ticket_and_services_count(session, world, seats):
    outage = _outage(session, "INC-2", at(6, 9), 150)
    open_ticket(session, customer=world.customers["other"], opened_at=at(6, 10),
                summary="Down here too", source="support", outage=outage)
    other_service = session.scalars(select(Service).filter_by(
        customer_id=world.customers["other"].id)).one()
    _outage(session, "INC-3", at(8, 9), 600, platform=None, services=[other_service])
    result = preview_credit(session, seats, JAN, AFTER_JAN)
    assert [v.reason for v in result.outages] == ["no_ticket"]  # INC-3 is not its service
    assert result.credit_minor == 0


def test_maintenance_windows_in_the_ledger_are_cut_out(session, world, seats):
    ensure_standard_windows(session, 2026)
    window = session.scalars(select(MaintenanceWindow).order_by(
        MaintenanceWindow.starts_at)).first()  # 16 Jan 22:00 to 17 Jan 04:00
    window.notice_sent_at = window.starts_at - timedelta(days=8)
    outage = _outage(session, "INC-4", at(16, 23), 120)
    open_ticket(session, customer=world.customers["direct"], opened_at=at(16, 23, 30),
                summary="Calls drop", source="portal", outage=outage)
    assert preview_credit(session, seats, JAN, AFTER_JAN).credit_minor == 0
    window.notice_sent_at = window.starts_at - timedelta(days=6)  # too late: counts
    assert preview_credit(session, seats, JAN, AFTER_JAN).credit_minor > 0


def test_standard_windows_are_generated_once(session):
    assert ensure_standard_windows(session, 2026) == 12
    assert ensure_standard_windows(session, 2026) == 0


@pytest.mark.parametrize("change, message", [
    ({"minutes": -5}, "end after it starts"),
    ({"minutes": 0}, "end after it starts"),
    ({"cause": "weather"}, "exclusion letter"),
    ({"platform": None}, "platform or the affected services"),
    ({"platform": "fax"}, "voice or messaging"),
    ({"ref": " "}, "reference"),
])
def test_bad_outages_are_refused_and_nothing_is_saved(session, world, change, message):
    values = {"ref": "INC-9", "minutes": 30, "cause": "provider", "platform": "voice"}
    values.update(change)
    minutes = values.pop("minutes")
    with pytest.raises(InvalidInput, match=message):
        record_outage(session, started_at=at(6, 9), ended_at=at(6, 9) + minutes * timedelta(
            minutes=1), summary="x", **values)
    assert session.scalar(select(func.count()).select_from(Outage)) == 0


def test_a_month_not_yet_ended_cannot_be_requested(session, world, seats):
    with pytest.raises(InvalidInput, match="once the month has ended"):
        preview_credit(session, seats, date(2026, 2, 1), AFTER_JAN)


def test_a_service_without_a_guarantee_cannot_be_requested(session, world, seats):
    seats.product.sla_family = None
    with pytest.raises(InvalidInput, match="no availability guarantee"):
        preview_credit(session, seats, JAN, AFTER_JAN)


def test_each_service_and_month_is_requested_once(session, world, seats):
    request_credit(session, service=seats, month=JAN, user=None, now=AFTER_JAN)
    with pytest.raises(InvalidInput, match="already been requested"):
        request_credit(session, service=seats, month=date(2026, 1, 15), user=None,
                       now=AFTER_JAN)
    assert session.scalar(select(func.count()).select_from(SlaCreditRequest)) == 1


def test_an_approved_request_is_a_credit_note_on_the_next_invoice(session, world, seats):
    outage = _outage(session, "INC-5", at(6, 9), 150)
    open_ticket(session, customer=world.customers["direct"], opened_at=at(6, 10),
                summary="No inbound calls", source="portal", outage=outage)
    request = request_credit(session, service=seats, month=JAN, user=None, now=AFTER_JAN)
    assert request.calculation["hours"] == 3 and request.calculation["credit_minor"] == 523
    decide_request(session, request.id, approve=True, reason="", user=world.users["staff"],
                   now=AFTER_JAN)
    note = request.credit_note
    assert (note.reason, note.amount_minor) == ("sla", 523)
    assert "SLA 2026-01" in note.reference
    invoice = draft_invoice(session, world.customers["direct"], period_ending_in(2026, 4),
                            AFTER_JAN)
    assert [line.amount_minor for line in invoice.lines if line.kind == "credit"] == [-523]
    with pytest.raises(InvalidInput, match="already approved"):
        decide_request(session, request.id, approve=False, reason="no",
                       user=world.users["staff"], now=AFTER_JAN)


def test_a_rejection_needs_a_reason_and_issues_nothing(session, world, seats):
    request = request_credit(session, service=seats, month=JAN, user=None, now=AFTER_JAN)
    with pytest.raises(InvalidInput, match="why"):
        decide_request(session, request.id, approve=False, reason=" ",
                       user=world.users["staff"], now=AFTER_JAN)
    decide_request(session, request.id, approve=False, reason="Outage was DNS (e)",
                   user=world.users["staff"], now=AFTER_JAN)
    assert request.status == "rejected" and request.credit_note is None
    assert session.scalar(select(func.count()).select_from(CreditNote)) == 0


@pytest.mark.postgres_only
def test_two_staff_approving_at_once_give_one_credit_note(session, world, seats, db):
    outage = _outage(session, "INC-6", at(6, 9), 150)
    open_ticket(session, customer=world.customers["direct"], opened_at=at(6, 10),
                summary="No inbound calls", source="portal", outage=outage)
    request_id = request_credit(session, service=seats, month=JAN, user=None, now=AFTER_JAN).id
    session.commit()
    barrier, outcomes, engine = threading.Barrier(2), [], db.engine
    staff_id, user_class = world.users["staff"].id, type(world.users["staff"])

    def approve():
        with Session(engine) as own:
            staff = own.get(user_class, staff_id)
            barrier.wait()
            try:
                decide_request(own, request_id, approve=True, reason="", user=staff,
                               now=AFTER_JAN)
                own.commit()
                outcomes.append("approved")
            except InvalidInput as refused:
                own.rollback()
                outcomes.append(refused.message)

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["This request was already approved.", "approved"]
    assert session.scalar(select(func.count()).select_from(CreditNote)) == 1


def test_a_locations_credit_goes_on_the_corporate_invoice_that_bills_it(session, world, seats):
    location = world.customers["location"]  # billed on the channel customer's invoice
    service = session.scalars(select(Service).filter_by(customer_id=location.id)).one()
    outage = _outage(session, "INC-7", at(6, 9), 150)
    open_ticket(session, customer=location, opened_at=at(6, 10), summary="No dial tone",
                source="support", outage=outage)
    request = request_credit(session, service=service, month=JAN, user=None, now=AFTER_JAN)
    decide_request(session, request.id, approve=True, reason="", user=world.users["staff"],
                   now=AFTER_JAN)
    assert request.credit_note.customer_id == world.customers["channel"].id
    invoice = draft_invoice(session, world.customers["channel"], period_ending_in(2026, 4),
                            AFTER_JAN)
    assert [line.amount_minor for line in invoice.lines if line.kind == "credit"] == [-523]

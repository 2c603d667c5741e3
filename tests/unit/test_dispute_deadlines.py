"""Dispute deadlines on the business clock, hand-checked, and the escalation job.

Tier 1 answers within 16 business hours, tier 2 within 24 (tests/factories.py).
Business hours: 08:00-17:00 Mountain Time, Monday to Friday, US federal holidays off.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from billing.core.clock import PROVIDER_TZ
from billing.core.errors import InvalidInput
from billing.disputes import escalation, filing, steps
from billing.disputes.models import Dispute, DisputeEvent, DisputeTier, DisputeTierAuthority
from billing.invoicing.models import CreditNote
from tests.factories import make_billing_staff, make_tiers, recent_invoice


def mt(year, month, day, hour, minute=0):
    """An instant on the provider's clock (MST or MDT as the date has it)."""
    return datetime(year, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.fixture
def setup(world, session):
    make_tiers(session)
    specialist = make_billing_staff(session, "billing_specialist")
    invoice = recent_invoice(session, world.customers["channel"], issued_on=date(2026, 1, 2))
    session.commit()
    return world.users["customer_admin"], specialist, invoice


def file_at(session, setup, when) -> Dispute:
    filer, _, invoice = setup
    dispute = filing.file_dispute(session, invoice=invoice, user=filer, reason="tax",
                                  description=f"Filed {when}", amount_minor=1_000, now=when,
                                  window_days=3650).dispute  # the window is not tested here
    session.commit()
    return dispute


@pytest.mark.parametrize("filed, deadline", [
    # Fri 6 Mar 15:00 MST: Fri 2 h; the weekend and the DST start (Sun 8 Mar) are off;
    # Mon 9 h, Tue 08:00 + 5 h = 13:00 MDT (19:00 UTC).
    (mt(2026, 3, 6, 15), datetime(2026, 3, 10, 19, tzinfo=UTC)),
    # Fri 16 Jan 14:00: Fri 3 h; Mon 19 Jan is Martin Luther King Jr. Day; Tue 9 h;
    # Wed 08:00 + 4 h = 12:00 MST.
    (mt(2026, 1, 16, 14), mt(2026, 1, 21, 12)),
    # Filed after hours, Tue 3 Mar 18:30: counts from Wed 08:00; Wed 9 h, Thu 08:00 + 7 h.
    (mt(2026, 3, 3, 18, 30), mt(2026, 3, 5, 15)),
    # Filed on Saturday 14 Mar: Mon 16 Mar 9 h, Tue 08:00 + 7 h = 15:00.
    (mt(2026, 3, 14, 10), mt(2026, 3, 17, 15)),
    # Around Thanksgiving: Wed 25 Nov 09:00: Wed 8 h, Thu 26 off, Fri 08:00 + 8 h = 16:00.
    (mt(2026, 11, 25, 9), mt(2026, 11, 27, 16)),
    # DST end (Sun 1 Nov): Fri 30 Oct 12:00 MDT: Fri 5 h, Mon 2 Nov 9 h (MST),
    # Tue 08:00 + 2 h = 10:00 MST = 17:00 UTC.
    (mt(2026, 10, 30, 12), datetime(2026, 11, 3, 17, tzinfo=UTC)),
])
def test_a_new_dispute_is_due_16_business_hours_after_filing(session, setup, filed, deadline):
    assert file_at(session, setup, filed).deadline_at == deadline


def test_waiting_on_the_filer_pauses_the_clock(session, setup):
    filer, specialist, _ = setup
    dispute = file_at(session, setup, mt(2026, 3, 2, 8))
    assert dispute.deadline_at == mt(2026, 3, 3, 15)  # Mon 9 h, Tue 08:00 + 7 h
    # Asked Mon 12:00 (4 h used); the filer answers Wed 4 Mar 10:00.
    steps.ask_for_information(session, dispute.id, specialist, "Which line?",
                              mt(2026, 3, 2, 12))
    assert dispute.deadline_at is None
    steps.comment(session, dispute.id, filer, "Line 2.", mt(2026, 3, 4, 10))
    # 12 h remain from Wed 10:00: Wed 7 h, Thu 08:00 + 5 h = 13:00.
    assert dispute.deadline_at == mt(2026, 3, 5, 13)
    session.commit()


def test_two_pauses_both_count_out(session, setup):
    filer, specialist, _ = setup
    dispute = file_at(session, setup, mt(2026, 3, 2, 8))
    for asked, answered in [(mt(2026, 3, 2, 9), mt(2026, 3, 2, 11)),
                            (mt(2026, 3, 2, 13), mt(2026, 3, 3, 8))]:
        steps.ask_for_information(session, dispute.id, specialist, "?", asked)
        steps.comment(session, dispute.id, filer, "Answer.", answered)
    # Used: Mon 08-09 (1 h) and 11-13 (2 h) = 3 h; 13 h left from Tue 08:00:
    # Tue 9 h, Wed 08:00 + 4 h = 12:00.
    assert dispute.deadline_at == mt(2026, 3, 4, 12)


def test_escalation_starts_the_next_tiers_clock(session, setup):
    _, specialist, _ = setup
    dispute = file_at(session, setup, mt(2026, 3, 2, 8))
    escalation.escalate(session, dispute.id, specialist, mt(2026, 3, 2, 16))
    # Tier 2: 24 h from Mon 16:00: Mon 1 h, Tue 9 h, Wed 9 h, Thu 08:00 + 5 h = 13:00.
    assert dispute.deadline_at == mt(2026, 3, 5, 13)


# --- the escalation job ----------------------------------------------------------------------

def test_overdue_disputes_escalate_by_themselves_once(session, setup):
    dispute = file_at(session, setup, mt(2026, 3, 2, 8))  # due Tue 3 Mar 15:00
    dispute_id, reference = dispute.id, dispute.reference
    assert escalation.escalate_overdue(session, mt(2026, 3, 3, 15)) == []  # not yet passed
    done = escalation.escalate_overdue(session, mt(2026, 3, 3, 15, 5))
    assert done == [escalation.Escalated(dispute_id, reference, 1, 2)]
    assert escalation.escalate_overdue(session, mt(2026, 3, 3, 15, 10)) == []
    dispute = session.get(Dispute, dispute_id)
    assert dispute.tier.level == 2
    assert [e.kind for e in dispute.events] == ["filed", "escalated"]
    escalated = dispute.events[-1]
    assert escalated.actor is None and escalated.detail["by"] == "deadline"


def test_the_job_skips_waiting_and_closed_disputes_and_the_last_tier(session, setup):
    filer, specialist, _ = setup
    director = make_billing_staff(session, "billing_director")
    waiting = file_at(session, setup, mt(2026, 3, 2, 8))
    steps.ask_for_information(session, waiting.id, specialist, "?", mt(2026, 3, 2, 9))
    settled = file_at(session, setup, mt(2026, 3, 2, 8, 1))
    steps.settle(session, settled.id, specialist, outcome="denied", reason="No.",
                 now=mt(2026, 3, 2, 9))
    top = file_at(session, setup, mt(2026, 3, 2, 8, 2))
    for _ in range(3):
        escalation.escalate(session, top.id, director, mt(2026, 3, 2, 9))
    session.commit()
    assert escalation.escalate_overdue(session, mt(2027, 1, 4, 12)) == []


def test_the_cli_escalates_and_notifies_the_filer_and_the_next_tier(app, session, setup,
                                                                    mailbox):
    supervisor = make_billing_staff(session, "billing_supervisor", "boss@staff.test")
    session.commit()
    reference = file_at(session, setup, datetime.now(UTC) - timedelta(days=30)).reference
    result = app.test_cli_runner().invoke(args=["disputes", "escalate"])
    assert result.exit_code == 0, result.output
    assert f"{reference}: tier 1 -> tier 2" in result.output
    assert "1 dispute(s) escalated." in result.output
    recipients = sorted(m["To"] for m in mailbox.messages)
    assert recipients == sorted([setup[0].email, supervisor.email])
    again = app.test_cli_runner().invoke(args=["disputes", "escalate"])
    assert "0 dispute(s) escalated." in again.output


# --- concurrency on PostgreSQL -----------------------------------------------------------

def _at_once(engine, count, work):
    barrier, outcomes = threading.Barrier(count), []

    def run():
        with Session(engine) as own:
            barrier.wait()
            try:
                outcomes.append(work(own))
                own.commit()
            except InvalidInput as refused:
                own.rollback()
                outcomes.append(refused.message)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres_only
def test_two_settlements_at_once_give_one_credit_note(session, setup, db):
    _, specialist, _ = setup
    dispute = file_at(session, setup, mt(2026, 3, 2, 8))
    # Plain values only in the threads: the test's session belongs to this one.
    dispute_id, reference = dispute.id, dispute.reference
    staff_id, user_class = specialist.id, type(specialist)

    def settle(own):
        steps.settle(own, dispute_id, own.get(user_class, staff_id), outcome="full",
                     now=mt(2026, 3, 2, 10))
        return "settled"

    outcomes = _at_once(db.engine, 2, settle)
    assert sorted(outcomes) == [f"{reference} is already settled.", "settled"]
    assert session.scalar(select(func.count()).select_from(CreditNote)) == 1


@pytest.mark.postgres_only
def test_two_escalation_jobs_at_once_escalate_once(session, setup, db):
    overdue = [file_at(session, setup, mt(2026, 3, 2, 8, minute)).id for minute in range(5)]
    later = mt(2026, 3, 9, 12)
    outcomes = _at_once(db.engine, 2,
                        lambda own: len(escalation.escalate_overdue(own, later)))
    assert sum(outcomes) == len(overdue)
    events = session.scalars(select(DisputeEvent).where(DisputeEvent.kind == "escalated"))
    assert sorted(e.dispute_id for e in events) == sorted(overdue)


def test_a_portal_without_an_escalation_path_has_nothing_to_escalate(session):
    # A new portal before its tiers are set up: the scheduled job must not fail every
    # five minutes, it simply finds nothing to do.
    session.execute(delete(DisputeTierAuthority))
    session.execute(delete(DisputeTier))
    assert escalation.escalate_overdue(session, datetime(2026, 6, 1, tzinfo=UTC)) == []

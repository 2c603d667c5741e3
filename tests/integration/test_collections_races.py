"""The daily collections job started twice at once, on PostgreSQL: each step (reminder,
late fee) is taken by one of the two, never both, and neither waits forever."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from billing.collections.models import CollectionAction, LateFeeCharge
from billing.collections.run import run_day
from billing.core.clock import PROVIDER_TZ
from billing.core.models import OutboundMail
from tests.factories import make_customer
from tests.integration.test_payment_races import at_once
from tests.unit.test_collections_job import open_invoice

pytestmark = pytest.mark.postgres_only

DAY = date(2026, 4, 3)  # 7 days after a due date of 27 March, past the 5 days' grace
NOW = datetime.combine(DAY, time(12), PROVIDER_TZ).astimezone(UTC)


def plain_words(kind, customer, facts):
    """A notice writer without the web app (threads have no app context)."""
    return f"{kind} {facts['invoice_number']}", "Please pay.\n"


def test_two_jobs_at_once_take_each_step_once(db, session):
    for n in range(24):
        customer = make_customer(session, f"RACE-C{n:02d}", f"Racing {n}")
        open_invoice(session, customer, f"RACE-{n:02d}", amount_minor=10_000 + n)
    session.commit()

    def job(own):
        return run_day(own, NOW, plain_words, today=DAY, chunk=5)

    first, second = at_once(db.engine, job, job)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first,
                                                                                     second)
    assert first.reminders + second.reminders == 24
    assert first.late_fees + second.late_fees == 24
    assert session.scalar(select(func.count()).select_from(CollectionAction)) == 48
    assert session.scalar(select(func.count()).select_from(LateFeeCharge)) == 24
    assert session.scalar(select(func.count()).select_from(OutboundMail)) == 24

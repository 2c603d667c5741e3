"""Commission plans by CSV: the example loads and reloads as updates; a wholesale rebiller,
a rate above 100 % or a partner unknown are refused, and nothing is saved."""

import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from billing.commissions.models import CommissionPlan
from billing.imports import KINDS, run_import

EXAMPLES = Path(__file__).resolve().parents[2] / "billing" / "imports" / "examples"


def load(session, kind, payload: bytes):
    return run_import(session, KINDS[kind], lambda: io.BytesIO(payload))


def test_the_example_plans_import_and_reimport(session):
    load(session, "partners", (EXAMPLES / "partners.csv").read_bytes())
    first = load(session, "commission_plans", (EXAMPLES / "commission_plans.csv").read_bytes())
    assert first.saved and first.created == 3
    again = load(session, "commission_plans", (EXAMPLES / "commission_plans.csv").read_bytes())
    assert (again.created, again.updated) == (0, 3)
    rates = session.scalars(select(CommissionPlan.one_time_rate)
                            .order_by(CommissionPlan.id)).all()
    assert rates == [Decimal("2.5"), Decimal(5), Decimal(5)]


def test_bad_plans_save_nothing_and_say_why(session, world):
    header = "partner_code,effective_from,recurring_rate,usage_rate,one_time_rate\n"
    rows = ("CH,2026-01-01,10,5,0\n"       # fine, but the file has errors below
            "WS,2026-01-01,10,5,0\n"       # a wholesale rebiller earns none
            "AG,2026-01-01,101,5,0\n"      # more than 100 %
            "NOPE,2026-01-01,1,1,1\n")     # no such partner
    report = load(session, "commission_plans", (header + rows).encode())
    assert not report.saved
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "partner_code"), (4, "recurring_rate"), (5, "partner_code")]
    assert session.scalars(select(CommissionPlan)).all() == []

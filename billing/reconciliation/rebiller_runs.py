"""Starting and doing a rebiller reconciliation run, once per inputs.

A run's inputs are the rebiller, the period, the billing file (its SHA-256) or the
portal's own retail invoices, and the state of the books it reads (which invoices, what
was paid on them, which were overdue): `input_key` names them all, so the same inputs
reconciled again find the run already recorded, while a payment received since, or a
new file, makes a new run. The work writes its rows in chunks, reporting progress
after each, and ends with the figures per class and currency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.clock import BillPeriod, provider_date
from billing.core.errors import InvalidInput
from billing.parties.models import Partner
from billing.reconciliation import rebiller as classes
from billing.reconciliation import rebiller_sides as sides
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_file import RetailLine, file_bill
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from billing.reconciliation.runs import (
    Started,
    add_to_figures,
    finish_run,
    start_run,
)

CHUNK = 2000
Progress = Callable[[int, int], None]


def start_rebiller_run(session: Session, partner: Partner, period: BillPeriod, *,
                       started_by: str, now: datetime, file_digest: str | None = None,
                       file_name: str = "") -> Started:
    """The run of these inputs: found, or started (state running, no rows yet)."""
    check_can_reconcile(session, partner, period, now)
    books = books_digest(session, partner.id, period, now)
    source = f"sha256:{file_digest}" if file_digest else "portal"
    label = file_name or "retail invoices issued by the portal"
    details = dict(kind="rebiller", started_by=started_by, now=now,
                   input_key=f"rebiller:{partner.id}:{period.key}:{source}:{books}",
                   input_label=f"{period.key}: {label}"[:300], partner_id=partner.id,
                   period_start=period.start, period_end=period.end)
    return start_run(session, **details)


def check_can_reconcile(session: Session, partner: Partner, period: BillPeriod,
                        now: datetime) -> None:
    """Refuse, before any file is read, what no file could make reconcilable."""
    if partner.kind != "wholesale":
        raise InvalidInput(f"{partner.code} is not a rebiller.")
    if not period.has_begun(provider_date(now)):
        raise InvalidInput(f"The period {period.key} has not begun.")
    if not sides.wholesale_invoices(session, partner.id, period):
        raise InvalidInput(f"{partner.code} has no issued wholesale invoice for {period.key}.")


def books_digest(session: Session, partner_id: int, period: BillPeriod, now: datetime) -> str:
    """A short digest of what the run reads from the books at `now`."""
    wholesale = sides.wholesale_invoices(session, partner_id, period)
    today = provider_date(now)
    retail = [(i.id, i.total_minor, i.paid_minor, bool(i.due_date and i.due_date < today))
              for i in sides.retail_invoices(session, partner_id, period, now)]
    text = repr((sorted(wholesale), sorted(retail)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def reconcile_rebiller(session: Session, run: ReconciliationRun, *, now: datetime,
                       lines: list[RetailLine] | None = None,
                       progress: Progress = lambda done, total: None) -> None:
    """Compare, write the run's rows and finish it. `lines` are the checked rows of the
    billing file; None reads the retail invoices the portal issued instead."""
    period = BillPeriod(run.period_start, run.period_end)
    rows = compare(session, run.partner_id, period, now, lines)
    session.execute(delete(RebillerReconciliationRow).where(
        RebillerReconciliationRow.run_id == run.id))  # a failed run started again
    figures: dict = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        for row in chunk:
            row["run_id"] = run.id
            add_to_figures(figures, row["row_class"], row["currency"], row["at_stake_minor"])
        insert_rows(session, RebillerReconciliationRow.__table__, chunk)
        run.done, run.total = start + len(chunk), len(rows)
        session.flush()
        progress(run.done, run.total)
    finish_run(run, figures=figures, now=now)
    session.flush()


def compare(session: Session, partner_id: int, period: BillPeriod, now: datetime,
            lines: list[RetailLine] | None) -> list[dict]:
    """Every compared item of the period as a row (not saved), classified."""
    wholesale = sides.wholesale_bill(session, partner_id, period)
    retail = file_bill(lines) if lines is not None else sides.portal_retail_bill(
        session, partner_id, period)
    invoices = sides.retail_invoices(session, partner_id, period, now)
    return (classes.charge_rows(wholesale, retail) + classes.tax_rows(wholesale, retail)
            + classes.invoice_rows(invoices, provider_date(now)))

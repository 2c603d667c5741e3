"""`flask --app wsgi reconcile ...`: reconciliation runs from the command line; thin
wrappers over billing/reconciliation/ that commit what the domain flushed."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.core.errors import DomainError
from billing.core.money import Money
from billing.parties.models import Partner
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_file import (
    MAX_BYTES,
    BillingFileRefused,
    file_digest,
    read_billing_file,
)
from billing.reconciliation.rebiller_runs import check_can_reconcile, start_rebiller_run
from portal.extensions import db


@click.group("reconcile", help="Reconciliation runs: Stripe payments, rebillers.")
def reconcile_group():
    pass


@reconcile_group.command("rebiller", help=(
    "Reconcile a rebiller's wholesale invoice of a period (YYYY-MM) against its billing "
    "file, or without --file against the retail invoices the portal issued; safe to run "
    "again: the same inputs give the run already made."))
@click.option("--partner", "code", required=True, help="The rebiller's partner code.")
@click.option("--period", "period_text", required=True, help="e.g. 2026-05")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The rebiller's billing file (CSV, billing/reconciliation/"
                   "rebiller_file.md).")
@click.option("--by", "started_by", required=True, help="Who runs it, for the record.")
def rebiller(code, period_text, path, started_by):
    from portal.cli import _bar, _period
    from portal.reconciliation.rebiller_jobs import do_rebiller_run

    partner = db.session.scalar(select(Partner).where(Partner.code == code))
    if partner is None:
        raise click.ClickException(f"No partner {code!r}.")
    period, now = _period(period_text), utcnow()
    try:
        check_can_reconcile(db.session, partner, period, now)
        lines, digest = _read(partner, period, path, now)
        started = start_rebiller_run(db.session, partner, period, started_by=started_by,
                                     now=now, file_digest=digest,
                                     file_name=path.name if path else "")
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    run = started.run
    if started.created:
        do_rebiller_run(run.id, now, lines, progress=_bar("Reconciling"))
    else:
        click.echo(f"These inputs were reconciled already (run {run.id}, {run.state}).")
    _summary(run.id)


def _read(partner, period, path, now):
    if path is None:
        return None, None
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException("The file is larger than 10 MB.")
    data = path.read_bytes()
    try:
        return read_billing_file(db.session, partner, period, data, now.date()), \
            file_digest(data)
    except BillingFileRefused as refused:
        for error in refused.errors:
            click.echo(f"line {error.row}: {error.column}: {error.message}", err=True)
        if refused.more:
            click.echo(f"...and {refused.more} more problems.", err=True)
        raise


def _summary(run_id: int) -> None:
    run = db.session.get(ReconciliationRun, run_id)
    click.echo(f"Run {run.id} ({run.state}): {run.input_label}")
    for cls, by_currency in sorted(run.figures.items()):
        for currency, entry in sorted(by_currency.items()):
            amount = Money(entry["amount_minor"], currency).major
            click.echo(f"  {cls}: {entry['count']} rows, {amount} {currency} at stake")


from portal.cli import reconcile_payments  # noqa: E402,F401  (registers `reconcile payments`)

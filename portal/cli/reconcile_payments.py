"""`flask --app wsgi reconcile payments ...`: Stripe payment reconciliation runs, a thin
wrapper over billing/reconciliation/.

`payments --file REPORT.csv` reconciles Stripe's itemised balance-change (or payout
reconciliation) report; `payments --since ... --until ...` the balance transactions
Stripe's API lists for that window. The run is one transaction: a bad row and nothing
is kept (exit code 1, each problem with its line). The same file or window again prints
the run already made and records nothing.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from billing.core.clock import parse_instant, utcnow
from billing.core.errors import DomainError
from billing.payments.report_import import major_text
from billing.reconciliation.payment_input import file_key
from billing.reconciliation.payment_queries import open_exception_count
from billing.reconciliation.payment_runs import (
    reconcile,
    reconcile_file,
    start_payment_run,
    sync_key,
)
from billing.reconciliation.payment_sync import sync_lines, window_label
from portal.cli.reconcile import reconcile_group
from portal.extensions import db
from portal.payments.settings import stripe_settings


def _instant(ctx, param, value):
    if value is None:
        return None
    moment = parse_instant(value)
    if moment is None:
        raise click.BadParameter("write it like 2026-03-01T00:00:00Z")
    return moment.astimezone(UTC)


@reconcile_group.command("payments", help="Reconcile Stripe's balance transactions with the "
                                          "payments: from a report file, or a sync window.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False),
              help="Stripe's itemised balance change or payout reconciliation report (CSV).")
@click.option("--since", callback=_instant, help="Sync window start (UTC, ISO 8601).")
@click.option("--until", callback=_instant, help="Sync window end (UTC, ISO 8601).")
@click.option("--by", "started_by", default="cli", help="Who runs it, for the record.")
def payments(path, since, until, started_by):
    if bool(path) == bool(since or until) or (not path and not (since and until)):
        raise click.UsageError("Give either --file, or both --since and --until.")
    if since and until and until <= since:
        raise click.UsageError("--until must come after --since.")
    now = utcnow()
    try:
        if path:
            with open(path, "rb") as stream:
                key, lines = file_key(stream)
                _run(stream, key, path.rsplit("/", 1)[-1], started_by, now, lines - 1, None)
        else:
            rows = sync_lines(_settings(), since, until)
            _run(rows, sync_key(since, until), window_label(since, until), started_by, now,
                 len(rows), (since, until))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} Nothing was kept.") from None


def _settings():
    settings = stripe_settings()
    if settings is None:
        raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY).")
    return settings


def _run(source, key: str, label: str, started_by: str, now: datetime, total: int,
         window) -> None:
    started = start_payment_run(db.session, input_key=key, input_label=label,
                                started_by=started_by, now=now, total=total, window=window)
    run = started.run
    if not started.created:
        db.session.commit()
        click.echo(f"Already reconciled: run {run.id} ({run.state}), started by "
                   f"{run.started_by} at {run.started_at:%Y-%m-%d %H:%M} UTC.")
        _summary(run)
        return
    with click.progressbar(length=max(total, 1), label="Reconciling balance transactions",
                           show_pos=True, file=sys.stderr) as bar:
        seen = {"rows": 0}

        def progress(rows):
            bar.update(rows - seen["rows"])
            seen["rows"] = rows

        if hasattr(source, "read"):
            staged = reconcile_file(db.session, run, source, now, progress)
        else:
            staged = reconcile(db.session, run, source, now, progress)
    if not staged.ok:
        db.session.rollback()
        _refuse(staged)
    db.session.commit()
    click.echo(f"Run {run.id}: {staged.rows} balance transactions reconciled.")
    _summary(run)


def _refuse(staged) -> None:
    for problem in staged.errors:
        click.echo(f"line {problem.row}, column {problem.column or '-'}: {problem.message}",
                   err=True)
    if staged.more_errors:
        click.echo(f"... and {staged.more_errors} more problems", err=True)
    click.echo(f"Nothing was kept: {len(staged.errors) + staged.more_errors} problem(s).",
               err=True)
    raise SystemExit(1)


def _summary(run) -> None:
    """Counts and amounts per class and currency, and the exceptions still open."""
    for cls, by_currency in sorted((run.figures or {}).items()):
        for currency, entry in sorted(by_currency.items()):
            click.echo(f"  {cls:20} {entry['count']:9}  "
                       f"{major_text(entry['amount_minor'], currency):>16} {currency}")
    click.echo(f"Open exceptions: {open_exception_count(db.session, run.id)}")

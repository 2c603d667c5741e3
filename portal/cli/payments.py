"""`flask --app wsgi payments ...`: payment jobs, thin wrappers over billing/payments/.

`import-report FILE [--output RESULTS.csv]` applies Stripe's itemised balance-change
report. The whole file is checked first: one bad row and nothing is saved (exit code 1,
each problem with its line). Then it is applied in transactions of `CHUNK` rows: each
balance transaction is recorded once, so an import stopped half-way is simply run again
and resumes, and a second import of the same file changes nothing and writes the same
results file.

`sync [--hours 72]` asks Stripe for the payment intents and refunds of the last hours and
records those no webhook brought (each once); run it every few minutes from cron or the
worker schedule.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import timedelta

import click

from billing.core.clock import utcnow
from billing.core.errors import DomainError
from billing.payments.models import Payment
from billing.payments.report_import import (
    CHUNK,
    RESULT_COLUMNS,
    import_rows,
    major_text,
    result_row,
)
from billing.payments.report_rows import read_report
from billing.payments.stripe_sync import sync_recent
from portal.extensions import db
from portal.payments import notices
from portal.payments.settings import stripe_settings


@click.group("payments", help="Payment jobs: Stripe report import, Stripe sync.")
def payments_group():
    pass


@payments_group.command("import-report", help="Apply a Stripe itemised balance change report "
                                              "(CSV); safe to run again on the same file.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True),
              help="Write one result row per balance transaction here (default: stdout).")
def import_report(path, output):
    now = utcnow()
    try:
        with open(path, "rb") as stream:
            report = read_report(stream, now)
    except DomainError as error:
        raise click.ClickException(f"{error.message} Nothing was imported.") from None
    if not report.ok:
        _refuse(report)
    results, totals = [], defaultdict(lambda: [0, 0, 0])
    with click.progressbar(length=len(report.rows), label="Importing balance transactions",
                           show_pos=True, file=sys.stderr) as bar:
        for start in range(0, len(report.rows), CHUNK):
            chunk = report.rows[start:start + CHUNK]
            for stored in _apply(chunk, now):
                results.append(result_row(stored))
                _add(totals, stored)
            db.session.commit()
            bar.update(len(chunk))
    _write(results, output)
    _summary(len(results), totals)


def _apply(chunk, now):
    """One chunk in one transaction; a domain error stops the import there (the chunks
    before it stay imported, and running the import again resumes)."""
    try:
        return import_rows(db.session, chunk, now)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(
            f"Stopped at lines {chunk[0].line} to {chunk[-1].line}: {error.message} The "
            "lines before were imported; run the import again once this is resolved."
        ) from None


def _refuse(report) -> None:
    for problem in report.errors:
        click.echo(f"line {problem.row}, column {problem.column or '-'}: {problem.message}",
                   err=True)
    if report.more_errors:
        click.echo(f"... and {report.more_errors} more problems", err=True)
    problems = len(report.errors) + report.more_errors
    click.echo(f"Nothing was imported: {problems} problem(s) in the file.", err=True)
    raise SystemExit(1)


def _write(results, output) -> None:
    if output is None:
        _csv(sys.stdout, results)
        return
    with open(output, "w", newline="", encoding="utf-8") as target:
        _csv(target, results)


def _csv(target, results) -> None:
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    writer.writerows(results)


def _add(totals, stored) -> None:
    figures = totals[(stored.result_class, stored.amount_currency)]
    figures[0] += 1
    figures[1] += stored.allocated_minor
    figures[2] += stored.unapplied_minor


def _summary(count, totals) -> None:
    """Counts and amounts per class and currency (allocated / unapplied), on stderr."""
    click.echo(f"{count} balance transactions:", err=True)
    for (klass, currency), (rows, allocated, unapplied) in sorted(totals.items()):
        click.echo(f"  {klass:20} {rows:8}  allocated {major_text(allocated, currency):>14} "
                   f"{currency}  unapplied {major_text(unapplied, currency):>14} {currency}",
                   err=True)


@payments_group.command("sync", help="Record the Stripe payments and refunds of the last "
                                     "hours that no webhook brought (a scheduled job).")
@click.option("--hours", default=72, show_default=True, type=click.IntRange(1, 24 * 90),
              help="How far back to ask Stripe.")
def sync(hours):
    settings = stripe_settings()
    if settings is None:
        raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY): "
                                   "nothing to sync.")
    now = utcnow()
    result = sync_recent(db.session, settings, now - timedelta(hours=hours), now)
    for payment_id in result.payments:
        notices.send_receipt(db.session.get(Payment, payment_id))
    db.session.commit()
    click.echo(f"Recorded {len(result.payments)} payments and {len(result.refunds)} refunds "
               f"from the last {hours} hours.")
    for problem in result.problems:
        click.echo(f"Not recorded: {problem}", err=True)
    if result.problems:
        sys.exit(1)

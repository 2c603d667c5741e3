"""`flask --app wsgi commissions ...`: the monthly commission run, approval, payables CSV;
thin wrappers over billing/commissions/ that commit what the domain flushed."""

from __future__ import annotations

import click
from sqlalchemy import select

from billing.commissions.models import CommissionRun
from billing.commissions.runs import approve_run, run_month
from billing.core.clock import utcnow
from billing.core.errors import DomainError
from billing.parties.models import Partner
from portal.extensions import db
from reports.commission_files import payables_csv


@click.group("commissions", help="Commission runs: run a month, approve it, export payables.")
def commissions_group():
    pass


@commissions_group.command("run", help="Earn the commission of a month (YYYY-MM, provider "
                                       "calendar month); safe to run again.")
@click.option("--period", "month", required=True, help="e.g. 2026-03")
@click.option("--by", "started_by", default="cli", help="Who starts the run, for the record.")
def run(month, started_by):
    from portal.cli import _bar

    try:
        result = run_month(db.session, month, utcnow(), started_by=started_by,
                           progress=_bar("Earning commission"))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Commission {month}: {result.events_seen} money events considered, "
               f"{result.lines_added} lines added.")


@commissions_group.command("approve", help="Approve a month that is over; fixes payables.")
@click.option("--period", "month", required=True)
@click.option("--by", "approved_by", required=True, help="Who approves, for the record.")
def approve(month, approved_by):
    try:
        approved = approve_run(db.session, month, approved_by, utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Commission {month} approved: {len(approved.payables)} payables.")


@commissions_group.command("payables", help="Write the payables CSV of an approved month.")
@click.option("--period", "month", required=True)
def payables(month):
    found = db.session.scalar(select(CommissionRun).where(CommissionRun.month == month))
    if found is None or found.status != "approved":
        raise click.ClickException(f"The commission of {month} is not approved.")
    partners = {pid: (code, name) for pid, code, name in
                db.session.execute(select(Partner.id, Partner.code, Partner.name))}
    click.echo(payables_csv(month, found.payables, partners), nl=False)

"""Command-line tools: users, API tokens, invoice runs, imports, demo data, the audit log.
Each is a thin wrapper over billing/."""

from __future__ import annotations

import click
import pyotp
from flask import current_app
from sqlalchemy import select

from billing.core.clock import parse_period, utcnow
from billing.core.errors import DomainError
from billing.imports import KINDS, run_import
from billing.invoicing import run_lifecycle, runs
from billing.parties import identity
from billing.parties.models import Customer, Partner
from billing.parties.users import ROLES, User
from portal import jobs, notices
from portal.cli import demo
from portal.cli.audit import audit_group
from portal.cli.mail import mail as mail_group
from portal.cpni import account_notices
from portal.extensions import db


def register(app) -> None:
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(demo_group)
    app.cli.add_command(billing_group)
    app.cli.add_command(import_file)
    app.cli.add_command(mail_group)
    app.cli.add_command(audit_group)
    from portal.cli.disputes import disputes_group

    app.cli.add_command(disputes_group)
    from portal.cli.payments import payments_group

    app.cli.add_command(payments_group)
    from portal.cli.commissions import commissions_group

    app.cli.add_command(commissions_group)
    from portal.cli.reconcile import reconcile_group

    app.cli.add_command(reconcile_group)


@click.group(help="Manage portal users.")
def users():
    pass


@users.command("create", help="Create a user; prompts for the password.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--partner", "partner_code", help="Partner code, for partner roles.")
@click.option("--account", "account_number", help="Account number, for customer roles.")
@click.password_option()
def create_user(email, name, role, partner_code, account_number, password):
    links = {}
    if partner_code:
        links["partner"] = _one(select(Partner).where(Partner.code == partner_code), "partner")
    if account_number:
        links["customer"] = _one(
            select(Customer).where(Customer.account_number == account_number), "account"
        )
    try:
        user = identity.create_user(db.session, email=email, name=name, role=role,
                                    password=password, **links)
        account_notices.login_created(user)
        db.session.commit()
    except (DomainError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
    notices.deliver_queued()


def _one(query, what):
    found = db.session.scalars(query).first()
    if found is None:
        raise click.ClickException(f"No such {what}.")
    return found


@click.group(help="Manage API tokens.")
def tokens():
    pass


@tokens.command("create", help="Create an API token for a partner or staff user; prints it once.")
@click.option("--email", required=True, help="The partner or staff user the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
def create_token(email, name):
    user = _one(select(User).where(User.email == identity.normalise_email(email)), "user")
    try:
        token, secret = identity.create_api_token(db.session, user=user, name=name, now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Token {token.name!r} for {user.email}. Keep it now; it is not shown again:")
    click.echo(secret)


@click.group("billing", help="Invoice runs.")
def billing_group():
    pass


def _period(text: str):
    try:
        return parse_period(text)
    except DomainError as error:
        raise click.BadParameter(error.message) from None


def _bar(label: str):
    """A click progress bar fed by the domain's progress(done, total) callbacks."""
    state = {"bar": None, "done": 0}

    def progress(done, total):
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label=label, show_pos=True)
            state["bar"].__enter__()
        state["bar"].update(done - state["done"])  # runs report once per chunk
        state["done"] = done
        if done == total:
            state["bar"].__exit__(None, None, None)

    return progress


@billing_group.command("run", help="Draft the invoices of a bill period (YYYY-MM, the month "
                                   "it ends); safe to run again, it resumes.")
@click.option("--period", "period_text", required=True, help="e.g. 2026-12")
@click.option("--issue", is_flag=True, help="Issue the drafts when drafting is done.")
@click.option("--by", "started_by", default="cli", help="Who starts the run, for the record.")
def run_invoices(period_text, issue, started_by):
    period = _period(period_text)
    click.echo(f"Bill period {period.start} to {period.end}.")
    run_id = _claim_run(period, started_by)
    if run_id is None:
        return
    app = current_app._get_current_object()
    result = jobs.run_invoice_period(app, run_id, progress=_bar("Drafting invoices"))
    click.echo(f"Drafted {result.drafted}, skipped {result.skipped} (already invoiced or "
               f"nothing to bill), failed {len(result.failed)}.")
    for account, why in result.failed:
        click.echo(f"  {account}: {why}", err=True)
    if issue and run_lifecycle.claim_issuing(db.session, run_id, now=utcnow()):
        issued = jobs.run_invoice_period(app, run_id, progress=_bar("Issuing invoices"))
        click.echo(f"Issued {issued.issued} invoices.")
    if result.failed:
        raise SystemExit(1)


def _claim_run(period, started_by: str) -> int | None:
    """Claim the period's run as the run page does; None when there is nothing to do."""
    try:
        claim = run_lifecycle.claim_drafting(db.session, period, started_by=started_by,
                                             now=utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if claim.nothing_to_do:
        click.echo(f"Nothing to do: the invoices of {period.key} have been issued. "
                   "Drafted 0, issued 0.")
        return None
    if not claim.claimed:
        raise click.ClickException(f"The run for {period.key} is already running "
                                   f"(started by {claim.run.started_by}).")
    return claim.run.id


@billing_group.command("issue", help="Issue every draft invoice of a bill period.")
@click.option("--period", "period_text", required=True)
def issue_invoices(period_text):
    issued = runs.issue_period(db.session, _period(period_text), now=utcnow(),
                               progress=_bar("Issuing invoices"))
    click.echo(f"Issued {issued} invoices.")


@click.command("import", help="Import a CSV file (formats: billing/imports/formats.md). "
                              "All or nothing: any bad row and nothing is saved.")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_file(kind, path):
    with click.progressbar(length=0, label=f"Checking and importing {kind}",
                           show_pos=True) as bar:
        try:
            report = run_import(db.session, KINDS[kind], lambda: open(path, "rb"),
                                progress=lambda rows: bar.update(1))
        except DomainError as error:
            db.session.info.pop("contact_changes", None)
            db.session.rollback()
            raise click.ClickException(error.message) from None
    if not report.saved:
        db.session.info.pop("contact_changes", None)
        db.session.rollback()
        for problem in report.errors:
            click.echo(f"row {problem.row}, column {problem.column or '-'}: {problem.message}",
                       err=True)
        if report.more_errors:
            click.echo(f"... and {report.more_errors} more problems", err=True)
        problems = len(report.errors) + report.more_errors
        raise click.ClickException(
            f"Nothing was imported: {problems} problems in {report.rows} rows.")
    account_notices.imported_contact_changes(db.session)
    db.session.commit()
    notices.deliver_queued()
    click.echo(f"Imported {report.rows} rows: {report.created} new, {report.updated} updated.")


@click.group("demo", help="Demo data for trying the portal.")
def demo_group():
    pass


@demo_group.command("seed", help="Load the deterministic demo data into an empty database.")
def seed():
    if demo.already_seeded(db.session):
        click.echo("The database already holds data; demo seed skipped.")
        return
    with click.progressbar(length=9, label="Seeding demo data") as bar:
        logins = demo.seed(db.session, progress=lambda step: bar.update(1))
        db.session.commit()
        bar.update(9)
    click.echo(f"Demo logins (password {demo.DEMO_PASSWORD!r}):")
    for email, role in logins.items():
        click.echo(f"  {role:20} {email}")


@demo_group.command("totp", help="Print the current second-factor code of a demo staff user.")
@click.argument("email")
def totp(email):
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Not available in production.")
    user = _one(select(User).where(User.email == identity.normalise_email(email)), "user")
    if not user.totp_secret:
        raise click.ClickException("That user has no second factor yet.")
    click.echo(pyotp.TOTP(user.totp_secret).now())

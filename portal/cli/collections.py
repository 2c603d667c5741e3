"""`flask --app wsgi collections run [--date YYYY-MM-DD] [--dry-run] [--recheck]`: the
day's collections job (autopay charges and retries, reminders, late fees), a thin wrapper over
billing/collections/run.py. Run it once a day from cron or the worker schedule; running
it again the same day, or twice at once, takes no step twice.
"""

from __future__ import annotations

from datetime import date, datetime, time

import click
from flask import current_app

from billing.collections.run import run_day
from billing.core.clock import FIRST_YEAR, LAST_YEAR, PROVIDER_TZ, utcnow
from billing.core.money import Money
from portal import notices
from portal.collections.notices import write
from portal.extensions import db
from portal.payments.settings import stripe_settings


@click.group("collections", help="Collections: the daily autopay, reminder and late fee job.")
def collections_group():
    pass


@collections_group.command("run", help="Take the day's collection steps; safe to run again.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="The provider's date to run for (default today); for catching up.")
@click.option("--dry-run", is_flag=True, help="List what would be done; change nothing.")
@click.option("--recheck", is_flag=True, help="Examine a day already finished again (after "
                                              "a fix); steps already taken are not repeated.")
def run(day, dry_run, recheck):
    if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise click.BadParameter(f"give a day in the years {FIRST_YEAR} to {LAST_YEAR}",
                                 param_hint="--date")
    now = _now(day.date() if day else None)
    settings = stripe_settings()
    if settings is None:
        click.echo("Stripe is not configured: autopay charges are left out.", err=True)
    result = run_day(db.session, now, write, settings=settings, dry_run=dry_run,
                     recheck=recheck, today=day.date() if day else None)
    if result.already_done:
        click.echo(f"Collections for {result.day} were done already; nothing to do "
                   "(--recheck examines the day again).")
        return
    if dry_run:
        for number, kind, step, period in result.planned:
            click.echo(f"{number}\t{kind}\t{step}\t{period}")
        click.echo(f"Dry run for {result.day}: {len(result.planned)} steps would be taken "
                   f"on {result.examined} invoices examined; nothing was changed.")
        return
    fees = ", ".join(f"{Money(m, c).major} {c}" for c, m in sorted(result.late_fee_minor.items()))
    click.echo(f"Collections for {result.day}: {result.examined} invoices examined; autopay "
               f"{result.charged} charged, {result.charge_failed} failed, "
               f"{result.charge_pending} pending; {result.reminders} reminders; "
               f"{result.late_fees} late fees{f' ({fees})' if fees else ''}.")
    if current_app.config["MAIL_DELIVERY"] == "inline":
        notices.deliver_now()  # else the scheduled `flask mail deliver` sends them


def _now(day: date | None) -> datetime:
    """The instant to act at: now, or for a past day its noon on the provider's clock."""
    if day is None:
        return utcnow()
    return datetime.combine(day, time(12), PROVIDER_TZ)

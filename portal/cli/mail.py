"""`flask mail ...`: the outbox's scheduled sender, and what an operator needs to see of
the outbox. Bodies are never printed: notices may name accounts and people."""

from __future__ import annotations

import click

from billing.core import outbox
from portal.extensions import db
from portal.notices import deliver_backlog


@click.group(help="The outbox of e-mail notices.")
def mail():
    pass


@mail.command("deliver", help="Send every message that is due, retrying failed ones with "
                              "backoff; run it every minute (see README, Scheduled jobs).")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Messages per batch; batches go on until nothing is due.")
def deliver(batch):
    total = deliver_backlog(batch)
    click.echo(f"Sent {total.sent}, retrying {total.retrying}, failed {total.failed}.")


@mail.command("status", help="Count messages per status and list the failed ones.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000),
              help="How many failed messages to list, newest first.")
def status(limit):
    counts = outbox.count_by_status(db.session)
    click.echo(", ".join(f"{state} {count}" for state, count in counts.items()))
    for failed in outbox.failed_mail(db.session, limit):
        click.echo(f"#{failed.id} {failed.created_at:%Y-%m-%d %H:%M}Z {failed.kind} "
                   f"to {failed.to_address} ({failed.attempts} attempts): {failed.subject}")
        click.echo(f"    {failed.last_error or '-'}")
    db.session.rollback()

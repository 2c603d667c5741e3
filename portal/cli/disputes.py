"""`flask --app wsgi disputes escalate`: the scheduled job that escalates disputes whose
tier let the deadline pass. Run it every few minutes (see README, "Scheduled jobs"); it
is safe to run twice at once or to run again, and each escalation notifies the filer
and the next tier."""

from __future__ import annotations

import click
from flask import current_app

from billing.core.clock import utcnow
from billing.disputes import escalation
from portal.disputes.notices import notify
from portal.extensions import db
from portal.notices import deliver_now


@click.group("disputes", help="Dispute jobs.")
def disputes_group():
    pass


@disputes_group.command("escalate", help="Escalate every open dispute whose deadline has "
                                         "passed, and send the notices.")
def escalate_overdue():
    done = escalation.escalate_overdue(db.session, utcnow(), notify=notify)
    for item in done:
        click.echo(f"{item.reference}: tier {item.from_level} -> tier {item.to_level}")
    click.echo(f"{len(done)} dispute(s) escalated.")
    if done and current_app.config["MAIL_DELIVERY"] == "inline":
        deliver_now()

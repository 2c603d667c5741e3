"""`flask audit`: sealing and verifying the CPNI disclosure log (docs/cpni.md)."""

from __future__ import annotations

import click

from portal import audit_log
from portal.extensions import db


@click.group("audit", help="The tamper-evident CPNI disclosure log.")
def audit_group():
    pass


@audit_group.command("seal", help="Number and chain the unsealed disclosures and write a "
                                  "checkpoint; run on a schedule in production.")
@click.option("--no-wait", is_flag=True, help="Exit at once if another sealer is at work.")
def seal(no_wait):
    sealed = audit_log.seal(wait=not no_wait)
    if sealed is None:
        click.echo("Another sealer is at work; nothing done.")
        return
    click.echo(f"Sealed {sealed} entries.")


@audit_group.command("verify", help="Check the disclosure log against the key and the "
                                    "latest checkpoint; exits 1 at the first problem.")
def verify():
    if db.engine.dialect.name == "postgresql":  # one snapshot while writers go on
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    from portal.cli import _bar

    verdict = audit_log.verify(progress=_bar("Checking entries"))
    db.session.rollback()
    pending = f", {verdict.unsealed} not yet sealed" if verdict.unsealed else ""
    if verdict.ok:
        click.echo(f"OK: {verdict.entries} entries{pending}")
        return
    bad = verdict.first_break
    click.echo(f"BAD ({bad.kind}): entry {bad.sequence or '-'} (id {bad.entry_id or '-'}): "
               f"{bad.reason}. {verdict.entries} entries before it are intact.", err=True)
    raise SystemExit(1)

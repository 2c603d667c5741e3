"""The edge of the CPNI disclosure log: its key and checkpoint directory from the settings,
and the sealer's transactions (docs/cpni.md).

Requests insert their disclosures unsealed. With AUDIT_SEALING=inline (the embedded
default) the request that logged any seals right after its answer is built, if no other
sealer is at work (that one takes these entries too, since it goes on until none is
left). With AUDIT_SEALING=worker only the scheduled `flask --app wsgi audit seal` seals.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from billing.core.clock import utcnow
from billing.cpni import audit, audit_verify, checkpoints
from portal.extensions import db

ROUNDS = 20  # batches one inline sealer takes on before leaving the rest to the next


def log_key() -> bytes:
    return current_app.config["AUDIT_LOG_KEY"].encode()


def checkpoint_dir() -> str:
    return current_app.config["AUDIT_CHECKPOINT_DIR"]


def seal(*, wait: bool = True, rounds: int | None = None) -> int | None:
    """Seal what is unsealed, a batch per transaction, each followed by its checkpoint.

    Returns how many entries were sealed, or None if another sealer holds the lock and
    `wait` is False.
    """
    key, directory, total, done = log_key(), checkpoint_dir(), 0, 0
    with checkpoints.sealer_lock(directory, wait) as locked:
        if not locked:
            return None
        while rounds is None or done < rounds:
            sealed = audit.seal_batch(db.session, key=key, wait=wait)
            if not sealed or not sealed.sealed:
                db.session.rollback()
                break
            db.session.commit()
            checkpoints.write(directory, key, count=sealed.count, head=sealed.head,
                              now=utcnow())
            total, done = total + sealed.sealed, done + 1
    return total


def seal_after_request(response):
    appended = db.session.info.pop(audit.APPENDED, False)
    if appended and current_app.config["AUDIT_SEALING"] == "inline":
        db.session.rollback()  # whatever the request left uncommitted is not ours to keep
        try:
            seal(wait=False, rounds=ROUNDS)
        except Exception:  # the entries stay unsealed; the next sealer takes them
            current_app.logger.exception("sealing the disclosure log failed")
            db.session.rollback()
    return response


def verify(progress=None) -> audit_verify.Verdict:
    limit = timedelta(minutes=current_app.config["AUDIT_UNSEALED_LIMIT_MINUTES"])
    return audit_verify.verify_disclosure_log(
        db.session, key=log_key(), checkpoint_dir=checkpoint_dir(), now=utcnow(),
        unsealed_limit=limit, progress=progress)

"""The mail outbox: notices are queued in the same transaction as the change they tell
of, and a sender delivers them later, retrying with backoff when the server fails.

`deliver_due` takes the send function, so the domain knows nothing of SMTP settings;
the portal passes one that speaks SMTP (portal/mail.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.core.errors import InvalidInput
from billing.core.models import MAIL_STATES, OutboundMail

# The wait before each retry; after the last one the message is marked failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long a claimed message stays out of other senders' reach while it is being sent.
CLAIM_LEASE = timedelta(minutes=5)
# Messages that carry a one-time link: once sent, the body is replaced, so the database
# holds the link's token only until it has gone (the link itself keeps only a hash).
ONE_TIME_LINK_KINDS = frozenset({"invitation", "password_reset_link"})
SENT_LINK_BODY = "(removed once sent: the message held a one-time link)"


def enqueue(session: Session, *, to: str, subject: str, body: str, kind: str,
            now: datetime, dedup_key: str | None = None) -> None:
    """Queue one message. With a `dedup_key`, queueing the same key again does nothing."""
    values = message_row(to=to, subject=subject, body=body, kind=kind, now=now)
    if dedup_key is None:
        session.add(OutboundMail(**values))
        session.flush()
        return
    insert_if_missing(session, OutboundMail, "dedup_key", dedup_key=dedup_key[:120], **values)


def message_row(*, to: str, subject: str, body: str, kind: str, now: datetime,
                dedup_key: str | None = None) -> dict:
    """The outbox row of one message, checked, for `enqueue` or a job that queues many at
    once (billing.core.bulk.insert_rows, skipping conflicts on `dedup_key`)."""
    to = (to or "").strip()
    if "@" not in to or any(c in to for c in "\r\n,;"):
        raise InvalidInput("A notice needs one e-mail address to go to.")
    row = dict(to_address=to[:254], subject=subject[:300], body=body, kind=kind[:32],
               status="pending", attempts=0, created_at=now, next_attempt_at=now)
    if dedup_key is not None:
        row["dedup_key"] = dedup_key[:120]
    return row


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def deliver_due(session: Session, send: Callable[[str, str, str], None], now: datetime,
                limit: int = 100, created_since: datetime | None = None) -> Delivery:
    """Send what is due (of it, what was queued since `created_since`, if given), each
    message committed on its own.

    A message is claimed with a conditional UPDATE (its attempt count must still be
    what was read), so two senders running at once never send it twice.
    """
    result = Delivery()
    query = select(OutboundMail.id, OutboundMail.attempts).where(
        OutboundMail.status == "pending", OutboundMail.next_attempt_at <= now)
    if created_since is not None:
        query = query.where(OutboundMail.created_at >= created_since)
    due = session.execute(
        query.order_by(OutboundMail.next_attempt_at, OutboundMail.id).limit(limit)).all()
    session.commit()
    started = time.monotonic()
    for mail_id, attempts in due:
        # A slow server can stretch a batch over minutes: each lease and retry is
        # counted from the moment of its own attempt, not from the start of the batch.
        moment = now + timedelta(seconds=time.monotonic() - started)
        if not _claim(session, mail_id, attempts, moment):
            continue
        mail = session.get(OutboundMail, mail_id, populate_existing=True)
        try:
            send(mail.to_address, mail.subject, mail.body)
        except Exception as error:  # noqa: BLE001 - any failure to send is retried
            _record_failure(mail, error, moment, result)
        else:
            mail.status, mail.sent_at, mail.last_error = "sent", moment, None
            if mail.kind in ONE_TIME_LINK_KINDS:
                mail.body = SENT_LINK_BODY
            result.sent += 1
        session.commit()
    return result


def _claim(session: Session, mail_id: int, attempts: int, now: datetime) -> bool:
    """Count the attempt before sending; the loser of a race sees no row change."""
    claimed = session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail_id, OutboundMail.status == "pending",
               OutboundMail.attempts == attempts)
        .values(attempts=attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)).rowcount == 1
    session.commit()
    return claimed


def _record_failure(mail: OutboundMail, error: Exception, now: datetime,
                    result: Delivery) -> None:
    mail.last_error = f"{type(error).__name__}: {error}"[:500]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
        result.failed += 1
    else:
        mail.next_attempt_at = now + BACKOFF[mail.attempts - 1]
        result.retrying += 1


def count_by_status(session: Session) -> dict[str, int]:
    """How many messages are pending, sent and failed (every state, zeros included)."""
    counts = dict.fromkeys(MAIL_STATES, 0)
    rows = session.execute(select(OutboundMail.status, func.count()).group_by(OutboundMail.status))
    counts.update({status: count for status, count in rows})
    return counts


@dataclass(frozen=True)
class FailedMail:
    """What an operator needs to follow up a message given up on; never its body."""

    id: int
    to_address: str
    subject: str
    kind: str
    attempts: int
    created_at: datetime
    last_error: str | None


def failed_mail(session: Session, limit: int = 50) -> list[FailedMail]:
    """The messages given up on, newest first."""
    rows = session.execute(
        select(OutboundMail.id, OutboundMail.to_address, OutboundMail.subject,
               OutboundMail.kind, OutboundMail.attempts, OutboundMail.created_at,
               OutboundMail.last_error)
        .where(OutboundMail.status == "failed")
        .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc()).limit(limit))
    return [FailedMail(*row) for row in rows]

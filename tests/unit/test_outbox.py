"""The outbox's sender over real SMTP: retries with backoff after a refused connection,
gives up after the last attempt, never sends a message twice, and queues a keyed
message once."""

import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from billing.core import outbox
from billing.core.clock import utcnow
from billing.core.models import OutboundMail
from portal.mail import send_mail

# A batch's clock moves on while it sends; on this machine by far less than this.
SLACK = timedelta(seconds=5)


def closed_port() -> int:
    """A local port nobody listens on: every connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())


def _queue(session, now, to="holder@customer.test", **extra):
    outbox.enqueue(session, to=to, subject="Your account changed", body="Something changed.\n",
                   kind="test", now=now, **extra)
    session.commit()
    return session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()


def test_a_refused_connection_leaves_the_message_pending_until_its_backoff(
        session, mailbox, refused):
    now = utcnow()
    mail = _queue(session, now)
    result = outbox.deliver_due(session, send_mail, now)
    session.refresh(mail)
    assert (result.sent, result.retrying, result.failed) == (0, 1, 0)
    assert mail.status == "pending" and mail.attempts == 1
    assert now + outbox.BACKOFF[0] <= mail.next_attempt_at < now + outbox.BACKOFF[0] + SLACK
    assert "ConnectionRefusedError" in mail.last_error
    assert mailbox.messages == []


def test_once_its_backoff_has_passed_the_message_is_sent(session, mailbox, app, monkeypatch):
    now = utcnow()
    mail = _queue(session, now)
    server_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port())
    assert outbox.deliver_due(session, send_mail, now).retrying == 1
    monkeypatch.setitem(app.config, "MAIL_PORT", server_port)  # the server is back
    early = outbox.deliver_due(session, send_mail, now + outbox.BACKOFF[0] - timedelta(seconds=1))
    assert early.attempted == 0 and mailbox.messages == []
    later = outbox.deliver_due(session, send_mail, now + outbox.BACKOFF[0] + SLACK)
    session.refresh(mail)
    assert later.sent == 1 and mail.status == "sent" and mail.attempts == 2
    assert mail.last_error is None
    assert [m["To"] for m in mailbox.messages] == ["holder@customer.test"]
    assert mailbox.messages[0]["Subject"] == "Your account changed"


def test_after_the_last_attempt_the_message_is_failed_and_left_alone(
        session, mailbox, refused):
    moment = utcnow()
    mail = _queue(session, moment)
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        assert outbox.deliver_due(session, send_mail, moment).retrying == 1
        session.refresh(mail)
        waits.append(mail.next_attempt_at - moment)
        moment = mail.next_attempt_at
    last = outbox.deliver_due(session, send_mail, moment)
    session.refresh(mail)
    assert last.failed == 1 and mail.status == "failed"
    assert mail.attempts == outbox.MAX_ATTEMPTS == len(waits) + 1
    for wait, backoff in zip(waits, outbox.BACKOFF, strict=True):
        assert backoff <= wait < backoff + SLACK
    assert outbox.deliver_due(session, send_mail, moment + timedelta(days=30)).attempted == 0
    assert outbox.count_by_status(session) == {"pending": 0, "sent": 0, "failed": 1}
    assert [f.to_address for f in outbox.failed_mail(session)] == ["holder@customer.test"]


def test_a_second_delivery_run_does_not_send_the_message_again(session, mailbox):
    now = utcnow()
    _queue(session, now)
    assert outbox.deliver_due(session, send_mail, now).sent == 1
    assert outbox.deliver_due(session, send_mail, now + timedelta(seconds=1)).attempted == 0
    assert len(mailbox.messages) == 1


def test_a_sender_that_read_the_message_earlier_cannot_claim_it_while_it_is_sent(
        app, db, session, mailbox):
    now = utcnow()
    _queue(session, now)
    late_has_read, first_is_sending = threading.Event(), threading.Event()
    late_runs = []

    def late_sender():
        with app.app_context(), Session(db.engine) as late:
            @event.listens_for(late, "do_orm_execute")
            def claim_only_once_the_other_is_sending(state):
                if state.is_update:
                    late_has_read.set()
                    first_is_sending.wait(10)

            late_runs.append(outbox.deliver_due(late, send_mail, now))

    thread = threading.Thread(target=late_sender)
    thread.start()
    assert late_has_read.wait(10)

    def send_while_the_late_sender_claims(*message):
        first_is_sending.set()
        thread.join(10)
        send_mail(*message)

    first = outbox.deliver_due(session, send_while_the_late_sender_claims, now)
    thread.join()
    assert first.sent == 1 and late_runs[0].attempted == 0
    assert len(mailbox.messages) == 1


def test_a_dedup_key_queues_the_message_once(session, mailbox):
    now = utcnow()
    for _ in range(2):
        _queue(session, now, dedup_key="dispute-event-7-filer")
    _queue(session, now, dedup_key="dispute-event-8-filer")
    assert session.scalar(select(func.count()).select_from(OutboundMail)) == 2
    assert outbox.deliver_due(session, send_mail, now).sent == 2
    assert len(mailbox.messages) == 2


def test_a_message_needs_exactly_one_address(session):
    from billing.core.errors import InvalidInput

    for to in ("", "no-at-sign", "a@b.test, c@d.test", "a@b.test\r\nBcc: c@d.test"):
        with pytest.raises(InvalidInput):
            outbox.enqueue(session, to=to, subject="s", body="b", kind="test", now=utcnow())

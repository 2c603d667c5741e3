"""Forgot-password requests, recorded after the answer has been sent.

The answer to a forgot-password form must not tell, by its content or its timing,
whether the address belongs to an account. So the request itself only makes a token and
writes the message, the same for every address; once the server has sent the answer and
closes the response, this looks the address up, records the link for a known one, queues
its message in the outbox and (MAIL_DELIVERY=inline) sends it. With
MAIL_DELIVERY=worker, `flask mail deliver` sends it. A failure here loses nothing that
the user cannot ask for again.
"""

from __future__ import annotations

from flask import current_app

from billing.core import outbox
from billing.core.clock import utcnow
from billing.parties import identity
from portal.extensions import db
from portal.mail import send_mail


def record_after_response(response, *, email: str, token: str, subject: str,
                          body: str) -> None:
    app = current_app._get_current_object()

    def record() -> None:
        with app.app_context():
            try:
                record_reset_request(email=email, token=token, subject=subject, body=body)
            except Exception:  # nobody is waiting for this answer; the log is its reader
                app.logger.exception("recording a password-reset request failed")
                db.session.rollback()

    response.call_on_close(record)


def record_reset_request(*, email: str, token: str, subject: str, body: str) -> bool:
    """Record the link and queue its message if the address is a live account's;
    True when a message was queued."""
    now = utcnow()
    found = identity.start_password_reset(db.session, email, now, token=token)
    if found.user is not None:
        outbox.enqueue(db.session, to=found.user.email, subject=subject, body=body,
                       kind="password_reset_link", now=now)
    db.session.commit()
    if found.user is not None and current_app.config["MAIL_DELIVERY"] == "inline":
        outbox.deliver_due(db.session, send_mail, utcnow(), limit=1, created_since=now)
    return found.user is not None

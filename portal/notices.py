"""Notices by e-mail: written in the addressee's language, queued in the outbox with the
change they tell of, and delivered after the request (or by `flask mail deliver`).

Delivery after the request is the embedded default (MAIL_DELIVERY=inline). With
MAIL_DELIVERY=worker, only the scheduled `flask --app wsgi mail deliver` sends, and it
also retries what failed.
"""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_babel import force_locale

from billing.core import outbox
from billing.core.clock import utcnow
from portal.extensions import db
from portal.mail import send_mail


def queue(*, to: str, locale: str | None, template: str, kind: str,
          dedup_key: str | None = None, **context) -> None:
    """Render `template` (its first line is the subject) in `locale` and queue it."""
    subject, body = render(template, locale, **context)
    queue_message(to=to, subject=subject, body=body, kind=kind, dedup_key=dedup_key)


def render(template: str, locale: str | None, **context) -> tuple[str, str]:
    """A mail's subject (the template's first line) and body, in `locale`."""
    g.provider_clock, before = True, g.get("provider_clock", False)
    try:
        with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = render_template(template, public_url=current_app.config["PUBLIC_URL"],
                                   provider=current_app.config["PROVIDER_NAME"], **context)
    finally:
        g.provider_clock = before
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_message(*, to: str, subject: str, body: str, kind: str,
                  dedup_key: str | None = None) -> None:
    """Queue a message already written (in the request's language) for delivery."""
    now = utcnow()
    outbox.enqueue(db.session, to=to, subject=subject, body=body, kind=kind, now=now,
                   dedup_key=dedup_key)
    counted(now)


def counted(now) -> None:
    """Note a message queued in this request, for delivery after it (deliver_queued)."""
    g.mail_queued = g.get("mail_queued", 0) + 1
    g.mail_queued_since = min(g.get("mail_queued_since", now), now)


def deliver_now() -> outbox.Delivery:
    """Send what is due in the outbox (its own transactions)."""
    return outbox.deliver_due(db.session, send_mail, utcnow())


def deliver_backlog(batch: int = 100) -> outbox.Delivery:
    """Send everything due in the outbox, `batch` messages per transaction, until nothing
    due is left: the scheduled sender (`flask mail deliver`, the `mail.deliver` task)."""
    total = outbox.Delivery()
    while True:
        result = outbox.deliver_due(db.session, send_mail, utcnow(), limit=batch)
        total.sent += result.sent
        total.retrying += result.retrying
        total.failed += result.failed
        if result.attempted < batch:  # fewer than asked for: nothing more is due
            return total


def deliver_queued() -> None:
    """Inline delivery: once the change has committed, send what was queued with it.

    Whatever is left uncommitted (a request's error answer) is rolled back first, so
    only notices of changes that were saved go out. Only this request's own notices are
    sent here, so a backlog (a mail server that was down) never holds up a user's click;
    the scheduled sender takes the rest. The command line calls this after its commit;
    requests through `deliver_after_request`.
    """
    queued, since = g.pop("mail_queued", 0), g.pop("mail_queued_since", None)
    if queued and current_app.config["MAIL_DELIVERY"] == "inline":
        db.session.rollback()
        try:
            outbox.deliver_due(db.session, send_mail, utcnow(), limit=queued,
                               created_since=since)
        except Exception:  # the outbox keeps it; the scheduled sender retries
            current_app.logger.exception("outbox delivery failed")
            db.session.rollback()


def deliver_after_request(response):
    deliver_queued()
    return response


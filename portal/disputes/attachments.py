"""A dispute's files on the filer's side: storing those sent with a step, and serving
one as a download the browser may not sniff, run or cache."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, send_file
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.disputes import files as dispute_files
from portal import access
from portal.disputes.disclosures import grant
from portal.extensions import db


def download(dispute_id, attachment_id):
    """A file of a dispute within reach; files of staff's internal notes are not the
    filer's. Served as a download the browser may not sniff or run."""
    dispute = access.get_dispute(db.session, current_user, dispute_id)
    wanted = whole_number(attachment_id)
    attachment = next((a for a in dispute.attachments if a.id == wanted), None)
    internal = {e.id for e in dispute.events if e.detail.get("internal")}
    if attachment is None or attachment.event_id in internal or not access.may_see_attachment(
            current_user, attachment, grant(dispute.invoice, utcnow())):
        raise NotFound(_("No such file."))
    return send_attachment(attachment)


def send_attachment(attachment):
    """The file as a download that the browser may not sniff, render or cache."""
    path = dispute_files.path_of(attachment, current_app.config["ATTACHMENT_DIR"])
    if not path.is_file():
        raise NotFound(_("No such file."))
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def store(step, uploads, now: datetime) -> None:
    """Keep the files sent with a step, in the step's transaction."""
    if uploads:
        dispute_files.store(db.session, dispute=step.dispute, user=current_user, files=uploads,
                            folder=current_app.config["ATTACHMENT_DIR"], now=now,
                            event=step.event,
                            max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])

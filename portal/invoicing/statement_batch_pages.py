"""Statement batch pages shared by staff and partners: ask for a batch, watch it render,
download its ZIP and manifest.

A partner's batches are its own (its whole reach); billing staff share the staff
batches (all accounts, or one partner's). Anyone else, or another partner, is answered
404. A partner's stored ZIP is served only while the approvals it was rendered under
still stand: once one changes, the batch is no longer offered and asking again renders
a new one.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import InputRequired

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.invoicing.statement_batch_models import StatementBatch
from billing.parties.models import Partner
from portal import access
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing.statements import statement_period
from portal.tasks import enqueue
from reports import statement_batches
from reports.statement_batch_files import manifest_path, zip_path

LISTED = 50  # the newest batches on the page


class BatchForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[InputRequired()])
    partner = SelectField(_l("Accounts"), choices=[], validate_choice=False)

    def validate_month(self, field):
        try:
            self.period = statement_period({"month": field.data.strip()},
                                           provider_date(utcnow()))
        except InvalidInput as error:
            raise ValidationError(error.message) from None


def batches_page(endpoints: dict):
    """The list of batches within reach and the form that asks for one."""
    form = BatchForm()
    if current_user.is_staff:
        form.partner.choices = [("", _("All accounts"))] + [
            (str(p.id), f"{p.code} · {p.name}") for p in
            db.session.scalars(select(Partner).order_by(Partner.code))]
    if form.validate_on_submit():
        return _ask(form, endpoints)
    batches = db.session.scalars(_within_reach().order_by(StatementBatch.id.desc())
                                 .limit(LISTED)).all()
    if current_user.is_partner:  # only those still matching the approvals in force
        shown = statement_batches.partner_shown(db.session, current_user, utcnow())
        batches = [b for b in batches if b.key == statement_batches.batch_key(
            current_user, None, b.period_start, b.period_end, b.locale, shown)]
    month = statement_period({}, provider_date(utcnow()))[0].strftime("%Y-%m")
    return render_template("invoicing/statement_batches.html", form=form, batches=batches,
                           endpoints=endpoints, current=month,
                           partners=_partner_names(batches))


def _ask(form: BatchForm, endpoints: dict):
    partner = None
    if current_user.is_staff and form.partner.data:
        partner = access.get_partner(db.session, current_user, form.partner.data)
    start, end = form.period
    batch, fresh = statement_batches.ask_for_batch(
        db.session, current_user, partner=partner, start=start, end=end,
        locale=select_locale(), now=utcnow())
    db.session.commit()
    if fresh:
        enqueue("statements.batch", batch_id=batch.id)
        flash(_("The statements are being rendered."))
    else:
        flash(_("This batch was asked for before: here it is."))
    return redirect(url_for(endpoints["batch"], batch_id=batch.id))


def batch_page(batch_id, endpoints: dict):
    batch = _get(batch_id)
    partner = batch.partner_id and db.session.get(Partner, batch.partner_id)
    return render_template("invoicing/statement_batch.html", batch=batch,
                           progress=_progress(batch), endpoints=endpoints, partner=partner,
                           withheld=sum(1 for e in batch.manifest if e["withheld"]))


def batch_progress(batch_id):
    """What the progress view polls."""
    return jsonify(_progress(_get(batch_id)))


def batch_zip(batch_id):
    return _download(batch_id, zip_path, "application/zip", "statements-{}.zip")


def batch_manifest(batch_id):
    return _download(batch_id, manifest_path, "text/csv", "statements-{}-manifest.csv")


def _download(batch_id, where, mimetype: str, name: str):
    """Stream a finished batch's file (never read whole into memory)."""
    from flask import current_app

    batch = _get(batch_id)
    path = where(current_app.config["STATEMENT_BATCH_DIR"], batch.id)
    if batch.state != "done" or not path.exists():
        abort(404)
    label = f"{batch.period_start:%Y-%m-%d}-{batch.period_end:%Y-%m-%d}"
    return send_file(path, mimetype=mimetype, as_attachment=True,
                     download_name=name.format(label), max_age=0)


def _within_reach():
    """The batches the user may open: a partner its own; billing staff the staff ones."""
    query = select(StatementBatch)
    if current_user.is_partner:
        return query.where(StatementBatch.audience == "partner",
                           StatementBatch.partner_id == current_user.partner_id)
    if current_user.is_staff and current_user.is_billing_staff:
        return query.where(StatementBatch.audience == "staff")
    abort(404)


def _get(batch_id) -> StatementBatch:
    try:
        number = int(str(batch_id))
    except ValueError:
        abort(404)
    batch = db.session.scalars(_within_reach().where(StatementBatch.id == number)).first()
    if batch is None or not statement_batches.still_current(db.session, current_user, batch,
                                                            utcnow()):
        raise NotFound(_("No such statement batch."))
    return batch


def _partner_names(batches) -> dict:
    ids = {b.partner_id for b in batches if b.partner_id}
    if not ids:
        return {}
    return {p.id: p.name for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}


def _progress(batch: StatementBatch) -> dict:
    done, total = format_number(batch.done), format_number(batch.total)
    if batch.state == "failed" and current_user.is_staff:
        label = _("The batch stopped: %(why)s", why=batch.error or "")
    elif batch.state == "failed":  # the cause is for staff to read in the record
        label = _("The batch stopped.")
    elif batch.state == "rendering" and not batch.total:
        label = _("Finding the accounts…")
    else:
        label = ngettext("%(done)s of %(total)s statement", "%(done)s of %(total)s statements",
                         batch.total, done=done, total=total)
    return {"state": batch.state, "active": batch.state == "rendering",
            "done": batch.done, "total": batch.total, "label": label}

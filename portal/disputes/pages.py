"""Dispute pages of the filer's side, shared by the customer and partner blueprints.

A dispute's state, tier, deadline, reason and timeline are shown to everyone who may
reach it; its amounts and lines are the customer's CPNI: a partner sees them only while
the customer's approval is in force, and each such view is logged. A partner without
approval still files, typing the amount the customer claims, and is never told how much
is open. Templates and endpoints are named after the blueprint: `<blueprint>/disputes.html`,
`<blueprint>.dispute`, and so on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.disputes import files as dispute_files
from billing.disputes import steps as disputes
from billing.disputes.models import DISPUTE_STATES, Dispute
from billing.disputes.tiers import next_tier
from billing.invoicing.models import Invoice
from portal import access
from portal.disputes import notices as dispute_notices
from portal.disputes.forms import CommentForm, DisputeForm, EscalateForm, ReopenForm, WithdrawForm
from portal.disputes.labels import labels
from portal.extensions import db
from portal.i18n import money
from portal.invoicing import listing
from portal.invoicing.presenters import invoice_dict
from portal.paging import page_number, paginate

STEP_FORMS = {"comment_form": CommentForm, "escalate_form": EscalateForm,
              "withdraw_form": WithdrawForm, "reopen_form": ReopenForm}


# --- on the invoice page -------------------------------------------------------------------

def may_file(invoice: Invoice, now: datetime) -> bool:
    """Whether the invoice is issued and its dispute window still open, on the provider's
    calendar; staff do not file."""
    if current_user.is_staff or invoice.status in ("draft", "void") or not invoice.issue_date:
        return False
    last_day = invoice.issue_date + timedelta(days=current_app.config["DISPUTE_WINDOW_DAYS"])
    return provider_date(now) <= last_day


def invoice_summary(invoice: Invoice, grant, now: datetime) -> dict:
    """What the invoice page says about disputes: the link to file one (what they hold
    is in the invoice's balance)."""
    return {"may_file": may_file(invoice, now)}


# --- the list ----------------------------------------------------------------------------------

def list_page():
    now = utcnow()
    query = _list_query(request.args)
    page = paginate(db.session, query, page_number(request.args), _load_disputes)
    grants = access.cpni_access_many(db.session, current_user,
                                     {d.customer_id: d.customer for d in page.items}.values(),
                                     now)
    html = render_template(f"disputes/{request.blueprint}_disputes.html", page=page, grants=grants,
                           now=now, labels=labels(), states=DISPUTE_STATES, args=request.args)
    return _logged(html, grants, "dispute list", now)


def _list_query(args):
    query = access.disputes_query(db.session, current_user)
    status = args.get("status") or ""
    if status:
        if status not in DISPUTE_STATES:
            raise InvalidInput(_("Choose a status among %(states)s.",
                                 states=", ".join(DISPUTE_STATES)))
        query = query.where(Dispute.status == status)
    return query.order_by(Dispute.filed_at.desc(), Dispute.id.desc())


def _load_disputes(session, ids) -> list[Dispute]:
    rows = session.scalars(select(Dispute).where(Dispute.id.in_(ids)).options(
        joinedload(Dispute.invoice), joinedload(Dispute.customer), joinedload(Dispute.tier)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


# --- filing ------------------------------------------------------------------------------------

def new_page(invoice_id):
    now = utcnow()
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    filing = _Filing(invoice, now)
    return _render_new(filing, filing.form(formdata=None))


def file(invoice_id):
    """File the dispute and store its files in one transaction: a refused file, like any
    refused input, leaves nothing behind."""
    now = utcnow()
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    filing = _Filing(invoice, now)
    form = filing.form()
    if not form.validate_on_submit():
        return _render_new(filing, form, status=400)
    try:
        step = disputes.file_dispute(
            db.session, invoice=invoice, user=current_user, reason=form.reason.data,
            description=form.description.data, amount_minor=form.amount_minor, now=now,
            line_ids=form.line_ids.data or (),
            window_days=current_app.config["DISPUTE_WINDOW_DAYS"])
        again = step.dispute.filed_at != now  # the same form sent twice: the first dispute
        if not again:
            _store(step, form.attachments.uploads(), now)
    except disputes.AmountTooLarge as refused:
        db.session.rollback()
        form.amount.errors.append(filing.too_large(refused))
        return _render_new(filing, form, status=400)
    except InvalidInput as refused:
        db.session.rollback()
        return _render_new(filing, form, problem=refused.message, status=400)
    if not again:
        dispute_notices.notify(step)
    db.session.commit()
    ref = step.dispute.reference
    flash(_("Dispute %(ref)s was already filed.", ref=ref) if again else
          _("Dispute %(ref)s is filed. You will hear from us at each step.", ref=ref), "info")
    return redirect(url_for(f"{request.blueprint}.dispute", dispute_id=step.dispute.id))


class _Filing:
    """An invoice as its would-be filer sees it: the access, and the lines it may choose."""

    def __init__(self, invoice: Invoice, now: datetime):
        self.invoice, self.now = invoice, now
        self.grant = _grant(invoice, now)
        self.lines, self.grants = visible_lines(current_user, invoice, self.grant, now)

    def form(self, **kwargs) -> DisputeForm:
        currency = self.invoice.currency
        choices = [(line.id, f"{line.description} ({money(line.amount_minor, currency)})")
                   for line in self.lines if line.kind in disputes.DISPUTABLE_KINDS]
        return DisputeForm(currency, choices, **kwargs)

    def too_large(self, refused: disputes.AmountTooLarge) -> str:
        """The refusal names the open amount only to users who see the invoice's amounts."""
        if not self.grant.visible:
            return refused.message
        return _("At most %(amount)s is still open on what you dispute.",
                 amount=money(refused.open_minor, self.invoice.currency))


def _render_new(filing: _Filing, form: DisputeForm, *, problem: str | None = None,
                status: int = 200):
    invoice, grant, now = filing.invoice, filing.grant, filing.now
    open_minor = disputes.open_amount_minor(db.session, invoice) if grant.visible else None
    html = render_template(
        f"disputes/{request.blueprint}_dispute_new.html", invoice=invoice,
        data=invoice_dict(invoice, grant), access=grant, form=form, open_minor=open_minor,
        may_file=may_file(invoice, now), problem=problem,
        window_days=current_app.config["DISPUTE_WINDOW_DAYS"])
    return _logged(html, filing.grants, f"invoice {invoice.number}, new dispute", now), status


# --- one dispute -------------------------------------------------------------------------------

def detail(dispute_id, *, problem: str | None = None, status: int = 200, **forms):
    now = utcnow()
    dispute = access.get_dispute(db.session, current_user, dispute_id)
    grant = _grant(dispute.invoice, now)
    lines, grants = visible_lines(current_user, dispute.invoice, grant, now, dispute.lines)
    offered = _offered_steps(dispute, now)
    step_forms = {name: forms.get(name) or form_class(formdata=None)
                  for name, form_class in STEP_FORMS.items() if offered[name]}
    html = render_template(
        f"disputes/{request.blueprint}_dispute.html", dispute=dispute, access=grant, lines=lines,
        held_minor=dispute.held_minor,
        overdue=_overdue(dispute, now), labels=labels(), staff_view=False,
        attachment_endpoint=f"{request.blueprint}.dispute_file", problem=problem,
        hidden_files={a.id for a in dispute.attachments
                      if not access.may_see_attachment(current_user, a, grant)},
        may_read=lambda author: access.may_read_text(current_user, dispute, author, grant),
        reopen_days=disputes.REOPEN_DAYS, **step_forms)
    return _logged(html, grants, f"dispute {dispute.reference}", now), status


def _offered_steps(dispute: Dispute, now: datetime) -> dict[str, bool]:
    reopen_until = (dispute.settled_at or now) + timedelta(days=disputes.REOPEN_DAYS)
    return {
        "comment_form": dispute.is_active,
        "escalate_form": dispute.status == "open" and _overdue(dispute, now)
        and next_tier(db.session, dispute.tier) is not None,
        "withdraw_form": dispute.is_active,
        "reopen_form": dispute.status == "settled" and now <= reopen_until,
    }


def comment(dispute_id):
    def act(dispute, form, now):
        step = disputes.comment(db.session, dispute.id, current_user, form.body.data, now)
        _store(step, form.attachments.uploads(), now)
        return step
    return _take_step(dispute_id, "comment_form", act, _("Your comment was added."))


def escalate(dispute_id):
    def act(dispute, form, now):
        note = (form.note.data or "").strip() or None
        return disputes.escalate(db.session, dispute.id, current_user, now, note=note)
    return _take_step(dispute_id, "escalate_form", act,
                      _("The dispute was passed to the next tier."))


def withdraw(dispute_id):
    def act(dispute, form, now):
        return disputes.withdraw(db.session, dispute.id, current_user, now, form.reason.data)
    return _take_step(dispute_id, "withdraw_form", act, _("The dispute was withdrawn."))


def reopen(dispute_id):
    def act(dispute, form, now):
        return disputes.reopen(db.session, dispute.id, current_user, form.reason.data, now)
    return _take_step(dispute_id, "reopen_form", act, _("The dispute was reopened."))


def _take_step(dispute_id, form_name: str, act, done: str):
    """One step of the filer's: validate, act through the domain, notify, commit."""
    now = utcnow()
    dispute = access.get_dispute(db.session, current_user, dispute_id)
    form = STEP_FORMS[form_name]()
    if not form.validate_on_submit():
        return detail(dispute.id, status=400, **{form_name: form})
    try:
        step = act(dispute, form, now)
    except InvalidInput as refused:
        db.session.rollback()
        return detail(dispute.id, problem=refused.message, status=400, **{form_name: form})
    dispute_notices.notify(step)
    db.session.commit()
    flash(done, "info")
    return redirect(url_for(f"{request.blueprint}.dispute", dispute_id=dispute.id))


# --- files -------------------------------------------------------------------------------------

def download(dispute_id, attachment_id):
    """A file of a dispute within reach; files of staff's internal notes are not the
    filer's. Served as a download the browser may not sniff or run."""
    dispute = access.get_dispute(db.session, current_user, dispute_id)
    wanted = whole_number(attachment_id)
    attachment = next((a for a in dispute.attachments if a.id == wanted), None)
    internal = {e.id for e in dispute.events if e.detail.get("internal")}
    if attachment is None or attachment.event_id in internal or not access.may_see_attachment(
            current_user, attachment, _grant(dispute.invoice, utcnow())):
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


def _store(step, uploads, now: datetime) -> None:
    if uploads:
        dispute_files.store(db.session, dispute=step.dispute, user=current_user, files=uploads,
                            folder=current_app.config["ATTACHMENT_DIR"], now=now,
                            event=step.event,
                            max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])


# --- access ------------------------------------------------------------------------------------

def _grant(invoice: Invoice, now: datetime):
    return access.cpni_access(db.session, current_user, invoice.customer, now)


def visible_lines(user, invoice: Invoice, grant, now: datetime, lines=None):
    """Of `lines` (default: the invoice's), those the user may see, and the accesses
    that showed them (to log): on a rebiller's invoice each end customer's section
    follows its own approval; usage needs an approval that covers usage."""
    if not grant.visible:
        return [], {invoice.customer_id: grant}
    accounts = listing.invoice_accounts(db.session, invoice)
    sections = access.end_customer_access(db.session, user, invoice, accounts, now)

    def shown(line) -> bool:
        line_grant = sections.get(line.sub_account_id, grant)
        return line_grant.visible and (line_grant.usage or line.kind != "usage")

    chosen = [line for line in (invoice.lines if lines is None else lines) if shown(line)]
    used = {line.sub_account_id for line in chosen if line.sub_account_id in sections}
    return chosen, {invoice.customer_id: grant, **{sid: sections[sid] for sid in used}}


def _overdue(dispute: Dispute, now: datetime) -> bool:
    return dispute.deadline_at is not None and dispute.deadline_at < now


def _logged(html: str, grants: dict, subject: str, now: datetime) -> str:
    """Log the CPNI a rendered page shows; rendering first keeps the page's objects
    loaded (a commit expires them, and each would be read again)."""
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject=subject, now=now)
    db.session.commit()
    return html


# The filer's routes, the same for the customer and partner blueprints.
ROUTES = (
    ("/disputes", "disputes", list_page, ["GET"]),
    ("/invoices/<invoice_id>/dispute", "new_dispute", new_page, ["GET"]),
    ("/invoices/<invoice_id>/dispute", "file_dispute", file, ["POST"]),
    ("/disputes/<dispute_id>", "dispute", detail, ["GET"]),
    ("/disputes/<dispute_id>/comment", "dispute_comment", comment, ["POST"]),
    ("/disputes/<dispute_id>/escalate", "dispute_escalate", escalate, ["POST"]),
    ("/disputes/<dispute_id>/withdraw", "dispute_withdraw", withdraw, ["POST"]),
    ("/disputes/<dispute_id>/reopen", "dispute_reopen", reopen, ["POST"]),
    ("/disputes/<dispute_id>/files/<attachment_id>", "dispute_file", download, ["GET"]),
)


def add_routes(blueprint) -> None:
    for rule, endpoint, view, methods in ROUTES:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)

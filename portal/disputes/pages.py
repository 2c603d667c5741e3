"""Dispute pages of the filer's side, shared by the customer and partner blueprints:
the list, one dispute, and the filer's steps on it (filing is in filing.py, files in
attachments.py).

A dispute's state, tier, deadline, reason and timeline are shown to everyone who may
reach it; its amounts and lines are the customer's CPNI: a partner sees them only while
the customer's approval is in force, and each such view is logged. Templates render
from the dicts of portal/disputes/presenters.py, never from the dispute itself. The
steps offered are the domain's allowed_steps. Templates and endpoints are named after
the blueprint: `disputes/<blueprint>_disputes.html`, `<blueprint>.dispute`, and so on.
"""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.disputes import escalation, steps
from billing.disputes.models import DISPUTE_STATES, Dispute
from billing.disputes.rules import REOPEN_DAYS, allowed_steps
from portal import access
from portal.disputes import attachments, filing, presenters
from portal.disputes import notices as dispute_notices
from portal.disputes.disclosures import grant as filer_grant
from portal.disputes.disclosures import logged
from portal.disputes.forms import CommentForm, EscalateForm, ReopenForm, WithdrawForm
from portal.disputes.labels import labels
from portal.extensions import db
from portal.paging import page_number, paginate

STEP_FORMS = {"comment_form": CommentForm, "escalate_form": EscalateForm,
              "withdraw_form": WithdrawForm, "reopen_form": ReopenForm}
# The domain's steps each form takes: the comment form answers a waiting dispute.
FORM_STEPS = {"comment_form": ("comment", "answer"), "escalate_form": ("escalate",),
              "withdraw_form": ("withdraw",), "reopen_form": ("reopen",)}


# --- the list ----------------------------------------------------------------------------------

def list_page():
    now = utcnow()
    query = _list_query(request.args)
    page = paginate(db.session, query, page_number(request.args), _load_disputes)
    grants = access.cpni_access_many(db.session, current_user,
                                     {d.customer_id: d.customer for d in page.items}.values(),
                                     now)
    rows = [presenters.row_dict(d, grants[d.customer_id], now) for d in page.items]
    html = render_template(f"disputes/{request.blueprint}_disputes.html",
                           page=replace(page, items=rows), labels=labels(),
                           states=DISPUTE_STATES, args=request.args)
    return logged(html, grants, "dispute list", now)


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


# --- one dispute -------------------------------------------------------------------------------

def detail(dispute_id, *, problem: str | None = None, status: int = 200, **forms):
    now = utcnow()
    dispute = access.get_dispute(db.session, current_user, dispute_id)
    grant = filer_grant(dispute.invoice, now)
    lines, grants = presenters.shown_lines(db.session, current_user, dispute.invoice, grant,
                                           now, dispute.lines)
    allowed = allowed_steps(dispute, current_user, now)
    step_forms = {name: forms.get(name) or form_class(formdata=None)
                  for name, form_class in STEP_FORMS.items()
                  if allowed.intersection(FORM_STEPS[name])}
    hidden = {a.id for a in dispute.attachments
              if not access.may_see_attachment(current_user, a, grant)}
    html = render_template(
        f"disputes/{request.blueprint}_dispute.html", access=grant, labels=labels(),
        dispute=presenters.page_dict(dispute, grant, viewer=current_user, staff_view=False,
                                     now=now, lines=lines),
        events=presenters.timeline(dispute, grant, viewer=current_user, staff_view=False,
                                   hidden_files=hidden),
        attachment_endpoint=f"{request.blueprint}.dispute_file", problem=problem,
        reopen_days=REOPEN_DAYS, **step_forms)
    return logged(html, grants, f"dispute {dispute.reference}", now), status


def comment(dispute_id):
    def act(dispute, form, now):
        step = steps.comment(db.session, dispute.id, current_user, form.body.data, now)
        attachments.store(step, form.attachments.uploads(), now)
        return step
    return _take_step(dispute_id, "comment_form", act, _("Your comment was added."))


def escalate(dispute_id):
    def act(dispute, form, now):
        note = (form.note.data or "").strip() or None
        return escalation.escalate(db.session, dispute.id, current_user, now, note=note)
    return _take_step(dispute_id, "escalate_form", act,
                      _("The dispute was passed to the next tier."))


def withdraw(dispute_id):
    def act(dispute, form, now):
        return steps.withdraw(db.session, dispute.id, current_user, now, form.reason.data)
    return _take_step(dispute_id, "withdraw_form", act, _("The dispute was withdrawn."))


def reopen(dispute_id):
    def act(dispute, form, now):
        return steps.reopen(db.session, dispute.id, current_user, form.reason.data, now)
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


# The filer's routes, the same for the customer and partner blueprints.
ROUTES = (
    ("/disputes", "disputes", list_page, ["GET"]),
    ("/invoices/<invoice_id>/dispute", "new_dispute", filing.new_page, ["GET"]),
    ("/invoices/<invoice_id>/dispute", "file_dispute", filing.file, ["POST"]),
    ("/disputes/<dispute_id>", "dispute", detail, ["GET"]),
    ("/disputes/<dispute_id>/comment", "dispute_comment", comment, ["POST"]),
    ("/disputes/<dispute_id>/escalate", "dispute_escalate", escalate, ["POST"]),
    ("/disputes/<dispute_id>/withdraw", "dispute_withdraw", withdraw, ["POST"]),
    ("/disputes/<dispute_id>/reopen", "dispute_reopen", reopen, ["POST"]),
    ("/disputes/<dispute_id>/files/<attachment_id>", "dispute_file", attachments.download,
     ["GET"]),
)


def add_routes(blueprint) -> None:
    for rule, endpoint, view, methods in ROUTES:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)

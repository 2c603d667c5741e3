"""Billing staff's side of disputes: the queue by tier, one dispute with its timeline,
and the steps on it (take, comment, ask the filer, escalate, settle).

A nested blueprint of the staff pages that guards itself: disputes are billing staff's
work. The escalation path (portal/staff/escalation_path.py) is the exception: an admin
edits it, and billing staff may read it.

A dispute's amounts and lines are the customer's CPNI: shown, and logged with the
purpose, once the staff member stated one for that customer in this session. Settling
grants or denies money, so it needs the purpose first too.
"""

from __future__ import annotations

from dataclasses import replace

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import Forbidden, InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.disputes import escalation, steps, tiers
from billing.disputes.rules import allowed_steps
from portal import access
from portal.amounts import amount_value
from portal.catalog_names import local_name
from portal.disputes import notices as dispute_notices
from portal.disputes import presenters
from portal.disputes import queue as queue_rules
from portal.disputes.attachments import send_attachment
from portal.disputes.labels import labels
from portal.disputes.staff_forms import (
    AskForm,
    SettleForm,
    StaffCommentForm,
    StaffEscalateForm,
    StaffReopenForm,
    TakeForm,
)
from portal.extensions import db
from portal.guards import require
from portal.invoicing import pages
from portal.paging import page_number, paginate
from portal.staff.forms import PurposeForm

bp = Blueprint("disputes", __name__)
PATH_VIEW = "staff.disputes.tiers_page"
PATH_EDITS = ("staff.disputes.add_tier", "staff.disputes.edit_tier")


def _may_enter(user) -> bool:
    if request.endpoint in PATH_EDITS:
        return user.role == "admin"
    if request.endpoint == PATH_VIEW:
        return user.role == "admin" or user.is_billing_staff
    return user.is_billing_staff


bp.before_request(require(_may_enter))


@bp.route("/")
def queue():
    now = utcnow()
    filters = queue_rules.read_filters(request.args)
    query = queue_rules.queue_query(db.session, current_user, filters, now,
                                    pages.staff_opened_accounts())
    page = paginate(db.session, query, page_number(request.args), queue_rules.load_disputes)
    grants = _grants([d.customer for d in page.items])
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject="dispute queue", now=now,
                              verification=pages.call_verifications(grants))
    rows = [presenters.row_dict(d, grants[d.customer_id], now) for d in page.items]
    html = render_template(
        "disputes/staff_disputes.html", page=replace(page, items=rows), filters=filters,
        tiers=tiers.all_tiers(db.session),
        counts=queue_rules.tier_counts(db.session, current_user, now),
        partners=queue_rules.partner_choices(db.session), ages=queue_rules.AGES,
        labels=labels(), args=request.args, amount_example=amount_value(0, "USD"))
    db.session.commit()  # after rendering: a commit expires the loaded rows
    return html


@bp.route("/<dispute_id>")
def detail(dispute_id):
    return _detail(_get(dispute_id))


@bp.get("/<dispute_id>/<any(take, comment, ask, escalate, settle, reopen):step>")
def back_to_detail(dispute_id, step):
    """A step's address opened as a page (e.g. after stating a purpose on a page shown
    for a refused step) leads back to the dispute."""
    return redirect(url_for(".detail", dispute_id=_get(dispute_id).id))


@bp.post("/<dispute_id>/take")
def take(dispute_id):
    return _step(dispute_id, "take", TakeForm(),
                 lambda d, form, now: steps.take(db.session, d.id, current_user, now),
                 lambda d: _("You now work %(ref)s.", ref=d.reference))


@bp.post("/<dispute_id>/comment")
def comment(dispute_id):
    def run(dispute, form, now):
        return steps.comment(db.session, dispute.id, current_user, form.body.data, now,
                             internal=form.internal.data)

    return _step(dispute_id, "comment", StaffCommentForm(), run,
                 lambda d: _("Your comment was added to %(ref)s.", ref=d.reference))


@bp.post("/<dispute_id>/ask")
def ask(dispute_id):
    def run(dispute, form, now):
        return steps.ask_for_information(db.session, dispute.id, current_user,
                                         form.question.data, now)

    return _step(dispute_id, "ask", AskForm(), run,
                 lambda d: _("%(ref)s now waits for the filer; its deadline is paused.",
                             ref=d.reference))


@bp.post("/<dispute_id>/escalate")
def escalate(dispute_id):
    def run(dispute, form, now):
        note = (form.note.data or "").strip() or None
        return escalation.escalate(db.session, dispute.id, current_user, now, note=note)

    return _step(dispute_id, "escalate", StaffEscalateForm(), run,
                 lambda d: _("%(ref)s was escalated to tier %(level)s, %(tier)s.",
                             ref=d.reference, level=d.tier.level, tier=local_name(d.tier)))


@bp.post("/<dispute_id>/settle")
def settle(dispute_id):
    dispute = _get(dispute_id)
    form = SettleForm(dispute.currency)
    if not _grants([dispute.customer])[dispute.customer_id].visible:
        return _detail(dispute, failed={"settle": form}, status=400, problem=_(
            "State your purpose for this customer's CPNI before settling the dispute."))

    def run(dispute, form, now):
        return steps.settle(db.session, dispute.id, current_user, outcome=form.outcome.data,
                            credit_minor=form.credit_minor, reason=form.reason.data,
                            now=now)

    return _step(dispute.id, "settle", form, run,
                 lambda d: _("%(ref)s is settled: %(outcome)s.", ref=d.reference,
                             outcome=labels()["outcomes"][d.outcome]))


@bp.route("/<dispute_id>/files/<attachment_id>")
def attachment(dispute_id, attachment_id):
    """A file sent with the dispute. It may copy the customer's invoice: CPNI, opened
    only with a stated purpose, and each download is logged as a disclosure."""
    dispute = _get(dispute_id)
    wanted = whole_number(attachment_id)
    found = next((a for a in dispute.attachments if a.id == wanted), None)
    if found is None:
        raise NotFound("No such attachment.")
    grant = _grants([dispute.customer])[dispute.customer_id]
    if not grant.visible:
        raise Forbidden(_("State your purpose for this customer's CPNI before opening the "
                          "dispute's files."))
    access.record_disclosures(
        db.session, current_user, {dispute.customer_id: grant}, surface="page",
        subject=f"dispute {dispute.reference} file {found.filename}"[:200], now=utcnow(),
        verification=pages.call_verifications([dispute.customer_id]))
    db.session.commit()
    return send_attachment(found)


@bp.post("/<dispute_id>/reopen")
def reopen(dispute_id):
    """Within 30 days of settlement, back to the tier that settled it (e.g. a mistake)."""
    def run(dispute, form, now):
        return steps.reopen(db.session, dispute.id, current_user, form.reason.data, now)

    return _step(dispute_id, "reopen", StaffReopenForm(), run,
                 lambda d: _("%(ref)s is open again at tier %(level)s.", ref=d.reference,
                             level=d.tier.level))


def _step(dispute_id, name: str, form, run, done):
    """Check the form, take the step in the domain, notify, commit; or show what is wrong
    on the dispute's page with nothing changed."""
    dispute = _get(dispute_id)
    if not form.validate_on_submit():
        return _detail(dispute, failed={name: form}, status=400)
    try:
        step = run(dispute, form, utcnow())
    except InvalidInput as refused:
        db.session.rollback()
        return _detail(_get(dispute_id), failed={name: form}, problem=refused.message,
                       status=400)
    dispute_notices.notify(step)
    db.session.commit()
    flash(done(step.dispute), "info")
    return redirect(url_for(".detail", dispute_id=step.dispute.id))


def _detail(dispute, *, failed=None, problem=None, status=200):
    now = utcnow()
    grant = _grants([dispute.customer])[dispute.customer_id]
    access.record_disclosures(
        db.session, current_user, {dispute.customer_id: grant}, surface="page",
        subject=f"dispute {dispute.reference}", now=now,
        verification=pages.call_verifications([dispute.customer_id]))
    forms = {"take": TakeForm(formdata=None), "comment": StaffCommentForm(formdata=None),
             "ask": AskForm(formdata=None), "escalate": StaffEscalateForm(formdata=None),
             "settle": SettleForm(dispute.currency, formdata=None),
             "reopen": StaffReopenForm(formdata=None), **(failed or {})}
    hidden = set() if grant.visible else {a.id for a in dispute.attachments}
    html = render_template(
        "disputes/staff_dispute.html", access=grant, customer_id=dispute.customer_id,
        dispute=presenters.page_dict(dispute, grant, viewer=current_user, staff_view=True,
                                     now=now),
        events=presenters.timeline(dispute, grant, viewer=current_user, staff_view=True,
                                   hidden_files=hidden),
        attachments=presenters.attachment_list(dispute) if grant.visible else None,
        attachment_count=len(dispute.attachments),
        purpose_form=PurposeForm(), forms=forms, problem=problem,
        labels=labels(), attachment_endpoint="staff.disputes.attachment",
        authority=tiers.authority_minor(dispute.tier, dispute.currency),
        allowed=allowed_steps(dispute, current_user, now),
        filer_unapproved=_filer_partner_unapproved(dispute, now))
    db.session.commit()  # the disclosure, once the page is rendered
    return html, status


def _filer_partner_unapproved(dispute, now) -> bool:
    """Filed by a partner that may not see the customer's charges: replies reach it."""
    filer = dispute.filed_by
    if dispute.partner_id is None or not filer.is_partner:
        return False
    return not access.cpni_access(db.session, filer, dispute.customer, now).visible


def _grants(customers) -> dict:
    customers = {c.id: c for c in customers}.values()
    purposes = {c.id: pages.staff_purpose(c.id) for c in customers}
    return access.cpni_access_many(db.session, current_user, customers, utcnow(), purposes)


def _get(dispute_id):
    return access.get_dispute(db.session, current_user, dispute_id)


from portal.staff import escalation_path  # noqa: E402,F401

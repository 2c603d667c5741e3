"""The dunning policy page: admins and billing managers see and edit the reminder
steps, autopay lead and retries, grace period, late fee and exemptions. A nested
blueprint of the staff pages that guards itself: anyone else gets a 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.collections import policy
from billing.core.clock import utcnow
from billing.core.errors import DomainError
from portal.amounts import amount_value
from portal.collections.forms import PolicyForm, word_list
from portal.extensions import db
from portal.guards import require

EDITORS = ("admin", "billing_manager")

bp = Blueprint("collections", __name__)
bp.before_request(require(lambda user: user.role in EDITORS))


@bp.route("/policy", methods=["GET", "POST"])
def edit_policy():
    current = policy.current(db.session)
    form = PolicyForm()
    if not form.is_submitted():
        _fill(form, current)
    elif form.validate() and _save(form):
        db.session.commit()
        flash(_("The dunning policy was saved; the next daily run follows it."))
        return redirect(url_for(".edit_policy"))
    return render_template("collections/staff_policy.html", form=form, policy=current), \
        400 if form.is_submitted() else 200


def _save(form: PolicyForm) -> bool:
    """Check and save the form; False (with errors on the form) saves nothing."""
    fixed = form.fixed_amounts()
    if fixed is None:
        return False
    change = form.change(fixed)
    problems = policy.check(change)
    for name, message in problems.items():
        target = form.fixed_usd if name == "late_fee_fixed" else getattr(form, name)
        target.errors = [*target.errors, message]
    if problems:
        return False
    now = utcnow()
    try:
        policy.change_policy(db.session, change, current_user.id, now)
        policy.set_exemptions(db.session, word_list(form.exempt_accounts.data),
                              word_list(form.exempt_partners.data), now)
    except DomainError as error:
        db.session.rollback()
        form.exempt_accounts.errors = [*form.exempt_accounts.errors, error.message]
        return False
    return True


def _fill(form: PolicyForm, current) -> None:
    form.reminder_offsets.data = ", ".join(str(o) for o in current.reminder_offsets)
    form.autopay_lead_days.data = current.autopay_lead_days
    form.retry_days.data = ", ".join(str(d) for d in current.retry_days)
    form.grace_days.data = current.grace_days
    form.late_fee_mode.data = current.late_fee_mode
    form.late_fee_percent.data = current.late_fee_percent
    for currency, field in form.fixed_fields():
        minor = (current.late_fee_fixed or {}).get(currency)
        field.data = amount_value(minor, currency) if minor else ""
    accounts, partners = policy.exemptions(db.session)
    form.exempt_accounts.data, form.exempt_partners.data = " ".join(accounts), " ".join(partners)

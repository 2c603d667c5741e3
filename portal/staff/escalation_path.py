"""The billing escalation path as a page: its tiers in order, with their role, response
deadline and authority per currency. An admin changes a tier or adds one at the end;
billing staff read it. billing.disputes.tiers.save_tier checks the path as a whole (no
tier below the one before it), so a refused change names the reason and saves nothing.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.money import CURRENCIES
from billing.core.numbers import whole_number
from billing.disputes import tiers
from billing.disputes.models import DisputeTier
from portal.disputes.staff_forms import ROLE_LABELS, TierForm
from portal.extensions import db
from portal.staff.disputes import bp


@bp.route("/tiers")
def tiers_page():
    editing = _tier(request.args["edit"]) if request.args.get("edit") else None
    form = TierForm(formdata=None)
    if editing is not None:
        form.fill_from(editing)
    return _page(form, editing)


@bp.post("/tiers")
def add_tier():
    return _save(TierForm(), None)


@bp.post("/tiers/<tier_id>")
def edit_tier(tier_id):
    return _save(TierForm(), _tier(tier_id))


def _save(form: TierForm, editing: DisputeTier | None):
    if not form.validate_on_submit():
        return _page(form, editing, status=400)
    settings = tiers.TierSettings(form.name.data, form.role.data, form.response_hours.data,
                                  form.authority, form.name_translations())
    try:
        saved = tiers.save_tier(db.session, settings, utcnow(),
                                editing.id if editing is not None else None)
    except InvalidInput as refused:
        db.session.rollback()
        return _page(form, editing and _tier(editing.id), problem=refused.message, status=400)
    db.session.commit()
    flash(_("Tier %(level)s, %(name)s, is saved.", level=saved.level, name=saved.name), "info")
    return redirect(url_for(".tiers_page"))


def _page(form, editing, *, problem=None, status=200):
    return render_template(
        "disputes/staff_dispute_tiers.html", tiers=tiers.all_tiers(db.session), form=form,
        editing=editing, problem=problem, currencies=CURRENCIES, role_labels=ROLE_LABELS,
        authority_minor=tiers.authority_minor, may_edit=current_user.role == "admin"), status


def _tier(tier_id) -> DisputeTier:
    found = db.session.get(DisputeTier, whole_number(tier_id) or 0)
    if found is None:
        raise NotFound("No such tier.")
    return found

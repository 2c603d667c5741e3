"""The review of an invoice run's drafts, before they are issued.

Drafts have no number yet and their amounts are CPNI, so the general invoice list showed
"None" and "withheld" for each. Here the reviewer states once, for the whole run, that
the drafts are read to bill the customers; every page of the review then shows each
draft's amounts and logs the disclosures with that purpose, as one batch per page.
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from billing.core.clock import utcnow
from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db
from portal.invoicing import listing
from portal.invoicing.presenters import invoice_dict
from portal.paging import page_number, paginate
from portal.staff.forms import ReviewPurposeForm
from portal.staff.runs import bp, get_run

REVIEW_PURPOSE = "billing"


@bp.route("/<id:run_id>/drafts")
def drafts(run_id):
    run = get_run(run_id)
    stated = _reviewing(run.id)
    page = paginate(db.session, _drafts_query(run), page_number(request.args),
                    listing.load_invoices) if stated else None
    rows = _rows(page.items, run) if page else []
    html = render_template("invoicing/staff_run_drafts.html", run=run, page=page, rows=rows,
                           form=ReviewPurposeForm(), args=request.args)
    db.session.commit()  # the disclosures, once the page is rendered
    return html


@bp.post("/<id:run_id>/drafts")
def state_purpose(run_id):
    """The reviewer states why the drafts' CPNI is opened: to bill the customers."""
    run = get_run(run_id)
    if ReviewPurposeForm().validate_on_submit():
        reviews = dict(session.get("cpni_run_review", {}))
        reviews[str(run.id)] = REVIEW_PURPOSE
        session["cpni_run_review"] = reviews
    return redirect(url_for(".drafts", run_id=run.id))


def _reviewing(run_id: int) -> bool:
    return session.get("cpni_run_review", {}).get(str(run_id)) == REVIEW_PURPOSE


def _drafts_query(run):
    return (access.invoices_query(db.session, current_user)
            .where(Invoice.period_end == run.period_end, Invoice.status == "draft")
            .order_by(Invoice.id))


def _rows(invoices, run) -> list[dict]:
    """The drafts with their amounts, each disclosure logged with the review's purpose."""
    now = utcnow()
    customers = {inv.customer_id: inv.customer for inv in invoices}.values()
    purposes = dict.fromkeys((c.id for c in customers), REVIEW_PURPOSE)
    grants = access.cpni_access_many(db.session, current_user, customers, now, purposes)
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject=f"draft review of run {run.period.key}", now=now)
    return [invoice_dict(inv, grants[inv.customer_id]) for inv in invoices]


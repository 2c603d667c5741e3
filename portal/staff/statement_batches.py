"""Statement batches for billing staff: all accounts' statements, or one partner's
customers', for a month, rendered by the workers into one ZIP."""

from flask import abort
from flask_login import current_user

from portal.invoicing import statement_batch_pages as pages
from portal.staff import bp

ENDPOINTS = {"index": "staff.statement_batches", "batch": "staff.statement_batch",
             "progress": "staff.statement_batch_progress",
             "zip": "staff.statement_batch_zip", "manifest": "staff.statement_batch_manifest"}


def _billing_only():
    if not current_user.is_billing_staff:
        abort(404)


@bp.route("/statement-batches", methods=["GET", "POST"])
def statement_batches():
    _billing_only()
    return pages.batches_page(ENDPOINTS)


@bp.route("/statement-batches/<batch_id>")
def statement_batch(batch_id):
    _billing_only()
    return pages.batch_page(batch_id, ENDPOINTS)


@bp.route("/statement-batches/<batch_id>/progress")
def statement_batch_progress(batch_id):
    _billing_only()
    return pages.batch_progress(batch_id)


@bp.route("/statement-batches/<batch_id>/statements.zip")
def statement_batch_zip(batch_id):
    _billing_only()
    return pages.batch_zip(batch_id)


@bp.route("/statement-batches/<batch_id>/manifest.csv")
def statement_batch_manifest(batch_id):
    _billing_only()
    return pages.batch_manifest(batch_id)

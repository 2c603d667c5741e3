"""Statement batches for partners: every customer's statement for a month in one ZIP,
each with what that customer's approval lets the partner see."""

from portal.invoicing import statement_batch_pages as pages
from portal.partner import bp

ENDPOINTS = {"index": "partner.statement_batches", "batch": "partner.statement_batch",
             "progress": "partner.statement_batch_progress",
             "zip": "partner.statement_batch_zip", "manifest": "partner.statement_batch_manifest"}


@bp.route("/statements", methods=["GET", "POST"])
def statement_batches():
    return pages.batches_page(ENDPOINTS)


@bp.route("/statements/<batch_id>")
def statement_batch(batch_id):
    return pages.batch_page(batch_id, ENDPOINTS)


@bp.route("/statements/<batch_id>/progress")
def statement_batch_progress(batch_id):
    return pages.batch_progress(batch_id)


@bp.route("/statements/<batch_id>/statements.zip")
def statement_batch_zip(batch_id):
    return pages.batch_zip(batch_id)


@bp.route("/statements/<batch_id>/manifest.csv")
def statement_batch_manifest(batch_id):
    return pages.batch_manifest(batch_id)

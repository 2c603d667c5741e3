"""Statement PDFs for staff; amounts only once a purpose is stated for the account."""

from flask import request

from portal.invoicing import statements
from portal.staff import bp


@bp.route("/customers/<customer_id>/statement.pdf")
def statement_pdf(customer_id):
    return statements.statement_pdf(customer_id, request.args)

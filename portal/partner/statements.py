"""Statement PDFs of a partner's customers; amounts only with the customer's approval."""

from flask import request

from portal.invoicing import statements
from portal.partner import bp


@bp.route("/customers/<customer_id>/statement.pdf")
def statement_pdf(customer_id):
    return statements.statement_pdf(customer_id, request.args)

"""A partner's commission: the overview with its chart, each month's statement, PDF, xlsx."""

from portal.commissions import pages
from portal.partner import bp


@bp.route("/commissions")
def commissions():
    return pages.commissions_page()


@bp.route("/commissions/<month>")
def commission_statement(month):
    return pages.statement_page(month)


@bp.route("/commissions/<month>/statement.pdf")
def commission_pdf(month):
    return pages.statement_pdf(month)


@bp.route("/commissions/<month>/statement.xlsx")
def commission_xlsx(month):
    return pages.statement_xlsx(month)

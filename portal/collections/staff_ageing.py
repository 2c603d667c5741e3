"""The receivables ageing for billing staff: every account, as of any past day.

A nested blueprint of the staff pages that guards itself: billing roles only, anyone
else gets a 404."""

from __future__ import annotations

from flask import Blueprint

from portal.collections import ageing_pages
from portal.guards import require

bp = Blueprint("ageing", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))

LINKS = {"index": "staff.ageing.index", "accounts": "staff.ageing.accounts",
         "csv": "staff.ageing.csv_file", "xlsx": "staff.ageing.xlsx_file",
         "account": "staff.customer"}


@bp.route("")
def index():
    return ageing_pages.ageing_page("collections/ageing.html", LINKS)


@bp.route("/accounts")
def accounts():
    return ageing_pages.accounts_page("collections/ageing_accounts.html", LINKS)


@bp.route("/ageing.csv")
def csv_file():
    return ageing_pages.ageing_csv_file()


@bp.route("/ageing.xlsx")
def xlsx_file():
    return ageing_pages.ageing_xlsx_file()

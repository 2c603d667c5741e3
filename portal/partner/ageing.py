"""A partner's receivables ageing over its customers (its whole tree), amounts only of
the accounts that approved it (portal/collections/ageing_report.py: the partner cut)."""

from portal.collections import ageing_pages
from portal.partner import bp

LINKS = {"index": "partner.ageing", "accounts": "partner.ageing_accounts",
         "csv": "partner.ageing_csv", "xlsx": "partner.ageing_xlsx",
         "account": "partner.customer"}


@bp.route("/ageing")
def ageing():
    return ageing_pages.ageing_page("collections/ageing.html", LINKS)


@bp.route("/ageing/accounts")
def ageing_accounts():
    return ageing_pages.accounts_page("collections/ageing_accounts.html", LINKS)


@bp.route("/ageing.csv")
def ageing_csv():
    return ageing_pages.ageing_csv_file()


@bp.route("/ageing.xlsx")
def ageing_xlsx():
    return ageing_pages.ageing_xlsx_file()

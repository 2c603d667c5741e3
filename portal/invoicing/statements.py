"""Statement PDFs for customers, partners and staff, as the access policy allows.

Every amount, invoice and credit on a statement is the account's CPNI. A viewer who may
not see it (a partner without the customer's approval, staff before stating a purpose)
gets the account's name and number and the period, with everything else withheld; the
statement is then not even computed. Each disclosure is logged as a PDF disclosure.
The document itself is built by reports.documents, which needs no request.
"""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from portal import access
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing import pages
from portal.periods import last_day, parse_day, parse_month, previous_month
from reports import documents


def statement_period(args, today: date) -> tuple[date, date]:
    """The period asked for: ?month=YYYY-MM, or ?from=&to= (days), else last month."""
    if args.get("month"):
        start = parse_month(args["month"])
        end = last_day(start)
    elif args.get("from") or args.get("to"):
        start, end = parse_day(args.get("from")), parse_day(args.get("to"))
    else:
        start = previous_month(today)
        end = last_day(start)
    if start > end:
        raise InvalidInput(_("The period must start before it ends."))
    if end > today:
        raise InvalidInput(_("A statement covers days that have passed; choose an earlier "
                             "end."))
    return start, end


def statement_pdf(customer_id, args) -> Response:
    """The handler behind every audience's statement download."""
    now = utcnow()
    customer = access.get_customer(db.session, current_user, customer_id)
    start, end = statement_period(args, provider_date(now))
    body = documents.statement_document(
        db.session, pages.viewer_of(current_user, customer.id), customer, start, end,
        locale=select_locale(), now=now, settings=pages.document_settings())
    db.session.commit()
    return pages.pdf_response(body, documents.statement_filename(customer, start, end))

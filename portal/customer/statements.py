"""Statements for customers: choose an account (its own or a location) and a period,
see the balances, download the PDF."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_date
from flask_login import current_user

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.invoicing.statements import build_statement
from billing.parties.models import Customer
from portal import access
from portal.customer import bp
from portal.extensions import db
from portal.invoicing import statements
from portal.periods import ended_months
from reports.labels import METHOD_LABELS, REVERSAL_LABELS

OFFERED_MONTHS = 24


@bp.route("/statements")
def statements_page():
    now = utcnow()
    today = provider_date(now)
    accounts = db.session.scalars(access.customers_query(db.session, current_user)
                                  .order_by(Customer.account_number)).all()
    months = [(m.strftime("%Y-%m"), format_date(m, "MMMM yyyy"))
              for m in ended_months(today, OFFERED_MONTHS)]
    chosen, summary, problem = None, None, None
    if request.args.get("account"):
        chosen = access.get_customer(db.session, current_user, request.args["account"])
        try:
            start, end = statements.statement_period(request.args, today)
            summary = build_statement(db.session, chosen, start, end, now)
        except InvalidInput as error:
            problem = error.message
    return render_template("invoicing/customer_statements.html", accounts=accounts, months=months,
                           chosen=chosen, summary=summary, problem=problem,
                           args=request.args, method_labels=METHOD_LABELS,
                           reversal_labels=REVERSAL_LABELS), 400 if problem else 200


@bp.route("/accounts/<customer_id>/statement.pdf")
def statement_pdf(customer_id):
    return statements.statement_pdf(customer_id, request.args)

"""The customer's dashboard, its home: what it owes and when (with the Pay button), its
latest invoices and payments, a twelve-month trend of its calls, and its open disputes
and SLA credit requests, over its own account and the sub-accounts billed under it.

All of it is the customer's own information, shown to itself: nothing to log. Each part
is a query or two with a limit, so the page costs the same however long the history.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from billing.catalog.models import Service
from billing.commissions import months as calendar_months
from billing.core.clock import utcnow
from billing.dashboards import monthly
from billing.disputes.models import Dispute
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.payments.models import Payment
from billing.sla.models import SlaCreditRequest
from portal import access
from portal.customer import home
from portal.dashboards.charts import monthly_chart, quantity_text
from portal.disputes.labels import STATE_LABELS as DISPUTE_LABELS
from portal.extensions import db
from portal.invoicing import pages
from portal.payments import queries
from portal.payments.presenters import payment_dict
from portal.sla.labels import REQUEST_STATE_LABELS
from reports.labels import METHOD_LABELS, STANDING_LABELS

RECENT = 5
ACTIVE_DISPUTES = ("open", "waiting")


def dashboard_page():
    return pages.customer_page(
        current_user.customer_id, "dashboards/customer.html",
        **customer_dashboard(db.session, current_user, utcnow()),
        standing_labels=STANDING_LABELS, method_labels=METHOD_LABELS,
        dispute_labels=DISPUTE_LABELS, request_labels=REQUEST_STATE_LABELS)


def customer_dashboard(session: Session, user, now: datetime) -> dict:
    """Everything the dashboard shows besides the account's own details, as plain
    values (the page commits before rendering, which would reload rows one by one)."""
    own = select(Customer.id).where(access.customer_scope(session, user))
    usage = monthly.usage_by_month(session, own, calendar_months.recent(now, 12))
    return {
        "owed": home.owed_by_currency(user, now),
        "recent_invoices": _recent_invoices(session, user, now),
        "recent_payments": _recent_payments(session, own),
        "disputes": [{"id": d.id, "reference": d.reference, "invoice": d.invoice.number,
                      "amount_minor": d.amount_minor, "currency": d.currency,
                      "status": d.status} for d in session.scalars(
            access.disputes_query(session, user).where(Dispute.status.in_(ACTIVE_DISPUTES))
            .options(joinedload(Dispute.invoice))
            .order_by(Dispute.filed_at.desc(), Dispute.id.desc()).limit(RECENT))],
        "credit_requests": [{"month": r.month, "product": r.service.product.name,
                             "credit_minor": r.credit_minor, "currency": r.currency,
                             "status": r.status} for r in session.scalars(
            select(SlaCreditRequest).where(SlaCreditRequest.customer_id.in_(own))
            .options(joinedload(SlaCreditRequest.service).joinedload(Service.product))
            .order_by(SlaCreditRequest.requested_at.desc(), SlaCreditRequest.id.desc())
            .limit(RECENT))],
        "usage_chart": monthly_chart(
            {month: figures.minutes for month, figures in usage.items()},
            chart_id="chart-usage", title=_("Call minutes per month"),
            value_text=quantity_text),
        "usage_calls": sum(figures.calls for figures in usage.values()),
    }


def _recent_invoices(session: Session, user, now: datetime) -> list[dict]:
    invoices = list(session.scalars(
        access.invoices_query(session, user).where(Invoice.status != "void")
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc()).limit(RECENT)))
    owed = balance.invoice_balances(session, invoices, now)
    return [{"id": i.id, "number": i.number, "issue_date": i.issue_date,
             "due_date": i.due_date, "currency": i.currency, "total_minor": i.total_minor,
             "due_minor": owed[i.id].collectible_minor,
             "standing": balance.standing(owed[i.id], i.status)} for i in invoices]


def _recent_payments(session: Session, own) -> list[dict]:
    ids = list(session.scalars(queries.account_query(session.scalars(own).all())
                               .with_only_columns(Payment.id).limit(RECENT)))
    payments = queries.load(session, ids)
    figures = queries.figures(session, payments)
    return [payment_dict(p, figures[p.id]) for p in payments]

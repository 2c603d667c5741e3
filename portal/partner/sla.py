"""SLA credits for a partner, on behalf of a customer within reach.

Requests, services and amounts are the customer's CPNI and need its approval (the
shared handlers ask the access policy); an outage report does not.
"""

from flask_login import current_user

from portal import access
from portal.extensions import db
from portal.invoicing import pages
from portal.partner import bp
from portal.sla import pages as sla_pages


@bp.route("/sla")
def sla_customers():
    return pages.customers_page("sla/partner_sla_customers.html")


@bp.route("/customers/<customer_id>/sla")
def sla(customer_id):
    return sla_pages.page(_customer(customer_id))


@bp.route("/customers/<customer_id>/sla/preview", methods=["POST"])
def sla_preview(customer_id):
    return sla_pages.preview(_customer(customer_id))


@bp.route("/customers/<customer_id>/sla/confirm", methods=["POST"])
def sla_confirm(customer_id):
    return sla_pages.confirm(_customer(customer_id))


@bp.route("/customers/<customer_id>/sla/tickets", methods=["POST"])
def sla_ticket(customer_id):
    return sla_pages.report_outage(_customer(customer_id))


def _customer(customer_id):
    return access.get_customer(db.session, current_user, customer_id)

"""SLA credits for the customer: its requests, a new request (preview, then confirm),
and outage reports."""

from flask_login import current_user

from portal.customer import bp
from portal.sla import pages as sla_pages


@bp.route("/sla")
def sla():
    return sla_pages.page(current_user.customer)


@bp.route("/sla/preview", methods=["POST"])
def sla_preview():
    return sla_pages.preview(current_user.customer)


@bp.route("/sla/confirm", methods=["POST"])
def sla_confirm():
    return sla_pages.confirm(current_user.customer)


@bp.route("/sla/tickets", methods=["POST"])
def sla_ticket():
    return sla_pages.report_outage(current_user.customer)

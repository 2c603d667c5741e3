"""SLA credit pages shared by the customer and partner blueprints.

The page is about one account and its locations within the user's reach. Services,
their charges and credit amounts are CPNI: a partner sees them, and requests on the
customer's behalf, only while the customer's approval is in force, and each view is
logged. Outage reports (trouble tickets) hold no CPNI and are open to every user in reach.
Templates get the presenters' dicts (portal/sla/presenters.py), never the ORM objects.
Templates and endpoints are named after the blueprint: `<blueprint>/sla.html`,
`<blueprint>.sla`, and so on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from billing.catalog.models import Product, Service
from billing.core.clock import provider_date, utcnow
from billing.core.errors import Forbidden, InvalidInput, NotFound
from billing.parties.models import Customer
from billing.sla import credits as sla_credits
from billing.sla import trouble_tickets
from billing.sla.models import SlaCreditRequest, TroubleTicket
from portal import access
from portal.catalog_names import local_name
from portal.extensions import db
from portal.invoicing.presenters import customer_ref
from portal.paging import page_number, paginate
from portal.sla.forms import ConfirmForm, CreditForm, TicketForm, parse_month
from portal.sla.labels import REQUEST_STATE_LABELS, calculation_view, month_label
from portal.sla.presenters import credit_request_dict, ticket_dict

OFFERED_MONTHS = 12
RECENT_TICKETS = 20


def ended_months(now: datetime, count: int = OFFERED_MONTHS) -> list[date]:
    """The last `count` calendar months that have ended on the provider's clock."""
    today = provider_date(now)
    index = today.year * 12 + today.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1)
            for back in range(1, count + 1)]


def reachable_accounts(customer: Customer) -> list[Customer]:
    """The account and those of its locations the user may see."""
    related = access.related_accounts(db.session, current_user, customer)
    return [customer, *related["sub_accounts"]]


def guaranteed_services(accounts: list[Customer]) -> list[Service]:
    """The accounts' services whose product carries an availability guarantee."""
    query = (select(Service).join(Service.product)
             .where(Service.customer_id.in_([a.id for a in accounts]),
                    Product.sla_family.is_not(None))
             .options(contains_eager(Service.product), joinedload(Service.customer))
             .order_by(Service.customer_id, Service.started_on, Service.id))
    return list(db.session.scalars(query).unique())


def service_label(service: Service) -> str:
    parts = [service.customer.account_number, local_name(service.product), service.description]
    return " – ".join(p for p in parts if p)


def page(customer: Customer, **forms):
    now = utcnow()
    return _render_page(customer, now, **forms)


def preview(customer: Customer):
    """Step one: the full calculation for the chosen service and month, and Confirm."""
    now = utcnow()
    grant, services = _guaranteed(customer, now)
    form = _credit_form(services, now)
    if not form.validate_on_submit():
        return _render_page(customer, now, credit_form=form, status=400)
    service = _chosen(services, form.service_id.data)
    if sla_credits.existing_request(db.session, service.id, form.chosen_month) is not None:
        form.month.errors = [*form.month.errors, _(
            "A credit for this service in %(month)s has already been requested: see it "
            "among your requests below.", month=month_label(form.chosen_month))]
        return _render_page(customer, now, credit_form=form, status=400)
    try:
        calculation = sla_credits.preview_credit(db.session, service, form.chosen_month, now)
    except InvalidInput as refused:
        return _render_page(customer, now, credit_form=form, problem=refused.message,
                            status=400)
    _log(grant, customer, f"SLA credit calculation {form.month.data}", now)
    confirm = ConfirmForm(formdata=None, service_id=service.id, month=form.month.data)
    return render_template(
        f"sla/{request.blueprint}_sla_preview.html", customer=customer_ref(customer),
        service_label=service_label(service), confirm_form=confirm,
        calc=calculation_view(sla_credits.snapshot(calculation), service.currency),
        currency=service.currency,
        links=_links(customer))


def confirm(customer: Customer):
    """Step two: file the request. A second confirm is refused by the domain's rule
    that a service and month are requested once."""
    now = utcnow()
    services = _guaranteed(customer, now)[1]
    form = ConfirmForm()
    month = parse_month(form.month.data)
    if not form.validate_on_submit() or month is None:
        raise InvalidInput(_("The confirmation was incomplete; start the request again."))
    service = _chosen(services, form.service_id.data)
    try:
        if not sla_credits.preview_credit(db.session, service, month, now).credit_minor:
            raise InvalidInput(_("No credit is due for this service in %(month)s: there is "
                                 "nothing to request.", month=month_label(month)))
        sla_credits.request_credit(db.session, service=service, month=month,
                                   user=current_user, now=now)
    except InvalidInput as refused:
        db.session.rollback()
        return _render_page(customer, now, problem=refused.message, status=400)
    db.session.commit()
    flash(_("Your credit request for %(month)s has been filed. Billing staff will "
            "review it.", month=month_label(month)), "info")
    return redirect(url_for(f"{request.blueprint}.sla", **_links(customer)))


def report_outage(customer: Customer):
    """A trouble ticket for one of the accounts in reach; a resent form opens no second."""
    now = utcnow()
    accounts = reachable_accounts(customer)
    form = _ticket_form(accounts)
    if not form.validate_on_submit():
        return _render_page(customer, now, ticket_form=form, status=400)
    account = _chosen(accounts, form.account_id.data)
    summary = form.summary.data.strip()
    try:
        ticket, created = trouble_tickets.report_outage(
            db.session, customer=account, summary=summary, user=current_user, now=now)
    except InvalidInput as refused:
        db.session.rollback()
        return _render_page(customer, now, ticket_form=form, problem=refused.message,
                            status=400)
    db.session.commit()
    if created:
        flash(_("Ticket %(ref)s is open. Our support team will be in touch.", ref=ticket.ref),
              "info")
    else:
        flash(_("This outage was already reported as ticket %(ref)s.", ref=ticket.ref), "info")
    return redirect(url_for(f"{request.blueprint}.sla", **_links(customer)))


def _render_page(customer: Customer, now: datetime, *, credit_form=None, ticket_form=None,
                 problem: str | None = None, status: int = 200):
    grant = access.cpni_access(db.session, current_user, customer, now)
    accounts = reachable_accounts(customer)
    services = guaranteed_services(accounts) if grant.visible else []
    requests = None
    if grant.visible:
        found = _requests_page(accounts)
        # The page's access covers its locations: their approval is the account's.
        requests = replace(found, items=[credit_request_dict(r, grant) for r in found.items])
        _log(grant, customer, "SLA credit requests", now)
    return render_template(
        f"sla/{request.blueprint}_sla.html", customer=customer_ref(customer), access=grant,
        credit_form=credit_form or _credit_form(services, now, formdata=None),
        ticket_form=ticket_form or _ticket_form(accounts, formdata=None),
        has_services=bool(services), page=requests, tickets=_recent_tickets(accounts),
        state_labels=REQUEST_STATE_LABELS, month_label=month_label, problem=problem,
        links=_links(customer), args=request.args), status


def _guaranteed(customer: Customer, now: datetime):
    """The user's access and the guaranteed services; without CPNI access, nothing."""
    grant = access.cpni_access(db.session, current_user, customer, now)
    if not grant.visible:
        raise Forbidden(_("Services and credits are this customer's CPNI, and the customer "
                          "has not approved your access."))
    return grant, guaranteed_services(reachable_accounts(customer))


def _credit_form(services, now, **kwargs) -> CreditForm:
    form = CreditForm(**kwargs)
    form.service_id.choices = [(str(s.id), service_label(s)) for s in services]
    form.month.choices = [(f"{m:%Y-%m}", month_label(m)) for m in ended_months(now)]
    return form


def _ticket_form(accounts, **kwargs) -> TicketForm:
    form = TicketForm(**kwargs)
    form.account_id.choices = [(str(a.id), f"{a.account_number} {a.name}") for a in accounts]
    return form


def _chosen(objects, raw_id):
    """The object with this id among those offered; any other id is not found."""
    found = next((o for o in objects if str(o.id) == (raw_id or "").strip()), None)
    if found is None:
        raise NotFound("No such object.")
    return found


def _requests_page(accounts):
    query = (select(SlaCreditRequest)
             .where(SlaCreditRequest.customer_id.in_([a.id for a in accounts]))
             .order_by(SlaCreditRequest.month.desc(), SlaCreditRequest.id.desc()))
    return paginate(db.session, query, page_number(request.args), _load_requests)


def _load_requests(session, ids) -> list:
    rows = session.scalars(select(SlaCreditRequest).where(SlaCreditRequest.id.in_(ids)).options(
        joinedload(SlaCreditRequest.service).joinedload(Service.product),
        joinedload(SlaCreditRequest.customer)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids]


def _recent_tickets(accounts) -> list[dict]:
    return [ticket_dict(t) for t in db.session.scalars(
        select(TroubleTicket).where(TroubleTicket.customer_id.in_([a.id for a in accounts]))
        .options(joinedload(TroubleTicket.customer), joinedload(TroubleTicket.outage))
        .order_by(TroubleTicket.opened_at.desc(), TroubleTicket.id.desc())
        .limit(RECENT_TICKETS))]


def _links(customer: Customer) -> dict:
    """The URL arguments of this blueprint's SLA endpoints."""
    return {"customer_id": customer.id} if current_user.is_partner else {}


def _log(grant, customer: Customer, subject: str, now: datetime) -> None:
    access.record_disclosures(db.session, current_user, {customer.id: grant}, surface="page",
                              subject=f"{subject}, account {customer.account_number}", now=now)
    db.session.commit()

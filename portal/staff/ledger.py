"""The SLA ledger for NOC and support staff: outages, trouble tickets, maintenance windows.

Every staff role may keep the ledger (the staff blueprint already refuses everyone
else). The ledger is the source of truth the SLA credit calculation reads; the rules
live in billing/ (sla_credits, trouble_tickets, maintenance), these views only translate.
Outages and tickets reach the templates as the SLA presenters' dicts.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import replace
from datetime import date

from babel.dates import format_datetime
from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ, provider_date, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.sla import calculation as sla
from billing.sla import credits as sla_credits
from billing.sla import maintenance, trouble_tickets
from billing.sla.models import MaintenanceWindow, Outage, TroubleTicket
from portal.extensions import db
from portal.mail import send_mail
from portal.paging import page_number, paginate
from portal.sla.ledger_forms import (
    PLATFORM_LABELS,
    GenerateWindowsForm,
    LinkTicketForm,
    OutageForm,
    TicketForm,
    WindowForm,
    cause_choices,
)
from portal.sla.presenters import instant, ledger_ticket_dict, outage_dict
from portal.staff import bp

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@bp.route("/outages")
def outages():
    """The ledger, newest first, optionally only the outages touching one month."""
    month = _month_arg(request.args.get("month") or "")
    query = select(Outage).order_by(Outage.started_at.desc(), Outage.id.desc())
    if month:
        start, end = sla.month_bounds(month)
        query = query.where(Outage.started_at < end, Outage.ended_at > start)
    page = paginate(db.session, query, page_number(request.args),
                    _loader(Outage, selectinload(Outage.services)))
    page = replace(page, items=[outage_dict(o) for o in page.items])
    return render_template("sla/staff_ledger_outages.html", page=page, month=month,
                           causes=_cause_labels(), platforms=PLATFORM_LABELS)


@bp.route("/outages/new", methods=["GET", "POST"])
def record_outage():
    form, problem = OutageForm(), None
    if form.validate_on_submit():
        try:
            outage, created = _save_outage(form)
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Outage %(ref)s recorded.", ref=outage.ref) if created
                  else _("Outage %(ref)s updated.", ref=outage.ref))
            return redirect(url_for(".outage", outage_id=outage.id))
    status = 400 if problem or form.errors else 200
    return render_template("sla/staff_ledger_outage_form.html", form=form, problem=problem), status


@bp.route("/outages/<outage_id>")
def outage(outage_id):
    found = _get(Outage, outage_id, "No such outage.")
    return _outage_page(found, LinkTicketForm(formdata=None), None)


@bp.route("/outages/<outage_id>/link", methods=["POST"])
def link_ticket(outage_id):
    """Attach an existing trouble ticket, by its reference, to this outage."""
    found = _get(Outage, outage_id, "No such outage.")
    form, problem = LinkTicketForm(), None
    if form.validate_on_submit():
        try:
            ticket = trouble_tickets.link_ticket(db.session, form.ticket_ref.data, found)
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Ticket %(ticket)s is linked to outage %(ref)s.", ticket=ticket.ref,
                    ref=found.ref))
            return redirect(url_for(".outage", outage_id=found.id))
    return _outage_page(found, form, problem), 400


@bp.route("/tickets", methods=["GET", "POST"])
def tickets():
    """Trouble tickets, newest first, and the form support staff record one with."""
    form, problem = TicketForm(), None
    if form.validate_on_submit():
        try:
            ticket, created = _save_ticket(form)
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Ticket %(ref)s recorded.", ref=ticket.ref) if created
                  else _("Ticket %(ref)s was already recorded.", ref=ticket.ref))
            return redirect(url_for(".tickets"))
    query = select(TroubleTicket).order_by(TroubleTicket.opened_at.desc(),
                                           TroubleTicket.id.desc())
    page = paginate(db.session, query, page_number(request.args), _loader(
        TroubleTicket, joinedload(TroubleTicket.customer), joinedload(TroubleTicket.outage)))
    page = replace(page, items=[ledger_ticket_dict(t) for t in page.items])
    status = 400 if problem or form.errors else 200
    return render_template("sla/staff_ledger_tickets.html", form=form, page=page,
                           problem=problem), status


@bp.route("/maintenance", methods=["GET", "POST"])
def maintenance_windows():
    """A year's windows with the state of their notices, and the form for an extra one."""
    year = _year_arg(request.args.get("year"))
    form, problem = WindowForm(), None
    if form.validate_on_submit():
        try:
            window = maintenance.add_window(
                db.session, starts_at=form.starts_at.instant, ends_at=form.ends_at.instant,
                description=form.description.data)
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Maintenance window added."))
            return redirect(url_for(".maintenance_windows",
                                    year=provider_date(window.starts_at).year))
    status = 400 if problem or form.errors else 200
    return _maintenance_page(year, form, problem), status


@bp.route("/maintenance/generate", methods=["POST"])
def generate_windows():
    """Add the year's standard windows that are missing; a second click adds none."""
    form = GenerateWindowsForm()
    if not form.validate_on_submit():
        raise InvalidInput(_("Choose a year from 2000 to 2100."))
    try:
        made = sla_credits.ensure_standard_windows(db.session, form.year.data)
        db.session.commit()
    except IntegrityError:  # another click made them a moment ago
        db.session.rollback()
        made = 0
    flash(ngettext("%(num)d standard window added.", "%(num)d standard windows added.", made)
          if made else _("The standard windows of %(year)s were already there.",
                         year=form.year.data))
    return redirect(url_for(".maintenance_windows", year=form.year.data))


@bp.route("/maintenance/<window_id>/notices", methods=["POST"])
def send_notices(window_id):
    """E-mail the window's notice to every customer's point of contact, once."""
    window = _get(MaintenanceWindow, window_id, "No such maintenance window.")
    try:
        sent = maintenance.send_notices(db.session, window.id, utcnow(), _mailer(window))
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    except (smtplib.SMTPException, OSError):
        db.session.rollback()  # the window stays unnoticed, so sending can be retried
        flash(_("The mail server did not accept the notice. Nothing is marked as sent; "
                "try again later."), "error")
    else:
        db.session.commit()
        flash(ngettext("The notice went to %(num)d address.",
                       "The notice went to %(num)d addresses.", sent))
    return redirect(url_for(".maintenance_windows", year=provider_date(window.starts_at).year))


def _save_outage(form: OutageForm):
    ids = form.service_id_list()
    if ids is None:
        raise InvalidInput(_("Service ids are whole numbers separated by commas."))
    services = list(db.session.scalars(select(Service).where(Service.id.in_(ids))))
    missing = sorted(set(ids) - {service.id for service in services})
    if missing:
        raise InvalidInput(_("There is no service with the id %(ids)s.",
                             ids=", ".join(map(str, missing))))
    ref = form.ref.data.strip()
    existed = db.session.scalar(select(Outage.id).where(Outage.ref == ref)) is not None
    outage = sla_credits.record_outage(
        db.session, ref=ref, started_at=form.started_at.instant,
        ended_at=form.ended_at.instant, cause=form.cause.data, summary=form.summary.data,
        platform=form.platform.data or None, services=services)
    return outage, not existed


def _save_ticket(form: TicketForm):
    return trouble_tickets.record_ticket(
        db.session, account_number=form.account_number.data, opened_at=form.opened_at.instant,
        summary=form.summary.data, outage_ref=form.outage_ref.data, source="support",
        opened_by=current_user, now=utcnow())


def _outage_page(found: Outage, form: LinkTicketForm, problem: str | None):
    deadline = found.started_at + sla.TICKET_WINDOW
    linked = db.session.scalars(
        select(TroubleTicket).where(TroubleTicket.outage_id == found.id)
        .options(joinedload(TroubleTicket.customer), joinedload(TroubleTicket.outage))
        .order_by(TroubleTicket.opened_at, TroubleTicket.id)).all()
    outage = {**outage_dict(found), "recorded_at": instant(found.recorded_at)}
    return render_template("sla/staff_ledger_outage.html", outage=outage,
                           tickets=[ledger_ticket_dict(t, deadline) for t in linked], form=form,
                           problem=problem, causes=_cause_labels(), platforms=PLATFORM_LABELS,
                           deadline=deadline)


def _maintenance_page(year: int, form: WindowForm, problem: str | None):
    now = utcnow()
    windows = maintenance.windows_of_year(db.session, year)
    return render_template(
        "sla/staff_ledger_maintenance.html", year=year, windows=windows, form=form,
        problem=problem, now=now,
        states={w.id: maintenance.notice_state(w, now) for w in windows},
        notice_by={w.id: w.starts_at - sla.NOTICE_PERIOD for w in windows})


def _mailer(window: MaintenanceWindow):
    def send(address: str, locale: str) -> None:
        with force_locale(locale):
            subject, body = _notice_text(window)
        send_mail(address, subject, body)

    return send


def _notice_text(window: MaintenanceWindow) -> tuple[str, str]:
    # Customers read it in Mountain Time, whatever zone the staff member sending it uses.
    start, end = (format_datetime(moment, "long", tzinfo=PROVIDER_TZ, locale=get_locale())
                  for moment in (window.starts_at, window.ends_at))
    subject = _("Scheduled maintenance from %(start)s", start=start)
    body = _(
        "Hello,\n\n"
        "We will carry out scheduled maintenance on our platform.\n\n"
        "Starts: %(start)s\nEnds: %(end)s\n(Mountain Time)\n\n"
        "During this time, calls and messages may fail or drop for a few minutes, and the "
        "portal and API may not answer. You do not need to do anything; services come back "
        "by themselves when the work is done.\n\n"
        "What the work is for: %(description)s\n\n"
        "If something still does not work after the window ends, please open a trouble "
        "ticket with our support team.\n",
        start=start, end=end, description=window.description)
    return subject, body


def _cause_labels() -> dict:
    return {choice.value: choice.label for choice in cause_choices()}


def _loader(model, *options):
    def load(session, ids):
        rows = {row.id: row for row in session.scalars(
            select(model).where(model.id.in_(ids)).options(*options)).unique()}
        return [rows[i] for i in ids if i in rows]

    return load


def _get(model, value, message: str):
    found = db.session.get(model, whole_number(value) or 0)
    if found is None:
        raise NotFound(message)
    return found


def _month_arg(text: str) -> date | None:
    if not text:
        return None
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInput(_("Choose a month as YYYY-MM."))
    return date(int(match[1]), int(match[2]), 1)


def _year_arg(text: str | None) -> int:
    if not text:
        return provider_date(utcnow()).year
    year = whole_number(text, high=2100)
    if year is None or year < 2000:
        raise InvalidInput(_("Choose a year from 2000 to 2100."))
    return year

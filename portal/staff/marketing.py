"""Marketing exports for billing staff and admins: run a campaign's list, download it as
CSV, and look back at every export made (who, when, for which campaign, which customers).

Who may be listed is decided in billing/marketing.py; this module only translates. The
file holds contact details only (never services, charges or usage), so it discloses no
CPNI. Exports are records kept at least a year: nothing here changes or deletes one.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from billing.core.clock import utcnow
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.cpni import marketing
from billing.cpni.compliance_models import MarketingExport
from billing.parties.models import Partner
from portal import access
from portal.extensions import db
from portal.paging import page_number, paginate
from portal.staff import bp
from reports.csv_files import csv_text

CSV_COLUMNS = ("account_number", "name", "email", "phone", "address_line1", "address_line2",
               "city", "region", "postal_code", "country", "locale")
# A spreadsheet runs a cell starting with one of these as a formula.


class ExportForm(FlaskForm):
    campaign = StringField(_l("Campaign"), validators=[
        DataRequired(), Length(max=marketing.CAMPAIGN_MAX)])
    partner_id = SelectField(_l("For partner (optional)"), choices=[])


@bp.route("/marketing-exports", methods=["GET", "POST"])
def marketing_exports():
    form = _export_form()
    if not form.validate_on_submit():
        return _list_page(form), 400 if form.errors else 200
    partner = None
    if form.partner_id.data:
        partner = access.get_partner(db.session, current_user, form.partner_id.data)
    export = marketing.export_campaign(db.session, campaign=form.campaign.data,
                                       partner=partner, by=current_user, now=utcnow())
    db.session.commit()
    if not export.customers:
        flash(_("No customer may be listed for this campaign. The export is recorded with "
                "no customers."), "info")
        return redirect(url_for("staff.marketing_export", export_id=export.id))
    return _csv_download(export)


@bp.route("/marketing-exports/<export_id>")
def marketing_export(export_id):
    export = db.session.get(MarketingExport, whole_number(export_id) or 0)
    if export is None:
        raise NotFound(_("No such marketing export."))
    return render_template("cpni/staff_marketing_export.html", export=export)


def _export_form() -> ExportForm:
    form = ExportForm()
    partners = db.session.scalars(select(Partner).order_by(Partner.name, Partner.id))
    form.partner_id.choices = [("", _("None: our own campaign"))] + [
        (str(p.id), f"{p.name} ({p.code})") for p in partners]
    return form


def _list_page(form: ExportForm):
    query = select(MarketingExport).order_by(MarketingExport.exported_at.desc(),
                                             MarketingExport.id.desc())
    page = paginate(db.session, query, page_number(request.args), _load)
    sizes = marketing.export_sizes(db.session, [e.id for e in page.items])
    return render_template("cpni/staff_marketing_exports.html", form=form, page=page, sizes=sizes)


def _load(session, ids) -> list:
    query = select(MarketingExport).where(MarketingExport.id.in_(ids)).options(
        joinedload(MarketingExport.partner), joinedload(MarketingExport.exported_by))
    return session.scalars(query.order_by(MarketingExport.exported_at.desc(),
                                          MarketingExport.id.desc())).all()


def _csv_download(export: MarketingExport) -> Response:
    rows = [_contact_row(customer) for customer in export.customers]
    return Response(csv_text(CSV_COLUMNS, rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="marketing-export-{export.id}.csv"',
        "Cache-Control": "no-store",
    })


def _contact_row(customer) -> tuple:
    """Contact details of record only: none of these is CPNI."""
    return (customer.account_number, customer.name, customer.email_of_record,
            customer.phone_of_record, customer.address_line1, customer.address_line2,
            customer.city, customer.region, customer.postal_code, customer.country,
            customer.locale)



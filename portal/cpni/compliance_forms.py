"""Forms and labels of the compliance pages: the breach register, CPNI complaints and the
annual certification. Times are typed in Mountain Time and kept as UTC instants."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from billing.cpni import officer
from billing.cpni.breaches import MAX_DESCRIPTION, MAX_REASON, MAX_REFERENCE, BreachStatus
from billing.cpni.complaints import CATEGORIES, MAX_TEXT
from portal.i18n import local_datetime
from portal.sla.ledger_forms import MountainTimeField

CATEGORY_LABELS = {
    "employee_access": _l("Improper access by an employee"),
    "unauthorized_disclosure": _l("Disclosure to someone not entitled to it"),
    "online_access": _l("Improper access to online account information"),
    "marketing_use": _l("Marketing use against the customer's choice"),
    "other": _l("Other"),
}
SURFACE_LABELS = {"page": _l("web page"), "api": _l("API"), "export": _l("export"),
                  "pdf": _l("PDF")}
PURPOSE_LABELS = {"billing": _l("billing"), "support": _l("support"),
                  "partner_access": _l("partner access")}
SCOPE_LABELS = {"billing": _l("billing detail"),
                "billing_usage": _l("billing detail, usage and call detail")}
METHOD_LABELS = {"online": _l("online"), "written": _l("written"), "oral": _l("oral")}


class BreachForm(FlaskForm):
    discovered_at = MountainTimeField(_l("Discovered (Mountain Time)"))
    determined_at = MountainTimeField(_l("Determined to be a breach (Mountain Time)"))
    account_numbers = StringField(_l("Affected accounts (numbers separated by commas)"),
                                  validators=[DataRequired(), Length(max=5000)])
    description = TextAreaField(_l("What happened"),
                                validators=[DataRequired(), Length(max=MAX_DESCRIPTION)])

    def account_number_list(self) -> list[str]:
        text = (self.account_numbers.data or "").replace(";", ",").replace("\n", ",")
        return [part.strip() for part in text.split(",") if part.strip()]


class LawEnforcementForm(FlaskForm):
    notified_at = MountainTimeField(_l("Law enforcement notified (Mountain Time)"))
    reference = StringField(_l("Reference given by law enforcement"),
                            validators=[DataRequired(), Length(max=MAX_REFERENCE)])


class OverrideForm(FlaskForm):
    reason = TextAreaField(_l("Why customers must be told before the 7 business days pass"),
                           validators=[DataRequired(), Length(max=MAX_REASON)])


class CustomerNoticeForm(FlaskForm):
    notified_at = MountainTimeField(_l("Customers notified (Mountain Time)"))


class DeleteForm(FlaskForm):
    """Only the CSRF token: the button says what it does."""


class ComplaintForm(FlaskForm):
    account_number = StringField(_l("Account number"),
                                 validators=[DataRequired(), Length(max=20)])
    received_at = MountainTimeField(_l("Received (Mountain Time)"))
    category = SelectField(_l("Category"),
                           choices=[SelectChoice(key, CATEGORY_LABELS[key]) for key in CATEGORIES])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=MAX_TEXT)])


class CloseComplaintForm(FlaskForm):
    resolution = TextAreaField(_l("Resolution"),
                               validators=[DataRequired(), Length(max=MAX_TEXT)])

def status_text(status: BreachStatus) -> str:
    """Where a breach stands, in one sentence for the register and the report."""
    due = format_date(status.notice_due_on, "medium")
    if status.state == "notice_due":
        return _("Law-enforcement notice due by the end of %(day)s.", day=due)
    if status.state == "notice_overdue":
        return _("Law-enforcement notice was due by the end of %(day)s: overdue.", day=due)
    if status.state == "waiting":
        return _("Law enforcement notified; customers may be notified from %(time)s.",
                 time=local_datetime(status.customers_from))
    if status.state == "customers_may_be_told":
        return (_("Customers may be notified now (override recorded).") if status.overridden
                else _("Customers may be notified now."))
    return _("Customers notified.")


class OfficerStatementForm(FlaskForm):
    """The officer's statement an admin signs for a year's certification (64.2009(e))."""

    officer_name = StringField(_l("Officer's name"), validators=[DataRequired(), Length(max=200)])
    officer_title = StringField(_l("Officer's title"),
                                validators=[DataRequired(), Length(max=200)])
    signed_on = DateField(_l("Signed on"), validators=[DataRequired()])
    procedures = TextAreaField(
        _l("How the company's operating procedures ensure compliance with the CPNI rules"),
        validators=[DataRequired(), Length(max=officer.MAX_TEXT)])
    data_broker_actions = TextAreaField(
        _l("Actions taken against data brokers in the year (write \"None\" if there were none)"),
        validators=[DataRequired(), Length(max=officer.MAX_TEXT)])

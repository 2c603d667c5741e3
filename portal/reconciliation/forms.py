"""Forms of the payment reconciliation pages: start a run (a report file or a sync
window) and resolve an exception."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from portal.payments.forms import invoice_numbers
from portal.reconciliation.labels import RESOLUTION_LABELS


class ReportForm(FlaskForm):
    file = FileField(_l("Stripe report (CSV)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be reconciled.")),
    ])


class WindowForm(FlaskForm):
    """A sync window, in UTC (Stripe's reports and API speak UTC)."""

    since = DateTimeLocalField(_l("From (UTC)"), validators=[DataRequired(_l("Enter a time."))])
    until = DateTimeLocalField(_l("Until (UTC)"), validators=[DataRequired(_l("Enter a time."))])

    def validate_until(self, field):
        if self.since.data and field.data and field.data <= self.since.data:
            raise ValidationError(_("The window must end after it starts."))

    def window(self) -> tuple[datetime, datetime]:
        return self.since.data.replace(tzinfo=UTC), self.until.data.replace(tzinfo=UTC)


class ResolveForm(FlaskForm):
    how = SelectField(_l("Resolution"))
    account_number = StringField(_l("Account number"),
                                 validators=[Length(max=40)])
    invoices = StringField(_l("Invoices it pays (numbers, optional)"))
    reason = TextAreaField(_l("Why"), validators=[
        DataRequired(_l("Say why: the reason is kept with the resolution.")),
        Length(max=500)])

    def __init__(self, allowed, **kwargs):
        super().__init__(**kwargs)
        self.how.choices = [(how, RESOLUTION_LABELS[how]) for how in allowed]

    def validate_account_number(self, field):
        if self.how.data in ("assigned", "recorded") and not (field.data or "").strip():
            raise ValidationError(_("Enter the account the payment belongs to."))

    def validate_invoices(self, field):
        self.named = invoice_numbers(field.data)

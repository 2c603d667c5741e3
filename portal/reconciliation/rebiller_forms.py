"""Forms of the rebiller reconciliation: the rebiller's upload, staff's start of a run."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired, Length

from billing.core.clock import parse_period
from billing.core.errors import InvalidInput


class _PeriodForm(FlaskForm):
    period = StringField(_l("Bill period (YYYY-MM)"), validators=[InputRequired(),
                                                                  Length(max=7)])

    def validate_period(self, field):
        try:
            parse_period(field.data.strip())
        except InvalidInput:
            raise ValidationError(_("Write the period as YYYY-MM.")) from None


class BillingFileForm(_PeriodForm):
    file = FileField(_l("Billing file (CSV, up to 10 MB)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be uploaded.")),
    ])


class StaffRunForm(_PeriodForm):
    partner_code = StringField(_l("Rebiller code"), validators=[InputRequired(),
                                                                Length(max=32)])

"""Staff forms: run a commission month, approve it, add a partner's plan."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, StringField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from billing.commissions import months
from billing.core.errors import InvalidInput


class RunMonthForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[InputRequired()])

    def validate_month(self, field):
        try:
            months.parse_month(field.data.strip())
        except InvalidInput:
            raise ValidationError(_("Write the month as YYYY-MM.")) from None


class ApproveForm(FlaskForm):
    pass


def _rate(label):
    return DecimalField(label, places=4, validators=[
        InputRequired(), NumberRange(0, 100, message=_l("A percent from 0 to 100."))])


class PlanForm(FlaskForm):
    partner_code = StringField(_l("Partner code"), validators=[InputRequired()])
    effective_from = DateField(_l("In force from"), validators=[InputRequired()])
    recurring_rate = _rate(_l("Recurring %"))
    usage_rate = _rate(_l("Usage %"))
    one_time_rate = _rate(_l("One-time %"))

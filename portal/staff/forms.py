from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from billing.core.clock import parse_period, recent_periods
from billing.core.errors import InvalidInput

OFFERED_PERIODS = 13  # the current period and a year of past ones


class PurposeForm(FlaskForm):
    purpose = SelectField(
        _l("Purpose"),
        choices=[SelectChoice("billing", _l("Billing the customer")),
                 SelectChoice("support", _l("Providing or supporting its services"))],
    )


class VatNumberForm(FlaskForm):
    """The account's VAT number; its written form is checked by billing/parties/vat.py."""

    vat_number = StringField(_l("VAT number (blank to remove it)"),
                             validators=[Optional(), Length(max=30)])


class ReviewPurposeForm(FlaskForm):
    """Nothing to fill in: pressing its button states the billing purpose of a review."""


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"),
        choices=[SelectChoice("partners", _l("Partners")),
                 SelectChoice("customers", _l("Customers")),
                 SelectChoice("products", _l("Products")),
                 SelectChoice("price_books", _l("Price books")),
                 SelectChoice("services", _l("Services")),
                 SelectChoice("tax_rates", _l("Tax rates")),
                 SelectChoice("usage", _l("Usage")),
                 SelectChoice("outages", _l("Outages")),
                 SelectChoice("trouble_tickets", _l("Trouble tickets")),
                 SelectChoice("commission_plans", _l("Commission plans"))],
    )
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be imported.")),
    ])


class RunStartForm(FlaskForm):
    """The bill period to run. Recent periods are offered; any period that has begun is
    accepted (an older one can be typed into a crafted request, or run from the CLI)."""

    period = SelectField(_l("Bill period"), validate_choice=False)

    def __init__(self, today, **kwargs):
        super().__init__(**kwargs)
        self.today = today
        offered = recent_periods(today, OFFERED_PERIODS)
        self.period.choices = [SelectChoice(p.key, _period_label(p)) for p in offered]
        if not self.is_submitted():
            self.period.data = offered[1].key  # the period that ended last
        self.chosen = None

    def validate_period(self, field):
        try:
            period = parse_period(field.data)
        except InvalidInput:
            raise ValidationError(_("Choose a bill period as YYYY-MM, the month in which it "
                                    "ends.")) from None
        if not period.has_begun(self.today):
            raise ValidationError(_("The bill period %(period)s has not begun yet: it starts "
                                    "on %(start)s. Only a period that has begun can be run.",
                                    period=period.key, start=format_date(period.start)))
        self.chosen = period


def _period_label(period) -> str:
    return _("%(period)s (%(start)s to %(end)s)", period=period.key,
             start=format_date(period.start), end=format_date(period.end))

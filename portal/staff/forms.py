from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField


class PurposeForm(FlaskForm):
    purpose = SelectField(
        _l("Purpose"),
        choices=[SelectChoice("billing", _l("Billing the customer")),
                 SelectChoice("support", _l("Providing or supporting its services"))],
    )

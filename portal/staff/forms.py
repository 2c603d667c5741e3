from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class PurposeForm(FlaskForm):
    purpose = SelectField(
        _l("Purpose"),
        choices=[("billing", _l("Billing the customer")),
                 ("support", _l("Providing or supporting its services"))],
    )

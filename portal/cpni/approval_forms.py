from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Optional, Regexp


class ApprovalForm(FlaskForm):
    partner_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d+$")])
    scope = SelectField(
        _l("Scope"),
        choices=[SelectChoice("billing", _l("Billing detail")),
                 SelectChoice("billing_usage", _l("Billing detail, usage and call detail"))],
    )
    expires_on = DateField(_l("Ends on (optional)"), validators=[Optional()])
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


class RevokeForm(FlaskForm):
    partner_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d+$")])
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])

"""Forms of the SLA credit pages: a credit request, its confirmation, an outage report,
and staff's decision. Choices are filled by the view from what the user may reach."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> date | None:
    """"YYYY-MM" as the first day of that month, or None."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


class CreditForm(FlaskForm):
    """Which service and month to calculate. Any month is accepted here: the domain
    refuses one that has not ended, with its own message."""

    service_id = SelectField(_l("Service"), validate_choice=False,
                             validators=[DataRequired(_l("Choose a service."))])
    month = SelectField(_l("Month"), validate_choice=False,
                        validators=[DataRequired(_l("Choose a month."))])

    def validate_month(self, field):
        if parse_month(field.data) is None:
            raise ValidationError(_("Choose a month as YYYY-MM."))

    @property
    def chosen_month(self) -> date | None:
        return parse_month(self.month.data)


class ConfirmForm(FlaskForm):
    """The second step: the same choice, carried in hidden fields."""

    service_id = HiddenField(validators=[DataRequired()])
    month = HiddenField(validators=[DataRequired()])


class TicketForm(FlaskForm):
    account_id = SelectField(_l("Affected account"), validate_choice=False,
                             validators=[DataRequired(_l("Choose the affected account."))])
    summary = TextAreaField(_l("What is failing"), validators=[
        DataRequired(_l("Describe what is failing.")), Length(max=2000)])


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=500)])

    def validate_decision(self, field):
        if field.data not in ("approve", "reject"):
            raise ValidationError(_("Approve or reject the request."))

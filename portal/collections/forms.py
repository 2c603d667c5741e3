"""Forms of the collections pages: the dunning policy (staff) and autopay (customers)."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from billing.collections.policy import PolicyChange
from billing.core.money import CURRENCIES
from portal.amounts import read_amount

_NUMBERS = re.compile(r"^\s*-?\d+(\s*,\s*-?\d+)*\s*$")


def number_list(text: str | None) -> list[int]:
    """ "-3, 0, 7" as [-3, 0, 7]; an empty text as []."""
    text = (text or "").strip()
    if not text:
        return []
    if not _NUMBERS.match(text) or len(text) > 200:
        raise ValidationError(_("Write whole numbers of days separated by commas."))
    return [int(part) for part in text.split(",")]


def word_list(text: str | None) -> list[str]:
    """Account numbers or partner codes separated by commas, spaces or lines."""
    return [word for word in re.split(r"[\s,]+", text or "") if word][:500]


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinities as it parses: NumberRange cannot
    compare a signalling NaN (a 500 instead of the field's message)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class PolicyForm(FlaskForm):
    reminder_offsets = StringField(_l("Reminder days (before the due date negative, on it 0, "
                                      "after it positive)"))
    autopay_lead_days = IntegerField(_l("Autopay: business days before the due date"),
                                     validators=[InputRequired(), NumberRange(0, 20)])
    retry_days = StringField(_l("Autopay retries: days after the first attempt"))
    grace_days = IntegerField(_l("Grace period in days"),
                              validators=[InputRequired(), NumberRange(0, 90)])
    late_fee_mode = SelectField(_l("Late fee"), choices=[
        SelectChoice("none", _l("None")),
        SelectChoice("percent", _l("A percent of the overdue amount")),
        SelectChoice("fixed", _l("A fixed amount per currency"))])
    late_fee_percent = FiniteDecimalField(_l("Late fee percent"), places=4, validators=[
        Optional(), NumberRange(0, 25, message=_l("A percent from 0 to 25."))])
    fixed_usd = StringField(_l("Fixed fee in USD"))
    fixed_cad = StringField(_l("Fixed fee in CAD"))
    fixed_gbp = StringField(_l("Fixed fee in GBP"))
    fixed_eur = StringField(_l("Fixed fee in EUR"))
    exempt_accounts = TextAreaField(_l("Exempt accounts (account numbers)"))
    exempt_partners = TextAreaField(_l("Exempt partners (partner codes)"))

    def validate_reminder_offsets(self, field):
        number_list(field.data)

    def validate_retry_days(self, field):
        number_list(field.data)

    def fixed_fields(self):
        return [(currency, getattr(self, f"fixed_{currency.lower()}"))
                for currency in CURRENCIES]

    def fixed_amounts(self) -> dict[str, int] | None:
        """The fixed fees in minor units; None (with the field's error) if one is wrong."""
        amounts = {}
        for currency, field in self.fixed_fields():
            try:
                minor = read_amount(field.data, currency)
            except ValidationError as wrong:
                field.errors = [*field.errors, str(wrong)]
                return None
            if minor is not None:
                amounts[currency] = minor
        return amounts

    def change(self, fixed: dict[str, int]) -> PolicyChange:
        return PolicyChange(
            reminder_offsets=number_list(self.reminder_offsets.data),
            autopay_lead_days=self.autopay_lead_days.data,
            retry_days=number_list(self.retry_days.data), grace_days=self.grace_days.data,
            late_fee_mode=self.late_fee_mode.data,
            late_fee_percent=self.late_fee_percent.data or Decimal(0), late_fee_fixed=fixed)


class AutopayForm(FlaskForm):
    method = SelectField(_l("Payment method"), choices=[], validate_choice=False,
                         validators=[InputRequired()])


class OptOutForm(FlaskForm):
    pass

"""Forms of the payment pages: a payment received, a refund, an assignment from the
suspense queue. Amounts are read by portal.amounts.read_amount, as the page's locale
writes them, in the currency chosen on the same form."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from billing.core.clock import PROVIDER_TZ
from billing.core.money import CURRENCIES
from billing.payments.models import OFFLINE_METHODS
from portal.amounts import read_amount
from reports.labels import METHOD_LABELS

MAX_NAMED = 50
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def invoice_numbers(text: str | None) -> list[str]:
    """Invoice numbers typed one after another, separated by spaces or commas."""
    numbers = [n for n in re.split(r"[\s,;]+", text or "") if n]
    if len(numbers) > MAX_NAMED or any(len(n) > 40 for n in numbers):
        raise ValidationError(_("Name at most %(count)d invoices by their numbers.",
                                count=MAX_NAMED))
    return list(dict.fromkeys(numbers))


def received_at(day: date) -> datetime:
    """The start of the day the money arrived, on the provider's calendar."""
    return datetime.combine(day, time(0), PROVIDER_TZ)


class _AmountForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired(_l("Enter the amount.")),
                                                   Length(max=40)])

    def amount_minor(self, currency: str) -> int:
        """The amount typed, in minor units (after the form validated)."""
        return read_amount(self.amount.data, currency)

    def _check_amount(self, currency: str | None) -> None:
        if not currency or self.amount.errors:
            return
        minor = read_amount(self.amount.data, currency)
        if minor is None or minor <= 0:
            raise ValidationError(_("The amount must be above zero."))


class RecordForm(_AmountForm):
    """A cheque, wire or ACH transfer received. `token` is made when the form is shown
    and becomes the payment's outside id, so a second click records nothing more."""

    token = HiddenField()
    account_number = StringField(_l("Account number"), validators=[
        DataRequired(_l("Enter the paying account's number.")), Length(max=40)])
    received_on = DateField(_l("Date received"), validators=[
        DataRequired(_l("Enter the date the money arrived."))])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c, c) for c in CURRENCIES])
    method = SelectField(_l("Method"),
                         choices=[SelectChoice(m, _l(METHOD_LABELS[m])) for m in OFFLINE_METHODS])
    reference = StringField(_l("Reference"), validators=[
        DataRequired(_l("Enter the cheque number or bank reference.")), Length(max=100)])
    invoices = StringField(_l("Invoices named by the payer"), validators=[
        Optional(), Length(max=2000)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.token.data:
            self.token.data = uuid.uuid4().hex

    def validate_token(self, field):
        if not _TOKEN.match(field.data or ""):
            raise ValidationError(_("Reload the form and enter the payment again."))

    def validate_amount(self, field):
        self._check_amount(self.currency.data if self.currency.data in CURRENCIES else None)

    def validate_invoices(self, field):
        invoice_numbers(field.data)

    @property
    def external_id(self) -> str:
        return f"staff:{self.token.data}"


class RefundForm(_AmountForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(_l("Say why the money goes back.")), Length(max=500)])

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def validate_amount(self, field):
        self._check_amount(self.currency)


class AssignForm(FlaskForm):
    account_number = StringField(_l("Account number"), validators=[
        DataRequired(_l("Enter the account this payment belongs to.")), Length(max=40)])
    invoices = StringField(_l("Invoices it pays (optional)"), validators=[
        Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Why this account"), validators=[
        DataRequired(_l("Say why this payment belongs to this account.")), Length(max=500)])

    def validate_invoices(self, field):
        invoice_numbers(field.data)

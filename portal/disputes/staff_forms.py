"""Forms of the staff dispute pages: the steps on one dispute, and a tier of the
escalation path. Amounts are typed as the page's locale writes them and read by
portal.amounts.read_amount; the domain checks the rest (authority, state, the path's
order) and says what is wrong."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from billing.core.display_names import TRANSLATED_LOCALES
from billing.core.money import CURRENCIES
from billing.disputes.rules import MAX_TEXT
from billing.parties.users import BILLING_ROLES
from portal.amounts import amount_value
from portal.amounts import read_amount as read_page_amount
from portal.i18n import LANGUAGES

ROLE_LABELS = {
    "billing_specialist": _l("Billing specialist"),
    "billing_supervisor": _l("Billing supervisor"),
    "billing_manager": _l("Billing manager"),
    "billing_director": _l("Billing director"),
}
OUTCOME_CHOICES = [SelectChoice("full", _l("Full credit")),
                   SelectChoice("partial", _l("Partial credit")),
                   SelectChoice("denied", _l("Deny"))]


def read_amount(text: str | None, currency: str) -> int | None:
    """Minor units of a typed amount (None when left blank); ValidationError if wrong."""
    if (text or "").strip().startswith("-"):
        raise ValidationError(_("An amount cannot be negative."))
    return read_page_amount(text, currency)


class StaffReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why it is reopened"), validators=[
        DataRequired(_l("Say why the dispute is reopened.")), Length(max=MAX_TEXT)])


class TakeForm(FlaskForm):
    """Nothing to fill in: the CSRF token alone."""


class StaffCommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(_l("Write the comment.")), Length(max=MAX_TEXT)])
    internal = BooleanField(_l("Internal note (the filer does not see it)"))


class AskForm(FlaskForm):
    question = TextAreaField(_l("What the filer should tell us"), validators=[
        DataRequired(_l("Write the question for the filer.")), Length(max=MAX_TEXT)])


class StaffEscalateForm(FlaskForm):
    note = TextAreaField(_l("Note for the next tier"),
                         validators=[Optional(), Length(max=MAX_TEXT)])


class SettleForm(FlaskForm):
    """Full credit, partial credit (with its amount) or denial, with a reason. The
    credit is read in the dispute's currency, given when the form is made."""

    outcome = SelectField(_l("Outcome"), choices=OUTCOME_CHOICES)
    amount = StringField(_l("Credit (partial credit only)"))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])

    def __init__(self, currency: str, **kwargs):
        super().__init__(**kwargs)
        self.currency = currency
        self.example = amount_value(0, currency)
        self.credit_minor: int | None = None

    def validate_amount(self, field):
        if self.outcome.data != "partial":
            return
        self.credit_minor = read_amount(field.data, self.currency)
        if self.credit_minor is None:
            raise ValidationError(_("Enter the credit of the partial settlement."))
        if self.credit_minor <= 0:
            raise ValidationError(_("A partial credit is more than zero."))


def _translated_name(locale: str) -> StringField:
    return StringField(_l("Name in %(language)s (optional)", language=LANGUAGES[locale]),
                       validators=[Optional(), Length(max=100)])


class TierForm(FlaskForm):
    """One tier of the escalation path. A currency left blank: the tier grants nothing
    in it (it may deny, or escalate)."""

    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Name the tier.")), Length(max=100)])
    name_en_GB = _translated_name("en_GB")
    name_de = _translated_name("de")
    name_fr = _translated_name("fr")
    name_es = _translated_name("es")
    role = SelectField(_l("Worked by"), choices=[SelectChoice(r, ROLE_LABELS[r])
                                                 for r in BILLING_ROLES])
    response_hours = IntegerField(_l("Response deadline (business hours)"), validators=[
        InputRequired(_l("Enter the response deadline in whole business hours."))])
    authority_USD = StringField(_l("Authority in USD"))
    authority_CAD = StringField(_l("Authority in CAD"))
    authority_GBP = StringField(_l("Authority in GBP"))
    authority_EUR = StringField(_l("Authority in EUR"))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.authority: dict[str, int] = {}

    def name_fields(self):
        return [self[f"name_{locale}"] for locale in TRANSLATED_LOCALES]

    def name_translations(self) -> dict[str, str]:
        return {locale: self[f"name_{locale}"].data or "" for locale in TRANSLATED_LOCALES}

    def authority_fields(self):
        return [self[f"authority_{currency}"] for currency in CURRENCIES]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for currency, field in zip(CURRENCIES, self.authority_fields(), strict=True):
            try:
                minor = read_amount(field.data, currency)
            except ValidationError as wrong:
                field.errors = [*field.errors, str(wrong)]
                valid = False
                continue
            if minor is not None:
                self.authority[currency] = minor
        return valid

    def fill_from(self, tier) -> None:
        """Show a tier's present settings (on a form not being submitted)."""
        self.name.data, self.role.data = tier.name, tier.role
        for locale, field in zip(TRANSLATED_LOCALES, self.name_fields(), strict=True):
            field.data = (tier.name_translations or {}).get(locale, "")
        self.response_hours.data = tier.response_hours
        granted = {a.currency: a.max_credit_minor for a in tier.authorities}
        for currency, field in zip(CURRENCIES, self.authority_fields(), strict=True):
            field.data = amount_value(granted.get(currency), currency)

"""Forms for taking a customer's call: how the caller was verified."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from portal.staff.forms import PurposeForm


class CallForm(FlaskForm):
    method = RadioField(
        _l("How did you verify the caller?"),
        choices=[
            SelectChoice("passcode", _l("The caller gave the account's CPNI passcode")),
            SelectChoice("call_back", _l("I called back the telephone number of record")),
            SelectChoice("email_of_record",
                         _l("I am sending the information to the e-mail address of record")),
            SelectChoice("postal_mail",
                         _l("I am mailing the information to the postal address of record")),
        ],
    )
    passcode = StringField(_l("Passcode the caller gives"),
                           validators=[Optional(), Length(max=40)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300)])

    def validate_passcode(self, field):
        if self.method.data == "passcode" and not (field.data or "").strip():
            raise ValidationError(_("Type the passcode the caller gives."))


class EndCallForm(FlaskForm):
    """Ending the call hides the account's CPNI again."""


class NoCallPurposeForm(PurposeForm):
    """The purpose gate, labelled for work without a caller: a call is verified instead."""

    purpose = SelectField(
        _l("Without a caller on the line, purpose"),
        choices=[SelectChoice("billing", _l("Billing the customer")),
                 SelectChoice("support", _l("Supporting its services (no caller)"))],
    )


class PrintedForm(FlaskForm):
    """Marks a queued letter printed (and posted)."""

"""Forms of the filer's dispute pages: filing, a comment, and the filer's steps.

The disputed amount is typed as the page's locale writes it and read by
portal.amounts.read_amount; each way it can be wrong gets its own message on the field.
Attached files are checked here by billing.disputes.files.check_file, so that a bad one
is named on the form before anything is saved (the domain checks them again when it
stores them).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from billing.core.errors import InvalidInput
from billing.disputes import files as dispute_files
from billing.disputes.rules import MAX_TEXT
from portal.amounts import amount_value, read_amount
from portal.disputes.labels import REASON_LABELS


def parse_claim(text: str | None, currency: str) -> int:
    """The amount a user typed, in minor units; ValidationError saying what is wrong."""
    text = (text or "").strip()
    if text.startswith("-"):
        raise ValidationError(_("The amount cannot be negative: enter what you dispute."))
    minor = read_amount(text, currency)
    if minor is None or minor <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    return minor


class CheckboxesField(SelectMultipleField):
    """Checkboxes whose refusal of a value not offered says so in words, where WTForms
    would speak of choices that "could not be coerced"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Choose only among the lines listed.")) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_("Choose only among the lines listed.")) from None


class AttachmentsField(MultipleFileField):
    """Files from the form as (name, bytes), each checked by content; empty inputs skipped."""

    def uploads(self) -> list[tuple[str, bytes]]:
        if not hasattr(self, "_uploads"):
            chosen = [f for f in self.data or [] if getattr(f, "filename", "")]
            self._uploads = [(f.filename, f.read()) for f in chosen]
        return self._uploads

    def pre_validate(self, form):
        uploads = self.uploads()
        if len(uploads) > dispute_files.MAX_FILES:
            raise ValidationError(_("Attach at most %(count)d files.",
                                    count=dispute_files.MAX_FILES))
        limit = current_app.config["ATTACHMENT_MAX_BYTES"]
        for name, data in uploads:
            try:
                dispute_files.check_file(name, data, limit)
            except InvalidInput as refused:
                raise ValidationError(refused.message) from None


def _attachments():
    return AttachmentsField(_l("Attachments (PDF, PNG, JPEG or CSV)"))


class DisputeForm(FlaskForm):
    """A dispute of one invoice. `lines` are (id, label) of the lines the user may see;
    without them (no CPNI access) the dispute is of the whole invoice."""

    reason = SelectField(_l("Reason"),
                         choices=[SelectChoice(code, name) for code, name in REASON_LABELS.items()],
                         validators=[DataRequired(_l("Choose the reason for the dispute."))])
    amount = StringField(_l("Amount you dispute"),
                         validators=[DataRequired(_l("Enter the amount you dispute."))])
    description = TextAreaField(_l("What is wrong"), validators=[
        DataRequired(_l("Describe what is wrong.")), Length(max=MAX_TEXT)])
    line_ids = CheckboxesField(_l("Disputed lines (none chosen: the whole invoice)"),
                               coerce=int)
    attachments = _attachments()

    def __init__(self, currency: str, lines=(), **kwargs):
        super().__init__(**kwargs)
        self.currency = currency
        self.example = amount_value(12550, currency)
        self.line_ids.choices = [SelectChoice(line_id, label) for line_id, label in lines]
        self.amount_minor: int | None = None

    def validate_amount(self, field):
        self.amount_minor = parse_claim(field.data, self.currency)


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(_l("Write your comment.")), Length(max=MAX_TEXT)])
    attachments = _attachments()


class EscalateForm(FlaskForm):
    note = TextAreaField(_l("Why it should go to the next tier (optional)"),
                         validators=[Optional(), Length(max=MAX_TEXT)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why you withdraw it (optional)"),
                           validators=[Optional(), Length(max=MAX_TEXT)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why it should be looked at again"), validators=[
        DataRequired(_l("Say why the dispute should be reopened.")), Length(max=MAX_TEXT)])

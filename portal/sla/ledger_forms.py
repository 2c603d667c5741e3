"""Forms of the staff ledger pages: outages, trouble tickets, maintenance windows.

Times are typed on the provider's clock (Mountain Time) and kept as UTC instants.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from billing.catalog.models import SLA_FAMILIES
from billing.core.clock import PROVIDER_TZ
from billing.sla.calculation import EXCLUSIONS, PROVIDER_CAUSE
from portal.sla.labels import EXCLUSION_LABELS

TIME_FORMAT = "%Y-%m-%dT%H:%M"


class MountainTimeField(DateTimeLocalField):
    """A datetime-local input read as Mountain Time; `instant` is the same moment in UTC."""

    instant: datetime | None = None

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [DataRequired()], format=TIME_FORMAT, **kwargs)

    def post_validate(self, form, validation_stopped):
        if self.data is None or self.errors:
            return
        instant = self.data.replace(tzinfo=PROVIDER_TZ).astimezone(UTC)
        if instant.astimezone(PROVIDER_TZ).replace(tzinfo=None) != self.data:
            raise ValidationError(_("That time does not exist in Mountain Time: the clocks skip "
                               "it when daylight saving time starts."))
        self.instant = instant


def cause_choices() -> list[SelectChoice]:
    exclusions = [SelectChoice(letter, _l("(%(letter)s) %(exclusion)s", letter=letter,
                                          exclusion=EXCLUSION_LABELS[letter]))
                  for letter in EXCLUSIONS]
    return [SelectChoice(PROVIDER_CAUSE, _l("Provider-managed")), *exclusions]


PLATFORM_LABELS = {"voice": _l("Voice"), "messaging": _l("Messaging")}


class OutageForm(FlaskForm):
    ref = StringField(_l("Reference"), validators=[DataRequired(), Length(max=64)])
    started_at = MountainTimeField(_l("Started (Mountain Time)"))
    ended_at = MountainTimeField(_l("Ended (Mountain Time)"))
    cause = SelectField(_l("Cause"), choices=cause_choices())
    platform = SelectField(_l("Platform"), choices=[
        *(SelectChoice(family, PLATFORM_LABELS[family]) for family in SLA_FAMILIES),
        SelectChoice("", _l("None: only the services listed below"))])
    service_ids = StringField(_l("Affected service ids (separated by commas)"),
                              validators=[Optional(), Length(max=500)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=300)])

    def service_id_list(self) -> list[int] | None:
        """The typed service ids, or None if one of them is not a whole number."""
        parts = (self.service_ids.data or "").replace(";", ",").replace(" ", ",").split(",")
        parts = [part for part in parts if part]
        if not all(part.isascii() and part.isdigit() and len(part) < 10 for part in parts):
            return None
        return sorted({int(part) for part in parts})


class TicketForm(FlaskForm):
    account_number = StringField(_l("Account number"),
                                 validators=[DataRequired(), Length(max=20)])
    opened_at = MountainTimeField(_l("Opened (Mountain Time)"))
    summary = TextAreaField(_l("What failed"), validators=[DataRequired(), Length(max=2000)])
    outage_ref = StringField(_l("Outage reference (optional)"),
                             validators=[Optional(), Length(max=64)])


class LinkTicketForm(FlaskForm):
    ticket_ref = StringField(_l("Ticket reference"), validators=[DataRequired(), Length(max=64)])


class WindowForm(FlaskForm):
    starts_at = MountainTimeField(_l("Starts (Mountain Time)"))
    ends_at = MountainTimeField(_l("Ends (Mountain Time)"))
    description = StringField(_l("What the maintenance is for"),
                              validators=[DataRequired(), Length(max=300)])


class GenerateWindowsForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])

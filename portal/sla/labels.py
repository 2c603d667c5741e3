"""Readable words for SLA credit requests and their stored calculation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from billing.core.money import to_minor

REQUEST_STATE_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"),
                        "rejected": _l("Rejected")}

# The exclusions of the service terms (billing.sla.calculation.EXCLUSIONS), by letter:
# code, not data, so their readable names are translated here.
EXCLUSION_LABELS = {
    "a": _l("Acts or omissions of the customer, its agents or users"),
    "b": _l("A power outage at the customer"),
    "c": _l("A network outside the provider's data centre, or a tier-1 carrier"),
    "d": _l("Scheduled maintenance"),
    "e": _l("Account codes, the client's network or environment, its e-mail client, or DNS"),
    "f": _l("A third-party external connection"),
    "g": _l("A connection brought down by someone outside the provider"),
    "h": _l("The customer's applications, equipment or facilities"),
    "i": _l("Force majeure"),
}

# Why an outage did or did not count; an exclusion's letter is named by reason_label.
REASON_LABELS = {
    "counted": _l("Counted"),
    "no_ticket": _l("Not counted: no trouble ticket was opened for it"),
    "late_ticket": _l("Not counted: the ticket was opened more than 72 hours after the "
                      "outage began"),
    "internet": _l("Not counted: the service is delivered over the Internet, which carries "
                   "no availability guarantee"),
}


def month_label(month: date | str) -> str:
    """The month in words; a presenter's "YYYY-MM" is read as that month's first day."""
    if isinstance(month, str):
        month = date.fromisoformat(f"{month}-01")
    return format_date(month, "LLLL y")


def reason_label(reason: str):
    """Why an outage did or did not count, in words (never a bare letter or code)."""
    if reason in EXCLUSION_LABELS:
        return _("Not counted: %(exclusion)s", exclusion=EXCLUSION_LABELS[reason])
    return REASON_LABELS.get(reason, reason)


def calculation_view(stored: dict, currency: str) -> dict:
    """A calculation snapshot (billing.sla.credits.snapshot) ready for a template:
    instants as datetimes, each outage's verdict in words, the month named."""
    outages = [{**o, "start": datetime.fromisoformat(o["start"]),
                "end": datetime.fromisoformat(o["end"]), "label": reason_label(o["reason"])}
               for o in stored["outages"]]
    # The daily rate is exact in the calculation; shown, it is money, rounded once.
    daily_minor = to_minor(Decimal(stored["daily_rate"]), currency)
    return {**stored, "outages": outages, "daily_rate_minor": daily_minor,
            "month_label": month_label(date.fromisoformat(stored["month"]))}

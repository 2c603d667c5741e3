"""Readable words for SLA credit requests and their stored calculation."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

REQUEST_STATE_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"),
                        "rejected": _l("Rejected")}

# Why an outage did or did not count; the letters are the exclusions of billing.sla.calculation.
REASON_LABELS = {
    "counted": _l("Counted"),
    "no_ticket": _l("Not counted: no trouble ticket was opened for it"),
    "late_ticket": _l("Not counted: the ticket was opened more than 72 hours after the "
                      "outage began"),
    "internet": _l("Not counted: the service is delivered over the Internet, which carries "
                   "no availability guarantee"),
    "a": _l("Excluded (a): acts or omissions of the customer, its agents or users"),
    "b": _l("Excluded (b): a power outage at the customer"),
    "c": _l("Excluded (c): a network outside the provider's data centre, or a tier-1 "
            "carrier"),
    "d": _l("Excluded (d): scheduled maintenance"),
    "e": _l("Excluded (e): account codes, the client's network or environment, its e-mail "
            "client, or DNS"),
    "f": _l("Excluded (f): a third-party external connection"),
    "g": _l("Excluded (g): a connection brought down by someone outside the provider"),
    "h": _l("Excluded (h): the customer's applications, equipment or facilities"),
    "i": _l("Excluded (i): force majeure"),
}


def month_label(month: date | str) -> str:
    """The month in words; a presenter's "YYYY-MM" is read as that month's first day."""
    if isinstance(month, str):
        month = date.fromisoformat(f"{month}-01")
    return format_date(month, "LLLL y")


def reason_label(reason: str):
    return REASON_LABELS.get(reason, reason)


def calculation_view(stored: dict) -> dict:
    """A calculation snapshot (billing.sla.credits.snapshot) ready for a template:
    instants as datetimes, each outage's verdict in words, the month named."""
    outages = [{**o, "start": datetime.fromisoformat(o["start"]),
                "end": datetime.fromisoformat(o["end"]), "label": reason_label(o["reason"])}
               for o in stored["outages"]]
    return {**stored, "outages": outages,
            "month_label": month_label(date.fromisoformat(stored["month"]))}

"""Readable words for disputes: reasons, states, outcomes and timeline steps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REASON_LABELS = {
    "wrong_rate": _l("Wrong rate"),
    "duplicate_charge": _l("Duplicate charge"),
    "service_not_received": _l("Service not received or cancelled"),
    "tax": _l("Tax"),
    "missing_sla_credit": _l("Missing SLA credit"),
    "other": _l("Other"),
}
STATE_LABELS = {
    "open": _l("Open"),
    "waiting": _l("Waiting for your reply"),
    "settled": _l("Settled"),
    "withdrawn": _l("Withdrawn"),
}
STAFF_STATE_LABELS = dict(STATE_LABELS, waiting=_l("Waiting for the filer"))
OUTCOME_LABELS = {
    "full": _l("Full credit"),
    "partial": _l("Partial credit"),
    "denied": _l("Denied"),
}
EVENT_LABELS = {
    "filed": _l("Filed"),
    "assigned": _l("Taken by our team"),
    "commented": _l("Comment"),
    "info_requested": _l("Information requested"),
    "info_provided": _l("Information provided"),
    "escalated": _l("Escalated"),
    "settled": _l("Settled"),
    "reopened": _l("Reopened"),
    "withdrawn": _l("Withdrawn"),
}
ESCALATED_BY_LABELS = {
    "staff": _l("by our team"),
    "filer": _l("at the filer's request"),
    "deadline": _l("automatically: the deadline passed"),
}


def labels() -> dict:
    """Everything the dispute templates need to name things, in one context entry."""
    return {"reasons": REASON_LABELS, "states": STATE_LABELS, "staff_states": STAFF_STATE_LABELS,
            "outcomes": OUTCOME_LABELS, "events": EVENT_LABELS, "by": ESCALATED_BY_LABELS}

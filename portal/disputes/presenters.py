"""Disputes and their timeline events as plain dicts holding only what the policy allows.

A dispute's amounts (disputed, credited, held), its credit note and its chosen lines
say what the customer was charged: CPNI. Without access to the customer's CPNI those
keys are left out altogether and `cpni_withheld` says why, as on invoices.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing.disputes.models import Dispute, DisputeEvent
from billing.parties.users import User
from portal.access import CpniAccess, may_read_text, visible_fields
from portal.invoicing.presenters import customer_ref, line_dict, money, withheld

# The timeline has an endpoint of its own; attachments are served by the pages only.
NOT_IN_DISPUTE_DICT = ("events", "attachments")
PURPOSE_MESSAGE = (
    "Amounts and lines are CPNI. Staff see them in the staff pages once they state a "
    "purpose for the customer; the API has no way to state one."
)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _lines(dispute: Dispute, access: CpniAccess) -> list[dict]:
    """The disputed lines the viewer's access to the invoice's account covers. An end
    customer's section of a rebiller's invoice follows that end customer's approval:
    left out here; callers that check it pass `shown_lines` to dispute_dict."""
    wholesale = dispute.invoice.customer.is_wholesale
    shown = [line for line in dispute.lines if (access.usage or line.kind != "usage")
             and not (wholesale and line.sub_account_id)]
    return [line_dict(line, dispute.currency, access) for line in shown]


FIELD_VALUES = {
    "id": lambda d, a: d.id,
    "reference": lambda d, a: d.reference,
    "invoice": lambda d, a: {"id": d.invoice.id, "number": d.invoice.number},
    "customer": lambda d, a: customer_ref(d.customer),
    "status": lambda d, a: d.status,
    "reason": lambda d, a: d.reason,
    "description": lambda d, a: d.description,
    "tier": lambda d, a: {"level": d.tier.level, "name": d.tier.name},
    "deadline_at": lambda d, a: iso(d.deadline_at),
    "filed_at": lambda d, a: iso(d.filed_at),
    "filed_by": lambda d, a: d.filed_by.name,
    "outcome": lambda d, a: d.outcome,
    "outcome_reason": lambda d, a: d.outcome_reason,
    "settled_at": lambda d, a: iso(d.settled_at),
    "amount": lambda d, a: money(d.amount_minor, d.currency),
    "credit": lambda d, a: money(d.credit_minor, d.currency),
    "held": lambda d, a: money(d.held_minor, d.currency),
    "lines": _lines,
    "credit_note": lambda d, a: d.credit_note.number if d.credit_note else None,
}


def dispute_withheld(access: CpniAccess) -> dict:
    if access.reason == "purpose_required":
        return {"reason": access.reason, "message": PURPOSE_MESSAGE}
    return withheld(access)


def dispute_dict(dispute: Dispute, access: CpniAccess, *, staff_view: bool,
                 viewer: User, shown_lines: list | None = None) -> dict:
    """The dispute as the viewer may see it; staff also see who works it. Texts the
    viewer may not read (access.may_read_text) are null, named in `text_withheld`."""
    fields = [name for name in visible_fields("dispute", access)
              if name not in NOT_IN_DISPUTE_DICT]
    data = {name: FIELD_VALUES[name](dispute, access) for name in fields}
    if "lines" in data and shown_lines is not None:
        data["lines"] = [line_dict(line, dispute.currency, access) for line in shown_lines]
    authors = {"description": dispute.filed_by, "outcome_reason": dispute.settled_by}
    hidden = [name for name, author in authors.items()
              if data.get(name) and not may_read_text(viewer, dispute, author, access)]
    for name in hidden:
        data[name] = None
    if hidden:
        data["text_withheld"] = hidden
    if not access.visible:
        data["cpni_withheld"] = dispute_withheld(access)
    if staff_view:
        data["assigned_to"] = dispute.assigned_to.name if dispute.assigned_to else None
    return data


def shown_events(dispute: Dispute, *, staff_view: bool) -> list[DisputeEvent]:
    """The timeline as the viewer sees it: internal notes are for staff only."""
    return [event for event in dispute.events
            if staff_view or not event.detail.get("internal")]


def event_dict(event: DisputeEvent, *, staff_view: bool, readable: bool = True) -> dict:
    """One timeline step. Events carry no amounts (the dispute has them, under the
    policy), but their bodies are people's words, which may quote charges: a body the
    viewer may not read (`readable`) is null. Outside staff, a staff member is named by
    the tier they answered for."""
    data = {"id": event.id, "kind": event.kind, "at": iso(event.at),
            "tier": {"level": event.tier.level, "name": event.tier.name},
            "actor": _actor(event, staff_view), "body": event.body if readable else None}
    if event.body and not readable:
        data["body_withheld"] = True
    detail = event.detail or {}
    if event.kind == "escalated":
        data.update(from_level=detail.get("from_level"), to_level=detail.get("to_level"),
                    escalated_by=detail.get("by"))
    if event.kind == "settled":
        data["outcome"] = detail.get("outcome")
    if staff_view:
        data["internal"] = bool(detail.get("internal"))
    return data


def _actor(event: DisputeEvent, staff_view: bool) -> dict | None:
    if event.actor is None:
        return None  # the portal itself, e.g. escalation when a deadline passed
    if event.actor.is_staff and not staff_view:
        return {"name": event.tier.name, "staff": True}
    return {"name": event.actor.name, "staff": event.actor.is_staff}

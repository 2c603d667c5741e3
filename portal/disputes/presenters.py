"""Disputes and their timeline events as plain dicts holding only what the policy allows.

A dispute's amounts (disputed, credited, held), its credit note and its chosen lines
say what the customer was charged: CPNI. Without access to the customer's CPNI those
keys are left out altogether and `cpni_withheld` says why, as on invoices.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from billing.disputes.models import Dispute, DisputeEvent
from billing.disputes.rules import is_overdue
from billing.disputes.timeline import paused_since
from billing.invoicing.models import Invoice
from billing.parties.users import User
from portal.access import CpniAccess, end_customer_access, may_read_text, visible_fields
from portal.catalog_names import name_facts, shown_name
from portal.invoicing import listing
from portal.invoicing.presenters import customer_ref, line_dict, money, visible_lines, withheld

# The timeline has an endpoint of its own; attachments are served by the pages only.
NOT_IN_DISPUTE_DICT = ("events", "attachments")
# An end customer's section whose approval was not looked up counts as withheld.
UNCHECKED_SECTION = CpniAccess(False, reason="no_approval")
PURPOSE_MESSAGE = (
    "Amounts and lines are CPNI. Staff see them in the staff pages once they state a "
    "purpose for the customer; the API has no way to state one."
)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _lines(dispute: Dispute, access: CpniAccess) -> list[dict]:
    """The disputed lines the viewer's access to the invoice's account covers. An end
    customer's section of a rebiller's invoice follows that end customer's approval:
    unchecked here, so withheld; callers that check it pass `shown_lines` to
    dispute_dict."""
    unchecked = {}
    if dispute.invoice.customer.is_wholesale:
        unchecked = {line.sub_account_id: UNCHECKED_SECTION for line in dispute.lines
                     if line.sub_account_id}
    shown = visible_lines(dispute.lines, access, unchecked)
    return [line_dict(line, dispute.currency, access) for line in shown]


def shown_lines(session: Session, user: User, invoice: Invoice, grant: CpniAccess,
                now: datetime, lines=None) -> tuple[list, dict]:
    """Of `lines` (default: the invoice's), those the user may see, and the accesses
    that showed them (to log): on a rebiller's invoice each end customer's section
    follows its own approval (access.end_customer_access); the rule itself is the
    invoices' (visible_lines)."""
    if not grant.visible:
        return [], {invoice.customer_id: grant}
    accounts = listing.invoice_accounts(session, invoice)
    sections = end_customer_access(session, user, invoice, accounts, now)
    chosen = visible_lines(invoice.lines if lines is None else lines, grant, sections)
    used = {line.sub_account_id for line in chosen if line.sub_account_id in sections}
    return chosen, {invoice.customer_id: grant, **{sid: sections[sid] for sid in used}}


FIELD_VALUES = {
    "id": lambda d, a: d.id,
    "reference": lambda d, a: d.reference,
    "invoice": lambda d, a: {"id": d.invoice.id, "number": d.invoice.number},
    "customer": lambda d, a: customer_ref(d.customer),
    "status": lambda d, a: d.status,
    "reason": lambda d, a: d.reason,
    "description": lambda d, a: d.description,
    "tier": lambda d, a: {"level": d.tier.level, "name": shown_name(d.tier)},
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
            "tier": {"level": event.tier.level, "name": shown_name(event.tier)},
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
        return {"name": shown_name(event.tier), "staff": True}
    return {"name": event.actor.name, "staff": event.actor.is_staff}


# --- for the pages and mails: the same rule, raw dates for the templates' filters ---------

def page_dict(dispute: Dispute, access: CpniAccess, *, viewer: User, staff_view: bool,
              now: datetime, lines=None) -> dict:
    """The dispute as a page shows it. Amounts, lines and the credit note are there
    only if the access policy lets the viewer see the customer's CPNI (`lines`: those
    shown_lines let through); texts the viewer may not read are None."""
    data = {
        "id": dispute.id, "reference": dispute.reference, "status": dispute.status,
        "active": dispute.is_active, "reason": dispute.reason, "currency": dispute.currency,
        "invoice": {"id": dispute.invoice_id, "number": dispute.invoice.number},
        "customer": customer_ref(dispute.customer),
        "tier": {"level": dispute.tier.level, "name": shown_name(dispute.tier)},
        "filed_at": dispute.filed_at, "filed_by": dispute.filed_by.name,
        "deadline_at": dispute.deadline_at, "overdue": is_overdue(dispute, now),
        "outcome": dispute.outcome, "settled_at": dispute.settled_at,
        "description": _readable(dispute.description, viewer, dispute, dispute.filed_by,
                                 access),
        "outcome_reason": _readable(dispute.outcome_reason, viewer, dispute,
                                    dispute.settled_by, access),
    }
    if staff_view:
        data.update(
            partner=dispute.partner.name if dispute.partner else None,
            assigned_to=dispute.assigned_to.name if dispute.assigned_to else None,
            settled_by=dispute.settled_by.name if dispute.settled_by else None,
            paused_since=paused_since(dispute, now))
    if "amount" in visible_fields("dispute", access):
        shown = dispute.lines if lines is None else lines
        data.update(
            amount_minor=dispute.amount_minor, claimed_minor=dispute.claimed_minor,
            credit_minor=dispute.credit_minor,
            held_minor=dispute.held_minor, has_lines=bool(dispute.lines),
            credit_note=dispute.credit_note.number if dispute.credit_note else None,
            lines=[{"position": line.position, "description": line.description,
                    "amount_minor": line.amount_minor} for line in shown])
    return data


def _readable(text, viewer, dispute, author, access) -> str | None:
    return text if may_read_text(viewer, dispute, author, access) else None


def row_dict(dispute: Dispute, access: CpniAccess, now: datetime) -> dict:
    """One row of a dispute list; the amount only under the access policy."""
    data = {"id": dispute.id, "reference": dispute.reference, "status": dispute.status,
            "reason": dispute.reason, "currency": dispute.currency,
            "invoice": {"id": dispute.invoice_id, "number": dispute.invoice.number},
            "customer": customer_ref(dispute.customer),
            "tier": {"level": dispute.tier.level, "name": shown_name(dispute.tier)},
            "deadline_at": dispute.deadline_at, "overdue": is_overdue(dispute, now),
            "filed_at": dispute.filed_at,
            "assigned_to": dispute.assigned_to.name if dispute.assigned_to else None}
    if "amount" in visible_fields("dispute", access):
        data["amount_minor"] = dispute.amount_minor
    return data


def timeline(dispute: Dispute, access: CpniAccess, *, viewer: User, staff_view: bool,
             hidden_files=()) -> list[dict]:
    """The timeline as the viewer sees it (shown_events, event_dict), with each
    event's files; a file in `hidden_files` is only counted, and a settlement's credit
    shows only under the access policy."""
    events = []
    for event in shown_events(dispute, staff_view=staff_view):
        readable = may_read_text(viewer, dispute, event.actor, access)
        data = event_dict(event, staff_view=True, readable=readable)
        data.update(at=event.at, actor=_actor(event, staff_view),
                    internal=bool(event.detail.get("internal")))
        if access.visible and event.detail.get("credit_minor"):
            data["credit_minor"] = event.detail["credit_minor"]
        files = [a for a in dispute.attachments if a.event_id == event.id]
        data["files"] = [{"id": a.id, "filename": a.filename, "size": a.size}
                         for a in files if a.id not in hidden_files]
        data["files_withheld"] = len(files) - len(data["files"])
        events.append(data)
    return events


def attachment_list(dispute: Dispute) -> list[dict]:
    """Every file of the dispute with who sent it, for staff who opened its CPNI."""
    return [{"id": a.id, "filename": a.filename, "size": a.size,
             "uploaded_by": a.uploaded_by.name, "uploaded_at": a.uploaded_at}
            for a in dispute.attachments]


def mail_dict(dispute: Dispute) -> dict:
    """What a notice names: the dispute, its invoice, tier, deadline and partner;
    never amounts, lines or words (e-mail is no place to disclose CPNI)."""
    return {"id": dispute.id, "reference": dispute.reference,
            "invoice": {"number": dispute.invoice.number},
            "tier": name_facts(dispute.tier), "deadline_at": dispute.deadline_at,
            "partner": {"name": dispute.partner.name} if dispute.partner else None}

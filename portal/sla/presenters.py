"""SLA credit requests, trouble tickets and outages as plain dicts for pages and the API.

Which service a credit is for, its hours, amount, decision reason, credit note and the
stored calculation (the service's monthly charge, daily rate, cap) say what the customer
buys and pays: CPNI. They appear only when the access policy lets the viewer see the
customer's CPNI; otherwise the dict keeps the account, month and state, and says why
the rest is withheld. Tickets and the outage ledger describe failures, not the
customer's services or charges, and are shown to everyone who may see the account.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing.sla.models import Outage, SlaCreditRequest, TroubleTicket
from portal.access import CpniAccess, visible_fields
from portal.catalog_names import shown_name
from portal.invoicing.presenters import customer_ref, money, withheld


def credit_request_dict(found: SlaCreditRequest, grant: CpniAccess, *,
                        with_calculation: bool = False) -> dict:
    """The request as the viewer may see it; without CPNI access only its account,
    month, state and dates."""
    data = {"id": found.id, "customer": customer_ref(found.customer),
            "month": f"{found.month:%Y-%m}", "status": found.status,
            "currency": found.currency, "requested_at": instant(found.requested_at),
            "decided_at": instant(found.decided_at) if found.decided_at else None}
    if "credit" not in visible_fields("sla_credit_request", grant):
        return {**data, "cpni_withheld": withheld(grant)}
    data.update(
        service={"id": found.service_id, "product": shown_name(found.service.product),
                 "description": found.service.description},
        hours=found.hours, credit=money(found.credit_minor, found.currency),
        decision_reason=found.decision_reason,
        credit_note=found.credit_note.number if found.credit_note else None)
    if with_calculation:
        data["calculation"] = found.calculation
    return data


def credit_request_dicts(requests, grants: dict[int, CpniAccess]) -> list[dict]:
    """Each request as the viewer may see it, by its customer's access in `grants`."""
    return [credit_request_dict(r, grants[r.customer_id]) for r in requests]


def ticket_dict(ticket: TroubleTicket) -> dict:
    return {"id": ticket.id, "ref": ticket.ref, "customer": customer_ref(ticket.customer),
            "opened_at": instant(ticket.opened_at), "source": ticket.source,
            "outage_ref": ticket.outage.ref if ticket.outage else None,
            "summary": ticket.summary}


def ledger_ticket_dict(ticket: TroubleTicket, deadline: datetime | None = None) -> dict:
    """A ticket for the staff ledger's tables: also its outage's id, to link, and whether
    it was opened by `deadline`, the last moment that makes the outage count."""
    in_time = deadline is not None and ticket.opened_at <= deadline
    return {**ticket_dict(ticket), "outage_id": ticket.outage_id, "in_time": in_time}


def outage_dict(outage: Outage) -> dict:
    return {"id": outage.id, "ref": outage.ref, "started_at": instant(outage.started_at),
            "ended_at": instant(outage.ended_at), "cause": outage.cause,
            "platform": outage.platform, "service_ids": sorted(s.id for s in outage.services),
            "summary": outage.summary}


def instant(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the API has always written instants."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

"""Import kinds for the SLA ledger: outages from monitoring and trouble tickets from support."""

from __future__ import annotations

from sqlalchemy import select

from billing.catalog.models import SLA_FAMILIES, Service
from billing.core.numbers import whole_number
from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import account_lookup, refuse_duplicate
from billing.imports.upserts import upsert
from billing.sla.calculation import CAUSES
from billing.sla.credits import record_outage
from billing.sla.models import Outage, TroubleTicket


class OutageKind:
    """The provider's outage ledger, e.g. exported from monitoring; key `ref`."""

    name = "outages"
    columns = ("ref", "started_at", "ended_at", "cause", "platform", "service_ids", "summary")

    def context(self, session):
        return {"services": set(session.scalars(select(Service.id)))}

    def parse(self, context, row):
        values = {"ref": f.text(row, "ref", max_length=64),
                  "started_at": f.instant(row, "started_at"),
                  "ended_at": f.instant(row, "ended_at"),
                  "cause": f.choice(row, "cause", CAUSES),
                  "platform": f.choice(row, "platform", SLA_FAMILIES)
                  if row["platform"] else None,
                  "service_ids": _service_ids(context, row),
                  "summary": f.text(row, "summary", max_length=300)}
        if values["ended_at"] <= values["started_at"]:
            raise RowInvalid("ended_at", "is not after started_at")
        if values["platform"] is None and not values["service_ids"]:
            raise RowInvalid("platform", "name the platform or the affected service_ids")
        return values

    def check(self, context, values):
        refuse_duplicate(context, values["ref"], "ref")

    def save(self, session, rows):
        rows = list(rows)  # read twice; outage files are small
        refs = [values["ref"] for values in rows]
        known = set(session.scalars(select(Outage.ref).where(Outage.ref.in_(refs))))
        for values in rows:
            ids = values.pop("service_ids")
            services = session.scalars(select(Service).where(Service.id.in_(ids))).all()
            record_outage(session, services=list(services), **values)
        created = sum(1 for ref in refs if ref not in known)
        return created, len(refs) - created


def _service_ids(context, row) -> list[int]:
    ids = []
    for part in filter(None, (p.strip() for p in row["service_ids"].split(";"))):
        number = whole_number(part)
        if number is None:
            raise RowInvalid("service_ids", f"{part!r} is not a service id")
        if number not in context["services"]:
            raise RowInvalid("service_ids", f"no service {number}")
        ids.append(number)
    return sorted(set(ids))


class TroubleTicketKind:
    """Trouble tickets from the support system; key `ref`. New ones have source support."""

    name = "trouble_tickets"
    columns = ("ref", "account_number", "opened_at", "outage_ref", "summary")

    def context(self, session):
        return {"accounts": account_lookup(session),
                "outages": dict(session.execute(select(Outage.ref, Outage.id)).all())}

    def parse(self, context, row):
        customer_id, _ = f.reference(context["accounts"], row, "account_number", "account")
        return {"ref": f.text(row, "ref", max_length=64), "customer_id": customer_id,
                "opened_at": f.instant(row, "opened_at"),
                "outage_id": f.reference(context["outages"], row, "outage_ref", "outage",
                                         required=False),
                "summary": f.text(row, "summary", max_length=2000)}

    def check(self, context, values):
        refuse_duplicate(context, values["ref"], "ref")

    def save(self, session, rows):
        rows = list(rows)  # read twice; ticket files are small
        refs = [values["ref"] for values in rows]
        known = set(session.scalars(select(TroubleTicket.ref)
                                    .where(TroubleTicket.ref.in_(refs))))
        # A ticket first opened elsewhere (the portal, the API) keeps its source.
        rows = [values if values["ref"] in known else {**values, "source": "support"}
                for values in rows]
        return upsert(session, TroubleTicket, ("ref",), rows)

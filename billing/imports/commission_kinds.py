"""Import kind for commission plans: a partner's percent per charge category from a date."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from billing.commissions.models import CommissionPlan
from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import refuse_duplicate
from billing.imports.upserts import upsert
from billing.parties.models import Partner

HUNDRED = Decimal(100)


class CommissionPlanKind:
    name = "commission_plans"
    columns = ("partner_code", "effective_from", "recurring_rate", "usage_rate",
               "one_time_rate")
    key = ("partner_id", "effective_from")

    def context(self, session):
        rows = session.execute(select(Partner.code, Partner.id, Partner.kind))
        return {"partners": {code: (pid, kind) for code, pid, kind in rows}}

    def parse(self, context, row):
        partner_id, kind = f.reference(context["partners"], row, "partner_code", "partner")
        if kind == "wholesale":
            raise RowInvalid("partner_code", "a wholesale rebiller earns no commission")
        values = {"partner_id": partner_id, "effective_from": f.day(row, "effective_from")}
        for column in self.columns[2:]:
            rate = f.number(row, column, places=4)
            if rate > HUNDRED:
                raise RowInvalid(column, f"{rate} is more than 100 percent")
            values[column] = rate
        return values

    def check(self, context, values):
        refuse_duplicate(context, tuple(values[k] for k in self.key), "effective_from")

    def save(self, session, rows):
        return upsert(session, CommissionPlan, self.key, rows)

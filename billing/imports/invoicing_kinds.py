"""Import kinds for what invoices are made from: rated usage records and telecom tax rates."""

from __future__ import annotations

from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import account_lookup, refuse_duplicate
from billing.imports.upserts import copy_upsert, upsert
from billing.invoicing.tax_models import TAX_KINDS, TaxRate
from billing.invoicing.usage_models import CALL_TYPES, UsageRecord


class UsageKind:
    name = "usage"
    columns = ("source_ref", "account_number", "call_type", "destination", "started_at",
               "minutes", "rate")
    fields = ("source_ref", "customer_id", "call_type", "destination", "started_at",
              "minutes", "rate")

    def context(self, session):
        return {"accounts": account_lookup(session)}

    def parse(self, context, row):
        customer_id, _ = f.reference(context["accounts"], row, "account_number", "account")
        return {"source_ref": f.text(row, "source_ref", max_length=64),
                "customer_id": customer_id,
                "call_type": f.choice(row, "call_type", CALL_TYPES),
                "destination": f.text(row, "destination", required=False, max_length=64),
                "started_at": f.instant(row, "started_at"),
                "minutes": f.number(row, "minutes"), "rate": f.number(row, "rate")}

    def check(self, context, values):
        refuse_duplicate(context, values["source_ref"], "source_ref")

    def save(self, session, rows):
        if session.get_bind().dialect.name == "postgresql":
            return copy_upsert(session, UsageRecord, "source_ref", self.fields, rows)
        return upsert(session, UsageRecord, ("source_ref",), rows)


class TaxRateKind:
    name = "tax_rates"
    columns = ("tax_type", "name", "kind", "country", "region", "locality", "rate",
               "base_share", "currency", "effective_from")

    def context(self, session):
        return {}

    def parse(self, context, row):
        values = {"tax_type": f.text(row, "tax_type", max_length=40),
                  "name": f.text(row, "name", max_length=120),
                  "kind": f.choice(row, "kind", TAX_KINDS),
                  "country": f.text(row, "country", max_length=2).upper(),
                  "region": f.text(row, "region", required=False, max_length=40),
                  "locality": f.text(row, "locality", required=False, max_length=80),
                  "rate": f.number(row, "rate"),
                  "base_share": f.number(row, "base_share") if row["base_share"] else 1,
                  "currency": f.currency(row, "currency", required=False),
                  "effective_from": f.day(row, "effective_from")}
        if values["kind"] in ("per_line", "per_number") and not values["currency"]:
            raise RowInvalid("currency", "a per-line or per-number fee needs a currency")
        return values

    def check(self, context, values):
        key = tuple(values[k] for k in self.key)
        refuse_duplicate(context, key, "effective_from")

    key = ("tax_type", "country", "region", "locality", "effective_from")

    def save(self, session, rows):
        return upsert(session, TaxRate, self.key, rows)

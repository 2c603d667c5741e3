"""Import kinds for what invoices are made from: rated usage records and telecom tax rates."""

from __future__ import annotations

from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import refuse_duplicate
from billing.imports.upserts import upsert
from billing.imports.usage_import import COLUMNS, import_usage
from billing.invoicing.tax_models import TAX_KINDS, TaxRate


class UsageKind:
    """Rated calls, keyed by source_ref; read once and checked as a set (usage_import)."""

    name = "usage"
    columns = COLUMNS

    def import_file(self, session, open_file, progress):
        return import_usage(session, open_file, progress)


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

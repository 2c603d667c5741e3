"""The OpenAPI description of the ageing endpoint, merged into openapi.document()."""

from __future__ import annotations

from billing.collections.ageing import BUCKETS
from portal.api.openapi import _json, _one, _param, _ref

DAY = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-"}

SCHEMAS = {
    "Ageing": {"type": "object", "description": (
        "What accounts owe at the end of as_of, per currency, by days past the due date "
        "(provider calendar): current (not yet due), 1-30, 31-60, 61-90, 90+ days past "
        "due, and disputed (held by open disputes, in no day bucket). Totals only. A "
        "partner's totals cover only the customers whose CPNI approval for it is in force; "
        "withheld_accounts counts the others (all of them, owing or not)."),
        "properties": {
            "as_of": {"type": "string", "format": "date"},
            "withheld_accounts": {"type": "integer", "nullable": True, "description": (
                "Partner tokens: accounts left out for want of approval. Staff: null.")},
            "currencies": {"type": "array", "items": {"type": "object", "properties": {
                "currency": {"type": "string"},
                "accounts": {"type": "integer",
                             "description": "Accounts with an amount in this currency."},
                "buckets": {"type": "object", "properties": {
                    bucket: _ref("Money") for bucket in BUCKETS}},
                "collectible": {**_ref("Money"),
                                "description": "The day buckets added up."}}}}}},
}

PATHS = {
    "/ageing": {"get": {
        "summary": "Receivables ageing", "operationId": "getAgeing",
        "parameters": [_param("as_of", (
            "The day (YYYY-MM-DD, years 2000-2100), today by default. A past day reads "
            "what was billed, paid and held then; a day to come ages today's receivables "
            "to that day."), DAY)],
        "responses": _json(_one("Ageing"))}},
}

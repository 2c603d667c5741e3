"""The OpenAPI description of the reconciliation endpoints, merged into openapi.document()."""

from __future__ import annotations

from billing.reconciliation.models import RUN_KINDS, RUN_STATES
from billing.reconciliation.rebiller_models import REBILLER_CLASSES, ROW_KINDS
from portal.api.openapi import CUSTOMER_REF, ID, PAGING, _json, _list_of, _one, _param, _ref

MONEY = _ref("Money")
CLASS = {"type": "string", "enum": list(REBILLER_CLASSES)}
ROW = {"type": "object", "description": (
    "One compared item of a rebiller run. Listed only for end customers whose CPNI "
    "approval for you is in force (billing staff: all)."), "properties": {
    "end_customer": CUSTOMER_REF, "kind": {"type": "string", "enum": list(ROW_KINDS)},
    "code": {"type": "string", "description": (
        "Product code, usage:<call type>, 'tax', or the retail invoice's number.")},
    "class": CLASS, "currency": {"type": "string"},
    "wholesale_quantity": {"type": "string", "nullable": True},
    "retail_quantity": {"type": "string", "nullable": True},
    **{name: MONEY for name in ("wholesale", "retail", "wholesale_tax", "retail_tax", "paid",
                                "at_stake")},
    "due_date": {"type": "string", "format": "date", "nullable": True}}}
CLASS_FIGURES = {"type": "object", "properties": {
    "class": CLASS, "count": {"type": "integer", "description": "Rows of the class, all."},
    "withheld_count": {"type": "integer", "description": (
        "Rows of end customers whose approval for you is not in force: counted, not shown.")},
    "at_stake": {"type": "array", "items": MONEY, "description": (
        "Per currency, summed over the rows you may see only.")}}}

SCHEMAS = {
    "Reconciliation": {"type": "object", "description": (
        "A reconciliation run. Billing staff see every run; a rebiller sees its own "
        "rebiller runs; others see none (404)."), "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(RUN_KINDS)},
        "input_label": {"type": "string"},
        "state": {"type": "string", "enum": list(RUN_STATES)},
        "started_by": {"type": "string"},
        "started_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": "string", "format": "date-time", "nullable": True},
        "progress": {"type": "object", "properties": {"done": {"type": "integer"},
                                                      "total": {"type": "integer"}}},
        "failure": {"type": "string", "nullable": True},
        "period": {"type": "string", "nullable": True, "example": "2026-05"},
        "window_start": {"type": "string", "format": "date-time", "nullable": True},
        "window_end": {"type": "string", "format": "date-time", "nullable": True},
        "partner_id": {"type": "integer", "description": "Rebiller runs only."},
        "figures": {"type": "array", "description": "Payment runs only.", "items": {
            "type": "object", "properties": {"class": {"type": "string"},
                                             "currency": {"type": "string"},
                                             "count": {"type": "integer"},
                                             "at_stake": MONEY}}},
        "classes": {"type": "array", "items": CLASS_FIGURES,
                    "description": "Rebiller runs only."},
        "own_bill": {"type": "array", "description": (
            "Rebiller runs, reading one run: the rebiller's wholesale invoices."),
            "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "number": {"type": "string"}, "total": MONEY}}},
        "rows": {"type": "array", "items": ROW,
                 "description": "Rebiller runs, reading one run only."}}},
}

PATHS = {
    "/reconciliations": {"get": {
        "summary": "List reconciliation runs", "operationId": "listReconciliations",
        "description": "Newest first.",
        "parameters": [_param("kind", "Only runs of this kind.",
                              {"type": "string", "enum": list(RUN_KINDS)}), *PAGING],
        "responses": _json(_list_of("Reconciliation"))}},
    "/reconciliations/{run_id}": {"get": {
        "summary": "Read a reconciliation run with its rows",
        "operationId": "getReconciliation",
        "parameters": [_param("run_id", "Run id.", ID, "path")],
        "responses": _json(_one("Reconciliation"))}},
}

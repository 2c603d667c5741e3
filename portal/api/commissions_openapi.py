"""The OpenAPI description of the commission endpoint, merged into openapi.document()."""

from __future__ import annotations

from portal.api.openapi import ID, _json, _one, _param, _ref

MONTH = {"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"}

MONEY_BY_CATEGORY = {"type": "object", "properties": {
    name: _ref("Money") for name in ("recurring", "usage", "one_time")}}
GROUP = {"type": "object", "properties": {
    "sub_agent": {"type": "object", "nullable": True, "description": (
        "The sub-agent the overrides came through; null for the accounts the partner "
        "serves itself."), "properties": {"id": {"type": "integer"},
                                          "name": {"type": "string"}}},
    "accounts": {"type": "array", "description": (
        "Accounts whose CPNI approval for you is in force, each with its commission."),
        "items": {"type": "object", "properties": {
            "account_number": {"type": "string"}, "name": {"type": "string"},
            "currency": {"type": "string"}, "categories": MONEY_BY_CATEGORY,
            "total": _ref("Money")}}},
    "others": {"type": "array", "description": (
        "Every other account, added up: one line per currency with how many accounts."),
        "items": {"type": "object", "properties": {
            "currency": {"type": "string"}, "accounts": {"type": "integer"},
            "total": _ref("Money")}}},
    "totals": {"type": "array", "items": _ref("Money")}}}

SCHEMAS = {
    "CommissionStatement": {"type": "object", "description": (
        "What one partner earned in one provider calendar month: as the serving partner "
        "and, for an agency, as overrides per sub-agent. Negative amounts are clawbacks "
        "of refunded or charged-back money."), "properties": {
        "partner": {"type": "object", "properties": {
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}}},
        "month": {"type": "string", "example": "2026-03"},
        "status": {"type": "string", "nullable": True, "enum": ["draft", "approved"],
                   "description": "draft: pending approval; null: no run yet."},
        "groups": {"type": "array", "items": GROUP},
        "totals": {"type": "array", "items": _ref("Money"),
                   "description": "Payable per currency."}}},
}

PATHS = {
    "/commissions": {"get": {
        "summary": "A partner's commission for a month", "operationId": "getCommissions",
        "parameters": [
            _param("month", "YYYY-MM, a provider calendar month (default: this month).",
                   MONTH),
            _param("partner_id", "A partner within your reach (default: your own); "
                   "required for staff.", ID)],
        "responses": _json(_one("CommissionStatement"))}},
}

"""The OpenAPI description of the payment endpoints, merged into openapi.document()."""

from __future__ import annotations

from billing.core.money import MINOR_DIGITS
from portal.api.openapi import CUSTOMER_REF, ID, PAGING, _json, _list_of, _one, _param, _ref

CPNI = ("CPNI: present only when you may see the customer's figures; otherwise "
        "cpni_withheld says why.")
ALLOCATION = {"type": "object", "properties": {
    "invoice": {"type": "object", "properties": {"id": {"type": "integer"},
                                                 "number": {"type": "string"}}},
    "amount": {**_ref("Money"), "description": (
        "What the payment paid on the invoice; negative where a refund or chargeback "
        "took it back (reversal_id names it).")},
    "at": {"type": "string", "format": "date-time"},
    "reversal_id": {"type": "integer", "nullable": True}}}
REVERSAL = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": ["refund", "chargeback", "chargeback_reversal"]},
    "amount": _ref("Money"), "at": {"type": "string", "format": "date-time"},
    "reason": {"type": "string"}}}

SCHEMAS = {
    "Payment": {"type": "object", "description": (
        "Money received from one account. A partner sees only the payments of customers "
        "whose CPNI approval for it is in force; the others are not listed and answer "
        "404. Staff see every payment but, with no purpose stated over the API, without "
        "its figures."), "properties": {
        "id": {"type": "integer"},
        "customer": {**CUSTOMER_REF, "nullable": True,
                     "description": "None while the payment waits in the suspense queue."},
        "currency": {"type": "string"},
        "received_at": {"type": "string", "format": "date-time", "description": CPNI},
        "amount": {**_ref("Money"), "description": CPNI},
        "method": {"type": "string", "enum": ["card", "sepa_debit", "cheque", "wire", "ach"]},
        "reference": {"type": "string"},
        "source": {"type": "string", "enum": ["stripe", "staff", "report", "demo"]},
        "class": {"type": "string",
                  "enum": ["matched", "partial", "overpaid", "duplicate", "unmatched"]},
        "named_invoices": {"type": "array", "items": {"type": "string"}},
        "allocated": _ref("Money"),
        "unapplied": {**_ref("Money"), "description": "Credit left on the account."},
        "refunded": {**_ref("Money"), "description": (
            "Refunded and charged back, less chargebacks reversed.")},
        "allocations": {"type": "array", "items": ALLOCATION,
                        "description": "Only when reading one payment."},
        "reversals": {"type": "array", "items": REVERSAL,
                      "description": "Only when reading one payment."},
        "cpni_withheld": _ref("Withheld")}},
}

DAY = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-"}

PATHS = {
    "/payments": {"get": {
        "summary": "List payments", "operationId": "listPayments",
        "description": "Newest first.",
        "parameters": [
            _param("account", "Only this account number's payments."),
            _param("from", "Received on or after this day (YYYY-MM-DD, years 2000-2100).",
                   DAY),
            _param("to", "Received on or before this day (YYYY-MM-DD, years 2000-2100).",
                   DAY),
            _param("currency", "Only payments in this currency, such as USD.",
                   {"type": "string", "enum": sorted(MINOR_DIGITS)}),
            _param("class", "Only payments of this class.", {"type": "string", "enum": [
                "matched", "partial", "overpaid", "duplicate", "unmatched"]}),
            *PAGING],
        "responses": _json(_list_of("Payment"))}},
    "/payments/{payment_id}": {"get": {
        "summary": "Read a payment with what it paid and what went back",
        "operationId": "getPayment",
        "parameters": [_param("payment_id", "Payment id.", ID, "path")],
        "responses": _json(_one("Payment"))}},
}

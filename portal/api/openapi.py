"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from billing.core.numbers import MAX_ID
from billing.invoicing.models import INVOICE_STATUSES
from portal.paging import MAX_SEARCH

# What the validation accepts, stated: ids fit the INTEGER columns; query text is short and
# has no NUL (refused before any view runs, portal/guards.py).
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NO_NUL_TEXT = "[^\\x00]*"
NO_NUL = f"^{NO_NUL_TEXT}$"


def text(max_length: int = MAX_SEARCH, **more) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": NO_NUL, **more}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, description: str, schema: dict | None = None, where: str = "query"):
    """A parameter; an empty query parameter (name=) is the same as leaving it out."""
    param = {"name": name, "in": where, "required": where == "path",
             "description": description, "schema": schema or text()}
    if where == "query":
        param["allowEmptyValue"] = True
    return param


ERRORS = {
    status: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
    for status, text in {
        "400": "Malformed parameter (code invalid_input).",
        "401": "Missing, forged or revoked token (code unauthorized).",
        "404": "No such object within your reach (code not_found).",
    }.items()
}
PAGING = [
    _param("limit", "Rows per page, 1 to 200 (default 50).",
           {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
    _param("cursor", "next_cursor from the previous page: the last id it listed.",
           {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}),
]


def _json(schema: dict, description: str = "OK") -> dict:
    return {"200": {"description": description,
                    "content": {"application/json": {"schema": schema}}}, **ERRORS}


def _list_of(name: str) -> dict:
    return {"type": "object", "properties": {
        "data": {"type": "array", "items": _ref(name)},
        "next_cursor": {"type": "string", "nullable": True}}}


def _one(name: str) -> dict:
    return {"type": "object", "properties": {"data": _ref(name)}}


MONEY = {"type": "object", "properties": {
    "minor": {"type": "integer", "description": "Integer minor units (cents)."},
    "currency": {"type": "string", "example": "USD"},
    "amount": {"type": "string", "example": "12.34"}}}
WITHHELD = {"type": "object", "description": (
    "Present instead of the CPNI fields when the customer has not approved your access."),
    "properties": {"reason": {"type": "string", "example": "no_approval"},
                   "message": {"type": "string"}}}
CUSTOMER_REF = {"type": "object", "properties": {
    "id": {"type": "integer"}, "account_number": {"type": "string"}, "name": {"type": "string"}}}


def _schemas() -> dict:
    # "disputed": what open disputes hold back; "amount_due_without_disputed": what is
    # due now, the part chased for payment.
    # "paid": what payments paid of it; "open": what is still unpaid, disputed or not.
    money_fields = ("subtotal", "tax", "credits", "total", "paid", "open", "amount_due",
                    "disputed", "amount_due_without_disputed")
    return {
        "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}}},
        "Money": MONEY,
        "Withheld": WITHHELD,
        "Customer": {"type": "object", "properties": {
            **CUSTOMER_REF["properties"],
            "parent_id": {"type": "integer", "nullable": True},
            "email_of_record": {"type": "string"}, "phone_of_record": {"type": "string"},
            "postal_address": {"type": "array", "items": {"type": "string"}},
            "locale": {"type": "string"}, "currency": {"type": "string"},
            "vat_number": {"type": "string", "nullable": True},
            "partner": {"type": "string", "nullable": True},
            "services": {"type": "array", "items": {"type": "object"},
                         "description": "CPNI: only with the customer's approval."},
            "cpni_withheld": _ref("Withheld")}},
        "InvoiceLine": {"type": "object", "properties": {
            "kind": {"type": "string"}, "description": {"type": "string"},
            "call_type": {"type": "string", "nullable": True},
            "jurisdiction": {"type": "string", "nullable": True},
            "sub_account_id": {"type": "integer", "nullable": True},
            "quantity": {"type": "string", "description": (
                "Exact: usage minutes as rated (the amount is rated on them), a tax's "
                "taxable base when rate_unit is percent.")},
            "unit_price": {"type": "string"},
            "rate_unit": {"type": "string", "nullable": True,
                          "enum": ["minute", "month", "percent", "line", "number", None],
                          "description": "What unit_price is per; null on older lines."},
            "call_count": {"type": "integer", "nullable": True,
                           "description": "Usage lines: how many calls the minutes are of."},
            "amount": _ref("Money")}},
        "Invoice": {"type": "object", "properties": {
            "id": {"type": "integer"}, "number": {"type": "string"},
            "customer": CUSTOMER_REF, "period": {"type": "string", "example": "2026-03"},
            "period_start": {"type": "string", "format": "date"},
            "period_end": {"type": "string", "format": "date"},
            "issue_date": {"type": "string", "format": "date"},
            "due_date": {"type": "string", "format": "date"},
            "status": {"type": "string",
                       "enum": ["issued", "partially_paid", "paid", "void"]},
            "currency": {"type": "string"},
            "overdue": {"type": "boolean", "description": (
                "Past its due date with an amount still due (disputed amounts aside). A "
                "status, not CPNI: shown even when the amounts are withheld.")},
            "standing": {"type": "string", "enum": [
                "draft", "issued", "partly_paid", "paid", "overdue", "void"], "description": (
                "Where its payment stands: paid (nothing open), overdue (see overdue), "
                "partly_paid, or issued (unpaid, not yet due). A status, not CPNI.")},
            "bill_to": {"type": "object", "description": (
                "Who the invoice bills, as issued: name, address, country, vat_number.")},
            **{name: _ref("Money") for name in money_fields},
            "lines": {"type": "array", "items": _ref("InvoiceLine")},
            "sections": {"type": "array", "description": (
                "The lines grouped by account: a corporate invoice has one section for the "
                "corporate account and one per location, each with its subtotal. A "
                "rebiller's wholesale invoice has one section per end customer; a section "
                "whose end customer has not approved the rebiller has no lines and no "
                "subtotal, only cpni_withheld."),
                "items": {"type": "object", "properties": {
                    "account": CUSTOMER_REF, "subtotal": _ref("Money"),
                    "lines": {"type": "array", "items": _ref("InvoiceLine")},
                    "cpni_withheld": _ref("Withheld"),
                    "usage_withheld": _ref("Withheld")}}},
            "own_bill": {"type": "array", "description": (
                "On a rebiller's wholesale invoice only: the rebiller's own bill summed per "
                "service (kind charge: a catalogue product; usage: a call type; tax; credit), "
                "shown whatever its end customers approved; it names no end customer."),
                "items": {"type": "object", "properties": {
                    "kind": {"type": "string", "enum": ["charge", "usage", "tax", "credit"]},
                    "name": {"type": "string"},
                    "quantity": {"type": "string", "nullable": True},
                    "amount": _ref("Money")}}},
            "activity": {"type": "array", "description": (
                "Payments allocated to the invoice, their refunds and chargebacks, and the "
                "credit notes applied on it, oldest first. Amounts, so CPNI: only with the "
                "customer's approval, and only on a single invoice."),
                "items": {"type": "object", "properties": {
                    "kind": {"type": "string", "enum": [
                        "payment", "refund", "chargeback", "chargeback_reversal", "credit"]},
                    "on": {"type": "string", "format": "date"},
                    "method": {"type": "string", "nullable": True},
                    "reason": {"type": "string", "nullable": True},
                    "reference": {"type": "string"},
                    "amount": _ref("Money")}}},
            "usage_withheld": {**_ref("Withheld"), "description": (
                "Present when the customer approved billing detail only: usage lines and "
                "call types are left out.")},
            "cpni_withheld": _ref("Withheld")}},
    }


APPROVAL_FILTER = ("The state of your approval (partner tokens; staff tokens list every "
                   "customer whatever its approvals).")

NUMBER_SEARCH = ("Invoice number, exact or its beginning, case-insensitive, surrounding "
                 "spaces ignored (e.g. USD-2026-0001). Only invoices you may list are "
                 "searched: a number outside your reach finds nothing. Drafts have no "
                 "number. Over 100 characters, or a control character: 400.")


def document() -> dict:
    customer_id = _param("customer_id", "Customer id.", ID, "path")
    invoice_id = _param("invoice_id", "Invoice id.", ID, "path")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Partner billing portal API", "version": "1.0.0", "description": (
            "Read your customers and their invoices. Charges, services and usage are CPNI: "
            "they are omitted, with a cpni_withheld object saying why, unless the customer "
            "has approved your access.")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": _schemas()},
        "paths": {
            "/customers": {"get": {"summary": "List customers", "operationId": "listCustomers",
                "parameters": [_param("q", "Name or account number contains."),
                               _param("cpni", APPROVAL_FILTER, {"type": "string", "enum": [
                                   "none", "active", "revoked", "expired"]}), *PAGING],
                "responses": _json(_list_of("Customer"))}},
            "/customers/{customer_id}": {"get": {"summary": "Read a customer",
                "operationId": "getCustomer", "parameters": [customer_id],
                "responses": _json(_one("Customer"))}},
            "/invoices": {"get": {"summary": "List invoices", "operationId": "listInvoices",
                "parameters": [_param("period", "YYYY-MM, the month the period ends.", {
                                   "type": "string",
                                   "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"}),
                               _param("status", "Invoice status.", {
                                   "type": "string", "enum": list(INVOICE_STATUSES)}),
                               _param("customer_id", "Only this customer.", ID),
                               _param("number", NUMBER_SEARCH, {"type": "string",
                                                                "maxLength": 100}),
                               *PAGING],
                "responses": _json(_list_of("Invoice"))}},
            "/invoices/{invoice_id}": {"get": {"summary": "Read an invoice with its lines",
                "operationId": "getInvoice", "parameters": [invoice_id],
                "responses": _json(_one("Invoice"))}},
            "/invoices/{invoice_id}/pdf": {"get": {"summary": "Download the invoice PDF",
                "operationId": "getInvoicePdf", "parameters": [invoice_id],
                "responses": {"200": {"description": "The PDF", "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                    **ERRORS}}},
            "/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                "security": [], "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        },
    }


def _with_endpoints(build, module: str):
    """Add the endpoints described beside their views in `module` (PATHS, SCHEMAS)."""

    def described() -> dict:
        from importlib import import_module

        parts = import_module(module)
        doc = build()
        doc["paths"].update(parts.PATHS)
        doc["components"]["schemas"].update(parts.SCHEMAS)
        return doc

    return described


document = _with_endpoints(document, "portal.api.sla_openapi")
document = _with_endpoints(document, "portal.api.disputes_openapi")
document = _with_endpoints(document, "portal.api.payments_openapi")
document = _with_endpoints(document, "portal.api.commissions_openapi")
document = _with_endpoints(document, "portal.api.reconciliations_openapi")
document = _with_endpoints(document, "portal.api.ageing_openapi")

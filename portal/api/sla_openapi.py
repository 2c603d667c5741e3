"""The OpenAPI description of the SLA endpoints (portal/api/sla.py)."""

from __future__ import annotations

from portal.api.openapi import ERRORS, ID, PAGING, _json, _list_of, _one, _param, _ref, text

INSTANT = {"type": "string", "format": "date-time",
           "description": "ISO 8601 with a UTC offset, e.g. 2026-03-01T14:05:00-07:00."}
# What the ledger accepts: years 2000 to 9998 (any offset then stays within a datetime).
INSTANT_IN = {**INSTANT, "maxLength": 40, "pattern": (
    "^(2[0-9]{3}|[3-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-")}
# Words people write: not only spaces, no NUL.
WORDS = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
CAUSE = {"type": "string", "enum": ["provider", *"abcdefghi"], "description": (
    "provider: the cause lies solely in what the provider manages. A letter names the "
    "exclusion (a) to (i) of the service terms; excluded outages earn no credit.")}
STAFF_ONLY = ("For staff tokens only; to partner and customer tokens this endpoint does "
              "not exist (404).")


def _written(name: str, fresh: str, replayed: str) -> dict:
    body = {"application/json": {"schema": _one(name)}}
    return {"201": {"description": fresh, "content": body},
            "200": {"description": replayed, "content": body}, **ERRORS}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


SCHEMAS = {
    "OutageInput": {"type": "object", "required": ["ref", "started_at", "ended_at", "cause",
                                                   "summary"],
                    "additionalProperties": False, "properties": {
        "ref": text(64, minLength=1,
                    description="The incident's reference; sending it again corrects it."),
        "started_at": INSTANT_IN, "ended_at": {**INSTANT_IN, "description": (
            "After started_at.")}, "cause": CAUSE,
        "platform": {"type": "string", "enum": ["voice", "messaging"], "nullable": True,
                     "description": "The whole platform failed. Without it, name service_ids."},
        "service_ids": {"type": "array", "items": ID, "maxItems": 1000, "description": (
            "Services that exist; give them, the platform, or both.")},
        "summary": text(300, minLength=1)}},
    "Outage": {"type": "object", "properties": {
        "id": {"type": "integer"}, "ref": {"type": "string"}, "started_at": INSTANT,
        "ended_at": INSTANT, "cause": CAUSE, "platform": {"type": "string", "nullable": True},
        "service_ids": {"type": "array", "items": {"type": "integer"}},
        "summary": {"type": "string"}}},
    "TicketInput": {"type": "object", "required": ["account_number", "opened_at", "summary"],
                    "additionalProperties": False, "properties": {
        "ref": {**text(64), "description": (
            "The support system's ticket number; sending it again corrects the ticket. "
            "Without it the portal numbers the ticket, and a resend with the same account, "
            "time and summary finds the ticket already recorded.")},
        "account_number": text(20, minLength=1, description="An account that exists."),
        "opened_at": {**INSTANT_IN, "description": "Not in the future."},
        "outage_ref": {**text(64), "nullable": True,
                       "description": "An outage already recorded."},
        "summary": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": WORDS}}},
    "TroubleTicket": {"type": "object", "properties": {
        "id": {"type": "integer"}, "ref": {"type": "string"},
        "customer": {"type": "object", "properties": {
            "id": {"type": "integer"}, "account_number": {"type": "string"},
            "name": {"type": "string"}}},
        "opened_at": INSTANT, "source": {"type": "string", "enum": ["portal", "support", "api"]},
        "outage_ref": {"type": "string", "nullable": True}, "summary": {"type": "string"}}},
    "CreditRequest": {"type": "object", "properties": {
        "id": {"type": "integer"},
        "customer": {"type": "object", "properties": {
            "id": {"type": "integer"}, "account_number": {"type": "string"},
            "name": {"type": "string"}}},
        "month": {"type": "string", "example": "2026-01"},
        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
        "currency": {"type": "string"}, "requested_at": INSTANT,
        "decided_at": {**INSTANT, "nullable": True},
        "service": {"type": "object", "description": "CPNI.", "properties": {
            "id": {"type": "integer"}, "product": {"type": "string"},
            "description": {"type": "string", "nullable": True}}},
        "hours": {"type": "integer", "description": "CPNI: started hours beyond the allowance."},
        "credit": _ref("Money"),
        "decision_reason": {"type": "string", "nullable": True},
        "credit_note": {"type": "string", "nullable": True,
                        "description": "The number of the credit note an approval issued."},
        "calculation": {"type": "object", "description": (
            "Only when reading one request: the calculation as the customer saw it when "
            "filing (outages with their verdicts, allowance, maintenance).")},
        "cpni_withheld": _ref("Withheld")}},
}

PATHS = {
    "/outages": {"post": {
        "summary": "Record or correct an outage", "operationId": "recordOutage",
        "description": STAFF_ONLY, "requestBody": _body("OutageInput"),
        "responses": _written("Outage", "Recorded.", "The ref was known: corrected.")}},
    "/tickets": {"post": {
        "summary": "Record a customer's trouble ticket", "operationId": "recordTicket",
        "description": STAFF_ONLY, "requestBody": _body("TicketInput"),
        "responses": _written("TroubleTicket", "Recorded.", "Already recorded: corrected.")}},
    "/credit-requests": {"get": {
        "summary": "List SLA credit requests", "operationId": "listCreditRequests",
        "description": ("Newest first. Without the customer's CPNI approval the service, "
                        "hours and amounts are omitted and cpni_withheld says why."),
        "parameters": [_param("status", "pending, approved or rejected.",
                              {"type": "string", "enum": ["pending", "approved", "rejected"]}),
                       _param("customer_id", "Only this customer.", ID),
                       *PAGING],
        "responses": _json(_list_of("CreditRequest"))}},
    "/credit-requests/{request_id}": {"get": {
        "summary": "Read an SLA credit request with its calculation",
        "operationId": "getCreditRequest",
        "parameters": [_param("request_id", "Credit request id.", ID, "path")],
        "responses": _json(_one("CreditRequest"))}},
}

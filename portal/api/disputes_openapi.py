"""The OpenAPI description of the dispute endpoints (portal/api/disputes.py)."""

from __future__ import annotations

from portal.api.openapi import (
    ERRORS,
    ID,
    NO_NUL_TEXT,
    PAGING,
    _json,
    _list_of,
    _one,
    _param,
    _ref,
    text,
)

INSTANT = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601."}
REASONS = ["wrong_rate", "duplicate_charge", "service_not_received", "tax",
           "missing_sla_credit", "other"]
STATES = ["open", "waiting", "settled", "withdrawn"]
# Words people write: 1 to 4,000 characters, not only spaces, no NUL.
WORDS = {"type": "string", "minLength": 1, "maxLength": 4000,
         "pattern": f"^{NO_NUL_TEXT}[^\\s\\x00]{NO_NUL_TEXT}$"}
# More than zero, at most 9,999,999.99: what an amount column holds, with room.
AMOUNT = "^([1-9][0-9]{0,6}(\\.[0-9]{1,2})?|0\\.([1-9][0-9]?|0[1-9]))$"
CPNI = ("CPNI: present only when you may see the customer's CPNI (its approval for your "
        "partner is in force). Never present for staff tokens.")
NO_ATTACHMENTS = ("Attachments are not part of the API: send and read them in the portal's "
                  "dispute pages.")
FIELD_ERROR = {"description": (
    "A field breaks this document's rules (code invalid_input, with `fields` naming each "
    "wrong field)."), "content": {"application/json": {"schema": _ref("FieldError")}}}
REFUSED = {"description": (
    "Well formed, but refused in the present state of what it names (code step_refused, "
    "amount_too_large or conflict): e.g. the dispute window has closed, the dispute is "
    "closed, more than is open was claimed by a filer who may see the amounts, or a line "
    "that charges nothing was chosen."),
    "content": {"application/json": {"schema": _ref("FieldError")}}}
NOT_YOURS = {"description": (
    "Not for this token (code forbidden): staff tokens do not comment; choosing lines "
    "needs the customer's CPNI approval."),
    "content": {"application/json": {"schema": _ref("FieldError")}}}
ERRORS_WITH_FIELDS = {**ERRORS, "400": FIELD_ERROR, "403": NOT_YOURS, "409": REFUSED}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _created(name: str, fresh: str, replayed: str | None = None) -> dict:
    body = {"application/json": {"schema": _one(name)}}
    answers = {"201": {"description": fresh, "content": body}}
    if replayed:
        answers["200"] = {"description": replayed, "content": body}
    return {**answers, **ERRORS_WITH_FIELDS}


DISPUTE_ID = _param("dispute_id", "Dispute id.", ID, "path")
LEVEL = {"type": "object", "properties": {"level": {"type": "integer"},
                                          "name": {"type": "string"}}}

SCHEMAS = {
    "FieldError": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Per wrong field of the body, what is wrong with it."}}}}},
    "DisputeInput": {
        "type": "object", "required": ["reason", "description", "amount"],
        "additionalProperties": False,
        "oneOf": [{"required": ["invoice_id"], "not": {"required": ["invoice_number"]}},
                  {"required": ["invoice_number"], "not": {"required": ["invoice_id"]}}],
        "properties": {
            "invoice_id": {**ID, "description": "Give this or invoice_number."},
            "invoice_number": text(32, minLength=1),
            "reason": {"type": "string", "enum": REASONS},
            "description": WORDS,
            "amount": {"type": "string", "example": "125.50", "pattern": AMOUNT,
                       "description": (
                "The disputed amount in the invoice's currency, a decimal string, more "
                "than zero, with no more decimals than the currency has (two for USD). If "
                "you may see the customer's CPNI, it is at most what is still open on the "
                "invoice (or on the chosen lines), and above that the answer is a 409 "
                "(amount_too_large). If you may not, the claim is filed as typed whatever "
                "is open, and the answer never depends on what is open; staff see what "
                "the dispute holds.")},
            "line_ids": {"type": "array", "items": ID, "maxItems": 500, "description": (
                "Lines of the invoice that charge something; omit to dispute the whole "
                "invoice. Refused (403) unless you may see the customer's CPNI.")}}},
    "CommentInput": {"type": "object", "required": ["body"], "additionalProperties": False,
                     "properties": {"body": WORDS}},
    "Dispute": {"type": "object", "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string", "example": "D-000123"},
        "invoice": {"type": "object", "properties": {"id": {"type": "integer"},
                                                     "number": {"type": "string"}}},
        "customer": {"type": "object", "properties": {
            "id": {"type": "integer"}, "account_number": {"type": "string"},
            "name": {"type": "string"}}},
        "status": {"type": "string", "enum": STATES, "description": (
            "waiting: the tier asked the filer for information; its clock is paused until "
            "the filer comments.")},
        "reason": {"type": "string", "enum": REASONS}, "description": {"type": "string"},
        "tier": {**LEVEL, "description": "The escalation tier that owes the next answer."},
        "deadline_at": {**INSTANT, "nullable": True, "description": (
            "When the tier must have answered (business hours); null while waiting or "
            "closed.")},
        "filed_at": INSTANT, "filed_by": {"type": "string"},
        "outcome": {"type": "string", "enum": ["full", "partial", "denied"],
                    "nullable": True},
        "outcome_reason": {"type": "string", "nullable": True},
        "settled_at": {**INSTANT, "nullable": True},
        "amount": {**_ref("Money"), "description": f"The amount disputed. {CPNI}"},
        "credit": {**_ref("Money"), "description": f"The credit granted. {CPNI}"},
        "held": {**_ref("Money"), "description": (
            f"What the dispute holds back from the invoice's amount due now. {CPNI}")},
        "lines": {"type": "array", "items": _ref("InvoiceLine"), "description": (
            f"The lines disputed; empty for the whole invoice. {CPNI}")},
        "credit_note": {"type": "string", "nullable": True,
                        "description": f"The number of the credit note granted. {CPNI}"},
        "assigned_to": {"type": "string", "nullable": True,
                        "description": "Staff tokens only: who works the dispute."},
        "cpni_withheld": _ref("Withheld")}},
    "DisputeEvent": {"type": "object", "description": (
        "One step of the timeline. Events carry no amounts; the dispute has them."),
        "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [
            "filed", "assigned", "commented", "info_requested", "info_provided",
            "escalated", "settled", "reopened", "withdrawn"]},
        "at": INSTANT, "tier": LEVEL,
        "actor": {"type": "object", "nullable": True, "description": (
            "null: the portal itself (e.g. escalation when a deadline passed). Staff are "
            "named by their tier."), "properties": {
                "name": {"type": "string"}, "staff": {"type": "boolean"}}},
        "body": {"type": "string", "nullable": True},
        "from_level": {"type": "integer", "description": "escalated only."},
        "to_level": {"type": "integer", "description": "escalated only."},
        "escalated_by": {"type": "string", "enum": ["staff", "filer", "deadline"],
                         "description": "escalated only."},
        "outcome": {"type": "string", "enum": ["full", "partial", "denied"],
                    "description": "settled only."},
        "internal": {"type": "boolean",
                     "description": "Staff tokens only; others never see internal notes."}}},
}

PATHS = {
    "/disputes": {
        "get": {
            "summary": "List disputes", "operationId": "listDisputes",
            "description": ("Newest first, within your reach. Without the customer's CPNI "
                            "approval amounts and lines are omitted and cpni_withheld says "
                            f"why. {NO_ATTACHMENTS}"),
            "parameters": [_param("status", "open, waiting, settled or withdrawn.",
                                  {"type": "string", "enum": STATES}),
                           _param("account_number", "Only this customer account."),
                           _param("invoice_number", "Only disputes of this invoice."),
                           *PAGING],
            "responses": _json(_list_of("Dispute"))},
        "post": {
            "summary": "File a dispute", "operationId": "fileDispute",
            "description": (
                "Dispute an issued invoice, whole or chosen lines, within the dispute "
                "window (180 days after its issue date by default). A partner without the "
                "customer's CPNI approval may file, typing the amount the customer claims, "
                "but the answer does not show it. Staff tokens cannot file. "
                f"{NO_ATTACHMENTS}"),
            "requestBody": _body("DisputeInput"),
            "responses": _created("Dispute", "Filed.", (
                "The same dispute was sent again within minutes (a double submit): the "
                "dispute filed the first time."))}},
    "/disputes/{dispute_id}": {"get": {
        "summary": "Read a dispute", "operationId": "getDispute",
        "description": NO_ATTACHMENTS, "parameters": [DISPUTE_ID],
        "responses": _json(_one("Dispute"))}},
    "/disputes/{dispute_id}/events": {"get": {
        "summary": "Read a dispute's timeline", "operationId": "getDisputeEvents",
        "description": "Oldest first. Staff's internal notes are not shown.",
        "parameters": [DISPUTE_ID],
        "responses": _json({"type": "object", "properties": {
            "data": {"type": "array", "items": _ref("DisputeEvent")}}})}},
    "/disputes/{dispute_id}/comments": {"post": {
        "summary": "Comment on a dispute", "operationId": "commentOnDispute",
        "description": ("Adds a comment to the timeline of an open or waiting dispute. On a "
                        "dispute waiting for you it is your answer: the tier's clock runs "
                        "again (the event's kind is info_provided). Staff tokens cannot "
                        "comment."),
        "parameters": [DISPUTE_ID], "requestBody": _body("CommentInput"),
        "responses": _created("DisputeEvent", "Added.")}},
}

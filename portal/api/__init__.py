"""The partner JSON API under /api/v1, authenticated by bearer tokens."""

from functools import cache

from flask import Blueprint, g, request

from billing.core.clock import utcnow
from billing.parties import identity
from portal.errors import error_response
from portal.extensions import db

bp = Blueprint("api", __name__)
PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret:
        token = identity.resolve_api_token(db.session, secret.strip(), utcnow())
    if token is None:
        response = error_response(401, "unauthorized", "A valid bearer token is required.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="partner-api"'
        return response
    if db.session.dirty:
        db.session.commit()  # last_used_at moved on
    g.api_user = token.user
    return None


@bp.before_request
def refuse_unknown_parameters():
    """A query parameter the API document does not name for this operation is refused
    (a misspelt filter would otherwise list everything, silently)."""
    if request.url_rule is None:
        return None
    unknown = sorted(set(request.args) - declared_query(request.url_rule.rule,
                                                          request.method))
    if unknown:
        names = ", ".join(repr(name) for name in unknown[:5])
        return error_response(400, "invalid_input", f"Unknown query parameters: {names}.")
    return None


@cache
def _declared() -> dict:
    from portal.api.openapi import document

    found = {}
    for path, operations in document()["paths"].items():
        rule = "/api/v1" + path.replace("{", "<").replace("}", ">")
        for method, operation in operations.items():
            found[(rule, method.upper())] = frozenset(
                p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
    return found


def declared_query(rule: str, method: str) -> frozenset:
    if method == "HEAD":
        method = "GET"
    return _declared().get((rule, method), frozenset())


from portal.api import (  # noqa: E402,F401
    ageing,
    commissions,
    disputes,
    payments,
    reconciliations,
    sla,
    views,
)

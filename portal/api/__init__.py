"""The partner JSON API under /api/v1, authenticated by bearer tokens."""

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


from portal.api import commissions, disputes, payments, sla, views  # noqa: E402,F401

"""One place that turns domain errors and HTTP errors into answers (HTML or JSON)."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from billing.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from billing.payments.provider import PaymentDeclined, PaymentProviderError

# The first class that matches decides: a declined card before other provider errors.
STATUS = {NotFound: 404, Conflict: 409, InvalidInput: 400, Forbidden: 403, PaymentDeclined: 402,
          PaymentProviderError: 502}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/stripe/")) or request.is_json


def error_response(status: int, code: str, message: str):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def register(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
        return error_response(status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _(
            "This form has expired or was not sent by the portal. Reload the page and try again."
        )
        return error_response(400, "csrf_failed", message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        messages = {
            404: _("This page does not exist, or you do not have access to it."),
            405: _("That action is not allowed here."),
            413: _("The request is too large: uploads are limited to 10 MB. Import larger "
                   "files with the command line."),
            429: _("Too many attempts from here or for this address. Wait a little and "
                   "try again."),
        }
        response = error_response(error.code or 500, code,
                                  messages.get(error.code, error.description))
        allowed = getattr(error, "valid_methods", None)
        if error.code == 405 and allowed:
            # RFC 9110: a 405 names the methods the resource does support.
            if isinstance(response, tuple):
                return response[0], response[1], {"Allow": ", ".join(allowed)}
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", _("Something went wrong on our side."))

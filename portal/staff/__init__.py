"""Pages for billing staff: account search and the CPNI purpose gate."""

from flask import Blueprint

from portal.guards import require

bp = Blueprint("staff", __name__)
bp.before_request(require(lambda user: user.is_staff))

from portal.staff import views  # noqa: E402,F401

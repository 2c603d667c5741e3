"""Pages for channel, agency and wholesale partners."""

from flask import Blueprint

from portal.guards import require

bp = Blueprint("partner", __name__)
bp.before_request(require(lambda user: user.is_partner))

from portal.partner import (  # noqa: E402,F401
    ageing,
    commissions,
    disputes,
    reconciliation,
    sla,
    statement_batches,
    statements,
    views,
)
from portal.users import bp as users_bp  # noqa: E402

bp.register_blueprint(users_bp, url_prefix="/users")

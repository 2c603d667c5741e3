"""Pages for end customers: account, invoices, CPNI approvals and disclosures."""

from flask import Blueprint

from portal.guards import require

bp = Blueprint("customer", __name__)
bp.before_request(require(lambda user: user.is_customer))

from portal.collections import autopay_pages  # noqa: E402,F401
from portal.customer import (  # noqa: E402,F401
    contact,
    disclosures,
    disputes,
    marketing,
    passcode,
    payments,
    sla,
    statements,
    views,
)
from portal.payments import methods_pages, online_pages  # noqa: E402,F401
from portal.users import bp as users_bp  # noqa: E402

bp.register_blueprint(users_bp, url_prefix="/users")

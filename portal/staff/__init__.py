"""Pages for billing staff: account search, the CPNI purpose gate, imports, invoice runs."""

from flask import Blueprint

from portal.guards import require

bp = Blueprint("staff", __name__)
bp.before_request(require(lambda user: user.is_staff))

from portal.staff import views  # noqa: E402,F401
from portal.staff.runs import bp as runs_bp  # noqa: E402

bp.register_blueprint(runs_bp, url_prefix="/runs")
from portal.staff.prices import bp as prices_bp  # noqa: E402

bp.register_blueprint(prices_bp, url_prefix="/price-books")
from portal.staff.sla import bp as credits_bp  # noqa: E402

bp.register_blueprint(credits_bp, url_prefix="/credit-requests")
from portal.staff.disputes import bp as disputes_bp  # noqa: E402

bp.register_blueprint(disputes_bp, url_prefix="/disputes")
from portal.payments.staff_pages import bp as payments_bp  # noqa: E402

bp.register_blueprint(payments_bp, url_prefix="/payments")
from portal.commissions.staff_pages import bp as commissions_bp  # noqa: E402

bp.register_blueprint(commissions_bp, url_prefix="/commissions")
from portal.collections.policy_pages import bp as collections_bp  # noqa: E402

bp.register_blueprint(collections_bp, url_prefix="/collections")
from portal.reconciliation.rebiller_staff import bp as rebiller_reconciliation_bp  # noqa: E402

bp.register_blueprint(rebiller_reconciliation_bp, url_prefix="/rebiller-reconciliation")
from portal.reconciliation.staff_pages import bp as reconciliation_bp  # noqa: E402

bp.register_blueprint(reconciliation_bp, url_prefix="/reconciliation/payments")
from portal.collections.staff_ageing import bp as ageing_bp  # noqa: E402

bp.register_blueprint(ageing_bp, url_prefix="/ageing")
from portal.staff import (  # noqa: E402,F401
    availability,
    calls,
    compliance,
    dispute_reports,
    ledger,
    letters,
    marketing,
    run_review,
    statement_batches,
    statements,
    vat_number,
)
from portal.users import bp as users_bp  # noqa: E402

bp.register_blueprint(users_bp, url_prefix="/users")

"""The receivables ageing over the API: totals per currency and bucket, as of a day.

Totals only, never one account's figures: for a partner they are made of the accounts
that approved it (the partner cut, portal/collections/ageing_report.py; each one a
logged disclosure) with a count of the accounts left out; for staff they are aggregates
over every account (no purpose can be stated over the API, and none is needed).
"""

from __future__ import annotations

from flask import g, jsonify, request

from billing.collections.ageing import BUCKETS
from billing.core.clock import utcnow
from portal.api import bp
from portal.collections.ageing_report import log_listed, parse_as_of, report_for
from portal.extensions import db
from portal.invoicing.presenters import money
from reports.ageing_files import collectible


@bp.route("/ageing")
def ageing():
    now = utcnow()
    report = report_for(g.api_user, parse_as_of(request.args.get("as_of"), now, future=True),
                        now)
    counts = report.counts()
    data = {"as_of": report.as_of.isoformat(), "withheld_accounts": report.withheld,
            "currencies": [{
                "currency": currency, "accounts": counts[currency],
                "buckets": {bucket: money(sums[bucket], currency) for bucket in BUCKETS},
                "collectible": money(collectible(sums), currency)}
                for currency, sums in report.ageing.totals().items()]}
    if report.withheld is not None:
        log_listed(g.api_user, report, report.customers,
                   f"receivables ageing {report.as_of.isoformat()}", now, surface="api")
        db.session.commit()
    return jsonify({"data": data})

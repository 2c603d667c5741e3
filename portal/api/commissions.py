"""Commission over the API: one partner's month, as the statement page shows it.

A partner reads its own commission (or, naming `partner_id`, that of a sub-agent in its
tree); staff any partner's. Accounts whose approval for the reader is not in force are
added up into one line per currency, as on the page; staff, who state no purpose over
the API, get every account added up.
"""

from __future__ import annotations

from flask import g, jsonify, request

from billing.commissions import months
from billing.core.clock import utcnow
from billing.core.errors import NotFound
from portal import access
from portal.api import bp
from portal.commissions.presenters import statement
from portal.extensions import db


@bp.route("/commissions")
def commissions():
    now = utcnow()
    user = g.api_user
    month = months.parse_month(request.args.get("month") or months.month_of(now))
    partner_id = request.args.get("partner_id")
    if partner_id is not None:
        partner = access.get_partner(db.session, user, partner_id)
        if user.is_customer:
            raise NotFound("No such partner.")
    elif user.is_partner:
        partner = user.partner
    else:
        raise NotFound("Name a partner with partner_id.")
    data = statement(db.session, user, month, now, surface="api", partner=partner)
    db.session.commit()  # the disclosure log
    return jsonify({"data": data})

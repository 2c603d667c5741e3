"""Who saw my data: every logged disclosure of the CPNI of the customer's own accounts."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from billing.cpni.models import CpniDisclosure
from portal import access
from portal.customer import bp
from portal.extensions import db
from portal.paging import page_number, paginate

SHOWN_WITH = (CpniDisclosure.customer, CpniDisclosure.user, CpniDisclosure.partner)


def _load(session, ids):
    query = access.disclosures_query(session, current_user).where(CpniDisclosure.id.in_(ids))
    return session.scalars(query.options(*map(joinedload, SHOWN_WITH))).all()


@bp.route("/disclosures")
def disclosures():
    query = access.disclosures_query(db.session, current_user)
    page = paginate(db.session, query, page_number(request.args), _load)
    return render_template("cpni/customer_disclosures.html", page=page)

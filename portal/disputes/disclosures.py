"""The filer's side's access to a dispute's customer, and the log of what a page showed.

Shared by the filer's dispute pages (list, filing, one dispute, files): each asks the
access policy once per customer and logs the CPNI the rendered page disclosed.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user

from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db


def grant(invoice: Invoice, now: datetime) -> access.CpniAccess:
    """The current user's access to the CPNI of the invoice's customer."""
    return access.cpni_access(db.session, current_user, invoice.customer, now)


def logged(html: str, grants: dict, subject: str, now: datetime) -> str:
    """Log the CPNI a rendered page shows; rendering first keeps the page's objects
    loaded (a commit expires them, and each would be read again)."""
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject=subject, now=now)
    db.session.commit()
    return html

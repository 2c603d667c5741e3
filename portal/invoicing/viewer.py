"""Who is looking at an invoice, and the invoice as they may see it, with no request.

A staff member's stated purpose and the caller verification of a call in progress live
in the web session; the page reads them once into a Viewer, so the same functions serve
a page, the API, the CLI and a background worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from billing.invoicing import balance
from billing.invoicing.activity import invoice_activity
from billing.invoicing.models import Invoice
from billing.parties.users import User
from portal import access
from portal.access import CpniAccess
from portal.invoicing import own_bill
from portal.invoicing.listing import invoice_accounts
from portal.invoicing.presenters import activity_dict, invoice_dict


@dataclass(frozen=True)
class Viewer:
    """A user, plus what staff stated for the accounts in question: the purpose of
    opening each one's CPNI and, on a customer's call, how the caller was verified."""

    user: User
    purposes: Mapping[int, str | None] = field(default_factory=dict)
    calls: Mapping[int, str | None] = field(default_factory=dict)

    def purpose(self, customer_id: int) -> str | None:
        return self.purposes.get(customer_id) if self.user.is_staff else None

    def verifications(self, customer_ids: Iterable[int],
                      caller_account: int | None = None) -> dict | None:
        """Each account's caller verification, logged with its disclosures (staff only).
        On an invoice, the call on its account covers its end customers' sections."""
        if not self.user.is_staff:
            return None
        return {cid: self.calls.get(caller_account or cid) for cid in customer_ids}


def grants(session: Session, viewer: Viewer, customers, now: datetime) -> dict[int, CpniAccess]:
    """What of each customer's CPNI the viewer may see now."""
    customers = {c.id: c for c in customers}.values()
    purposes = {c.id: viewer.purpose(c.id) for c in customers}
    return access.cpni_access_many(session, viewer.user, customers, now, purposes)


def invoice_view(session: Session, viewer: Viewer, invoice: Invoice, grant: CpniAccess,
                 now: datetime) -> tuple[dict, dict]:
    """The invoice with its lines and its balance at `now` as the viewer may see it, and
    every access it used (the invoice's account and, on a wholesale invoice, each end
    customer's)."""
    accounts = invoice_accounts(session, invoice)
    sections = access.end_customer_access(session, viewer.user, invoice, accounts, now,
                                          viewer.purpose(invoice.customer_id))
    # Always computed: whether it is overdue is no CPNI; invoice_dict withholds the amounts.
    owed = balance.invoice_balance(session, invoice, now)
    data = invoice_dict(invoice, grant, with_lines=True, accounts=accounts,
                        section_access=sections, balance=owed)
    if grant.visible and own_bill.is_own_bill(invoice):
        data["own_bill"] = own_bill.by_service(session, invoice)
    if "total" in data:  # payments and credits are amounts: shown with the totals only
        data["activity"] = activity_dict(invoice_activity(session, invoice), invoice.currency)
    return data, {**sections, invoice.customer_id: grant}

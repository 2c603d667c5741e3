"""The lock order for changes of money on an account, in one helper.

Every change of money on an account (credit note, dispute filing and settlement, SLA
credit, and later payment allocation, refund and late fee) takes the account's row lock
first, then the rows of the invoices it touches in id order, and the numbering series
last (`billing.core.numbering`). Two such changes on one account then run one after the
other, and two changes never wait for each other in opposite orders (no deadlock).

On PostgreSQL the locks are row locks held until the transaction ends. SQLite has no
row locks: `begin_writing` makes the transaction a writer at once, and SQLite lets one
writer at a time, which serialises the same changes more coarsely.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.db import among, begin_writing
from billing.core.errors import NotFound
from billing.invoicing.models import Invoice
from billing.parties.models import Customer


def lock_account(session: Session, customer_id: int) -> None:
    """Take the row lock of the bill-to account whose money is about to change.

    Taking it again in the same transaction is free. FOR NO KEY UPDATE (not FOR UPDATE)
    still serialises the changes of money, but leaves inserts that merely reference the
    account (a disclosure log row, a ticket) free to proceed meanwhile.
    """
    begin_writing(session)
    found = session.scalar(select(Customer.id).where(Customer.id == customer_id)
                           .with_for_update(key_share=True))
    if found is None:
        raise NotFound("No such account.")


def lock_invoices(session: Session, invoice_ids: Iterable[int]) -> list[int]:
    """Take the row locks of these invoices, lowest id first; after the account's.

    Returns the ids locked, in that order.
    """
    ids = sorted(set(invoice_ids))
    if not ids:
        return []
    begin_writing(session)
    return list(session.scalars(select(Invoice.id).where(among(session, Invoice.id, ids))
                                .order_by(Invoice.id).with_for_update(key_share=True)))


def lock_accounts(session: Session, customer_ids: Iterable[int]) -> list[int]:
    """Take the row locks of several accounts at once, lowest id first (a job that changes
    money on many accounts in one transaction, such as the report import, then waits for
    nobody while holding some of them in another order). Returns the ids locked."""
    ids = sorted(set(customer_ids))
    if not ids:
        return []
    begin_writing(session)
    return list(session.scalars(select(Customer.id).where(among(session, Customer.id, ids))
                                .order_by(Customer.id).with_for_update(key_share=True)))


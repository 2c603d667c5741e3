"""Recording many payments in one go (the Stripe report import): `record_payment`'s rules,
in a handful of statements for the lot instead of about ten for each payment.

`record_payments(session, receipts, now)` locks every paying account first (lowest id
first), then reads in one query each the payments already recorded (by outside id: those
are returned as not new, nothing changed), the invoices named and, only for the accounts
where some receipt does not fit in its named invoices, the accounts' other open invoices
(`_Book`). It allocates each receipt in turn with the same pure `allocate`, keeping the
invoices' open amounts in memory so that a later receipt of the same account sees what
the earlier ones paid, inserts the payments in bulk (`billing.core.bulk`; one a concurrent
recorder inserted first is skipped and returned as not new) and posts the allocations
together (`posting.post_many`). Every receipt needs an outside id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.clock import utcnow
from billing.core.db import among, begin_writing
from billing.core.errors import NotFound
from billing.core.locks import lock_accounts
from billing.invoicing.models import Invoice
from billing.parties.bill_to import bill_to_ids
from billing.payments.allocation import AllocationPlan, OpenInvoice, allocate
from billing.payments.ledger import BILLED
from billing.payments.models import Payment
from billing.payments.posting import post_many
from billing.payments.recording import Receipt, _check


@dataclass(frozen=True)
class Recorded:
    payment_id: int
    is_new: bool
    payment_class: str
    allocated_minor: int  # what it allocated now (0 when not new)


def record_payments(session: Session, receipts: Sequence[Receipt],
                    now: datetime) -> list[Recorded]:
    """Record and allocate these payments, in order; one Recorded for each."""
    for receipt in receipts:
        if not receipt.external_id or receipt.strict_names:
            raise ValueError("record_payments takes receipts with an outside id only")
        _check(receipt, now)
    begin_writing(session)
    named = {r.customer_id for r in receipts if r.customer_id}
    payers = bill_to_ids(session, named)  # {account: the account that pays for it}
    if named - set(payers):
        raise NotFound("No such account.")
    lock_accounts(session, set(payers.values()))
    known = _known(session, [r.external_id for r in receipts])
    firsts: dict[str, Receipt] = {}  # the first receipt of each outside id not yet known
    for receipt in receipts:
        if receipt.external_id not in known:
            firsts.setdefault(receipt.external_id, receipt)
    todo = list(firsts.values())
    book = _Book(session, todo, payers)
    plans: dict[str, tuple[Receipt, AllocationPlan]] = {
        r.external_id: (r, book.allocate(r, payers.get(r.customer_id))) for r in todo}
    ids = _insert(session, list(plans.values()), payers)
    known.update(_known(session, [e for e in plans if e not in ids]))
    post_many(session, [(ids[e], plan.allocations) for e, (_, plan) in plans.items()
                        if e in ids], now)
    answers, seen = [], set()
    for receipt in receipts:  # an outside id twice in the lot: new the first time only
        answer = _recorded(receipt.external_id, known, ids, plans)
        if answer.is_new and answer.payment_id in seen:
            answer = Recorded(answer.payment_id, False, answer.payment_class, 0)
        seen.add(answer.payment_id)
        answers.append(answer)
    return answers


def _known(session: Session, external_ids: list[str]) -> dict:
    """(id, payment_class) of the payments recorded with these outside ids."""
    if not external_ids:
        return {}
    return {p.external_id: p for p in session.execute(
        select(Payment.external_id, Payment.id, Payment.payment_class)
        .where(among(session, Payment.external_id, external_ids)))}


class _Book:
    """The invoices the receipts may pay, read once and kept current in memory.

    Most payments name the invoices they pay and fit in them; those never reach the
    account's other open invoices, and reading those (an account may have many) would
    be wasted. So the named invoices are read first, and the receipts are allocated
    against them alone as a trial; only for the accounts (and currencies) where some
    receipt has money left over, or names nothing, are the other open invoices read too.
    An account either way sees exactly what `allocate` over all its open invoices gives:
    a receipt that fits in its named invoices takes only from them.
    """

    def __init__(self, session: Session, receipts, payers):
        names = {n for r in receipts for n in r.named_numbers if n}
        accounts = set(payers.values())
        left = Invoice.total_minor - Invoice.paid_minor
        columns = (Invoice.id, Invoice.number, Invoice.due_date, left, Invoice.customer_id,
                   Invoice.currency)
        self.named: dict[tuple, int] = {}
        self.invoices = defaultdict(list)
        self.open: dict[int, int] = {}
        if names and accounts:
            for *row, status in session.execute(select(*columns, Invoice.status).where(
                    among(session, Invoice.number, names),
                    among(session, Invoice.customer_id, accounts), Invoice.status != "void")):
                self.named[(row[4], row[5], row[1])] = row[0]
                if status in BILLED:
                    self._add(*row)
        short = self._trial(receipts, payers)
        if not short:
            return
        # The named ones were read above; an "open or named" filter here would make
        # PostgreSQL's generic plan test each row of the accounts against the whole list.
        for row in session.execute(select(*columns).where(
                among(session, Invoice.customer_id, {account for account, _ in short}),
                Invoice.status.in_(BILLED), Invoice.total_minor > Invoice.paid_minor)):
            if row[0] not in self.open and (row[4], row[5]) in short:
                self._add(*row)

    def _trial(self, receipts, payers) -> set[tuple[int, str]]:
        """The (account, currency) pairs some receipt of which does not fit in its named
        invoices; the open amounts are left as they were. Each receipt is tried against
        its own named invoices only: the book also holds the invoices other receipts
        name, and a receipt that fitted in one of those would skip older open ones."""
        before, short = dict(self.open), set()
        for receipt in receipts:
            payer = payers.get(receipt.customer_id)
            if payer is not None and self.allocate(receipt, payer,
                                                   named_only=True).unapplied_minor > 0:
                short.add((payer, receipt.currency))
        self.open = before
        return short

    def _add(self, i, number, due, left, customer_id, currency) -> None:
        self.invoices[(customer_id, currency)].append((i, number, due))
        self.open[i] = max(left, 0)

    def allocate(self, receipt: Receipt, payer: int | None, *,
                 named_only: bool = False) -> AllocationPlan:
        if payer is None:
            return allocate(receipt.amount_minor, [], account_known=False)
        key = (payer, receipt.currency)
        named = [self.named[(*key, n)] for n in receipt.named_numbers if (*key, n) in self.named]
        invoices = [OpenInvoice(i, number, due, self.open[i])
                    for i, number, due in self.invoices[key]
                    if i in named or (self.open[i] > 0 and not named_only)]
        plan = allocate(receipt.amount_minor, invoices, named)
        for invoice_id, amount in plan.allocations:
            self.open[invoice_id] -= amount
        return plan


def _insert(session: Session, plans, payers) -> dict[str, int]:
    """Insert the payments (`bulk.insert_rows`: COPY on PostgreSQL), and return the ids
    of those this call inserted, by outside id. COPY returns nothing (and RETURNING on an
    executemany costs five times the insert on psycopg); so the ids are read back,
    and a row is taken as ours only if it is what we inserted. A concurrent recorder of a
    payment on a known account waited for its lock, so only an unmatched payment (which
    allocates nothing) can be inserted by another at the same instant."""
    if not plans:
        return {}
    created = utcnow()
    rows = {r.external_id: dict(
        customer_id=payers.get(r.customer_id),
        currency=r.currency, amount_minor=r.amount_minor, received_at=r.received_at,
        method=r.method, reference=r.reference.strip(), source=r.source,
        external_id=r.external_id, named_invoices=list(r.named_numbers),
        payment_class=plan.payment_class, payer_note=r.payer_note[:300], note=r.note[:500],
        recorded_by_id=r.recorded_by_id, created_at=created) for r, plan in plans}
    insert_rows(session, Payment.__table__, list(rows.values()), skip_conflicts_on="external_id")
    found = session.execute(select(
        Payment.id, Payment.external_id, Payment.customer_id, Payment.amount_minor,
        Payment.source, Payment.note).where(among(session, Payment.external_id, rows)))
    return {external_id: i for i, external_id, *values in found
            if tuple(values) == tuple(rows[external_id][k] for k in
                                      ("customer_id", "amount_minor", "source", "note"))}


def _recorded(external_id: str, known: dict, ids: dict, plans: dict) -> Recorded:
    if external_id in known:
        payment = known[external_id]
        return Recorded(payment.id, False, payment.payment_class, 0)
    plan = plans[external_id][1]
    return Recorded(ids[external_id], True, plan.payment_class,
                    sum(amount for _, amount in plan.allocations))

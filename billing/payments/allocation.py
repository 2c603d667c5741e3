"""What a payment pays, and what a refund takes back: the rules of DESIGN section 7 as pure
functions over plain values, so that they can be tested without a database.

    allocate(amount_minor: int, invoices: Sequence[OpenInvoice],
             named: Sequence[int] = (), *, account_known: bool = True) -> AllocationPlan

`invoices` are the paying account's issued invoices in the payment's currency, with
their open amounts (total less credits less what earlier payments paid; a fully paid
invoice may be given with 0, which is how a duplicate is recognised). `named` are the ids
of the invoices the payer said it pays, in its order; ids not among `invoices` are
ignored. The payment pays, in turn:

1. the named invoices in the order named, each up to its open amount;
2. the other open invoices, earliest due date first, then lowest number;
3. nothing more: the rest is the account's unapplied credit in that currency.

Its class is the first that applies: duplicate (it named invoices, all already paid in
full), unmatched (no account known: nothing is allocated), overpaid (credit left over),
partial (the last invoice it paid stays open), matched.

    take_back(amount_minor: int, unapplied_minor: int,
              allocated: Sequence[Allocated]) -> RefundPlan

A refund or chargeback takes first from the payment's unapplied credit, then from its
allocations, the most recently made first; what it takes back from an invoice reopens
it. The caller checks the amount against what the payment still holds (`refundable`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    due_date: date
    open_minor: int


@dataclass(frozen=True)
class AllocationPlan:
    allocations: tuple[tuple[int, int], ...]  # (invoice id, amount), in the order paid
    unapplied_minor: int
    payment_class: str


@dataclass(frozen=True)
class Allocated:
    """What a payment holds on one invoice now (its allocations there, net of undoings),
    and when it last paid it."""

    invoice_id: int
    amount_minor: int
    last_paid_at: datetime
    last_allocation_id: int


@dataclass(frozen=True)
class RefundPlan:
    from_unapplied_minor: int
    undone: tuple[tuple[int, int], ...]  # (invoice id, amount taken back), latest first


def allocate(amount_minor: int, invoices: Sequence[OpenInvoice], named: Sequence[int] = (),
             *, account_known: bool = True) -> AllocationPlan:
    """Spread a payment over the account's invoices; see the module's docstring."""
    if amount_minor <= 0:
        raise ValueError("A payment brings a positive amount.")
    if not account_known:
        return AllocationPlan((), amount_minor, "unmatched")
    by_id = {invoice.id: invoice for invoice in invoices}
    named_found = [by_id[i] for i in dict.fromkeys(named) if i in by_id]
    named_ids = {invoice.id for invoice in named_found}
    rest = sorted((i for i in invoices if i.id not in named_ids),
                  key=lambda i: (i.due_date, number_order(i.number), i.id))
    remaining, paid = amount_minor, []
    for invoice in [*named_found, *rest]:
        if remaining == 0:
            break
        share = min(remaining, invoice.open_minor)
        if share > 0:
            paid.append((invoice, share))
            remaining -= share
    allocations = tuple((invoice.id, share) for invoice, share in paid)
    return AllocationPlan(allocations, remaining,
                          _class(named_found, paid, remaining))


def number_order(number: str) -> tuple:
    """An invoice number as it sorts for "lowest number first": runs of digits compare as
    numbers, so INV-USD-2026-999999 comes before INV-USD-2026-1000000 (the series outgrew
    its six padded digits) and P-9 before P-10."""
    parts = _DIGITS.split(number or "")
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


def _class(named: list[OpenInvoice], paid: list[tuple[OpenInvoice, int]],
           remaining: int) -> str:
    if named and all(invoice.open_minor <= 0 for invoice in named):
        return "duplicate"
    if remaining > 0:
        return "overpaid"
    last, share = paid[-1]
    return "partial" if share < last.open_minor else "matched"


def take_back(amount_minor: int, unapplied_minor: int,
              allocated: Sequence[Allocated]) -> RefundPlan:
    """What a refund of `amount_minor` takes from credit and from which invoices."""
    if amount_minor <= 0:
        raise ValueError("A refund takes back a positive amount.")
    from_credit = min(amount_minor, max(unapplied_minor, 0))
    remaining, undone = amount_minor - from_credit, []
    latest_first = sorted(allocated, reverse=True,
                          key=lambda a: (a.last_paid_at, a.last_allocation_id))
    for held in latest_first:
        if remaining == 0:
            break
        share = min(remaining, held.amount_minor)
        if share > 0:
            undone.append((held.invoice_id, share))
            remaining -= share
    if remaining:
        raise ValueError("A refund cannot take back more than the payment holds.")
    return RefundPlan(from_credit, tuple(undone))


def refundable(amount_minor: int, refunded_minor: int, charged_back_minor: int,
               restored_minor: int) -> int:
    """What may still go back: what the payment brought in less what already went back
    (refunds, chargebacks), plus what chargeback reversals brought back again."""
    return amount_minor - refunded_minor - charged_back_minor + restored_minor


def invoice_status(total_minor: int, paid_minor: int) -> str:
    """An issued invoice's status from what its allocations paid (docs/payments.md)."""
    if paid_minor <= 0:
        return "issued"
    return "paid" if paid_minor >= total_minor else "partially_paid"

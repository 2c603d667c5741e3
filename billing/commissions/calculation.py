"""The commission earned on money events: one pure function (DESIGN section 9).

    commission_lines(path: Sequence[PathPartner], invoice: InvoiceSplit,
                     events: Sequence[MoneyEvent]) -> list[EarnedLine]

- `path`: the customer's partners, the one serving the customer first, then each agency
  above it up to the top. Each `PathPartner(partner_id, kind, plans)` carries its plans
  (`PlanRates(effective_from, recurring, usage, one_time)`, percents as Decimal); the
  plan in force on an event's `rate_date` gives the rates (none yet: 0 %). A wholesale
  rebiller earns nothing and counts as 0 % for the agency above it.
- `invoice`: the invoice's split (`invoice_split` builds it from its lines):
  recurring, usage and one-time charges, and taxes with fees, whose share earns nothing.
  Proration lines are part of the recurring charge they adjust. Credit lines (a credit
  note applied to the invoice) are not a category: they lower the total, and as every
  share is a share of the charges before credits (the "gross"), the part of the invoice
  the credit note settled is spread over all shares and never earns. A category whose
  lines net below zero counts as zero.
- `events`: money paying the invoice (`MoneyEvent(key, amount_minor, rate_date,
  source)`): a positive amount is an allocation, a negative one is money a refund or
  chargeback took back (a clawback, its `rate_date` that of the allocation it undoes, so
  it is taken back at the rates it was earned at). A chargeback reversal allocates the
  money again, so it is an ordinary positive event. `source` "credit_note" marks credit
  that was never money received; it earns nothing. (In this portal unapplied credit
  only ever comes from a payment's overpayment, so every allocation row is "payment";
  credit notes reach invoices only as credit lines, above.)

Each line is (partner, event, category): basis = amount x category / gross; the serving
partner earns its own rate, each agency above it its rate less the rate of the partner
just below it on the path, never below zero; amount = basis x earned rate, rounded
half-up to minor units once (`round_ratio`, exact integer arithmetic). Lines that round
to zero are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from billing.core.money import round_ratio

CATEGORIES = ("recurring", "usage", "one_time")
LINE_CATEGORY = {"recurring": "recurring", "proration": "recurring", "usage": "usage",
                 "one_time": "one_time", "tax": "taxes_and_fees", "fee": "taxes_and_fees"}
ZERO = Decimal(0)


@dataclass(frozen=True)
class PlanRates:
    effective_from: date
    recurring: Decimal = ZERO
    usage: Decimal = ZERO
    one_time: Decimal = ZERO

    def rate(self, category: str) -> Decimal:
        return getattr(self, category)


@dataclass(frozen=True)
class PathPartner:
    partner_id: int
    kind: str
    plans: tuple[PlanRates, ...] = field(default=())

    def rate_on(self, day: date, category: str) -> Decimal:
        """The percent in force on `day`: the latest plan effective by then, else 0."""
        if self.kind == "wholesale":
            return ZERO
        in_force = [plan for plan in self.plans if plan.effective_from <= day]
        if not in_force:
            return ZERO
        return max(in_force, key=lambda plan: plan.effective_from).rate(category)


@dataclass(frozen=True)
class InvoiceSplit:
    recurring: int = 0
    usage: int = 0
    one_time: int = 0
    taxes_and_fees: int = 0

    @property
    def gross(self) -> int:
        return self.recurring + self.usage + self.one_time + self.taxes_and_fees


@dataclass(frozen=True)
class MoneyEvent:
    key: object
    amount_minor: int
    rate_date: date
    source: str = "payment"


@dataclass(frozen=True)
class EarnedLine:
    partner_id: int
    event_key: object
    category: str
    basis_minor: int
    rate: Decimal
    amount_minor: int


def invoice_split(lines: Iterable[tuple[str, int]]) -> InvoiceSplit:
    """The split of an invoice from its (kind, amount_minor) lines; credit lines dropped."""
    sums = dict.fromkeys((*CATEGORIES, "taxes_and_fees"), 0)
    for kind, amount in lines:
        if kind in LINE_CATEGORY:
            sums[LINE_CATEGORY[kind]] += amount
    return InvoiceSplit(**{name: max(amount, 0) for name, amount in sums.items()})


def earned_rates(path: Sequence[PathPartner], day: date, category: str) -> list[Decimal]:
    """What each partner on the path earns, in percent: own rate for the serving one,
    the override (own less the one below, floored at zero) for each agency above."""
    own = [partner.rate_on(day, category) for partner in path]
    return [rate if index == 0 else max(rate - own[index - 1], ZERO)
            for index, rate in enumerate(own)]


def commission_lines(path: Sequence[PathPartner], invoice: InvoiceSplit,
                     events: Sequence[MoneyEvent]) -> list[EarnedLine]:
    """The commission lines the events earn (negative for clawbacks); see the module."""
    gross = invoice.gross
    if gross <= 0:
        return []
    earned, rates_on = [], {}
    for event in events:
        if event.source != "payment" or event.amount_minor == 0:
            continue
        if event.rate_date not in rates_on:
            rates_on[event.rate_date] = {c: earned_rates(path, event.rate_date, c)
                                         for c in CATEGORIES}
        for category in CATEGORIES:
            share = getattr(invoice, category)
            if share <= 0:
                continue
            # basis = amount x share / gross; amount = basis x rate / 100, in integers
            basis_top = event.amount_minor * share
            for partner, rate in zip(path, rates_on[event.rate_date][category], strict=True):
                top, bottom = _ratio(rate)
                amount = round_ratio(basis_top * top, gross * 100 * bottom)
                if amount:
                    earned.append(EarnedLine(partner.partner_id, event.key, category,
                                             round_ratio(basis_top, gross), rate, amount))
    return earned


@lru_cache(maxsize=1024)
def _ratio(rate: Decimal) -> tuple[int, int]:
    return rate.as_integer_ratio()

"""Telecom taxes and fees from effective-dated rate tables, one invoice line per tax.

Each kind of rate:
  percent       rate x (base_share x taxable charges), e.g. a state sales tax, VAT, or a
                federal universal service charge on the interstate share;
  recovery_fee  the same arithmetic, shown as a fee (a regulatory recovery fee);
  per_line      rate x number of seats/lines (e.g. E911 per line);
  per_number    rate x number of telephone numbers.
Each line is rounded half-up to minor units once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from billing.errors import InvalidInput
from billing.models import TaxExemption, TaxRate
from billing.money import Money, to_minor


@dataclass(frozen=True)
class Taxable:
    """What a tax is computed on: charges in minor units, seats and numbers."""

    charges_minor: int
    lines: int
    numbers: int
    currency: str


@dataclass(frozen=True)
class TaxLine:
    kind: str  # "tax" or "fee" on the invoice
    description: str
    jurisdiction: str
    quantity: Decimal
    rate: Decimal
    amount_minor: int


def jurisdiction_of(rate: TaxRate) -> str:
    parts = [rate.country] + [p for p in (rate.region, rate.locality) if p]
    return " / ".join(parts)


def rates_in_force(session: Session, *, country: str, region: str | None, city: str | None,
                   on: date, exempt: set[str]) -> list[TaxRate]:
    """For each tax of the customer's jurisdictions, the rate in force on that day."""
    query = select(TaxRate).where(
        TaxRate.country == country,
        or_(TaxRate.region == "", TaxRate.region == (region or "")),
        or_(TaxRate.locality == "", TaxRate.locality == (city or "")),
        TaxRate.effective_from <= on,
    ).order_by(TaxRate.effective_from)
    latest: dict[tuple, TaxRate] = {}
    for rate in session.scalars(query):
        latest[(rate.tax_type, rate.region, rate.locality)] = rate  # later dates win
    return without_exempt(sorted(latest.values(), key=lambda r: (r.region, r.locality,
                                                                 r.tax_type)), exempt)


def without_exempt(rates, exempt: set[str]) -> list[TaxRate]:
    """Drop the tax types the customer is exempt from."""
    return [rate for rate in rates if rate.tax_type not in exempt]


def exempt_tax_types(session: Session, customer_id: int) -> set[str]:
    query = select(TaxExemption.tax_type).where(TaxExemption.customer_id == customer_id)
    return set(session.scalars(query))


def tax_lines(rates, taxable: Taxable) -> list[TaxLine]:
    """The tax and fee lines for these rates; rates of zero effect give no line."""
    lines = [_line(rate, taxable) for rate in rates]
    return [line for line in lines if line.amount_minor]


def _line(rate: TaxRate, taxable: Taxable) -> TaxLine:
    where = jurisdiction_of(rate)
    if rate.kind in ("percent", "recovery_fee"):
        base = Money(taxable.charges_minor, taxable.currency).major * Decimal(rate.base_share)
        kind = "tax" if rate.kind == "percent" else "fee"
        return TaxLine(kind, rate.name, where, base, Decimal(rate.rate),
                       to_minor(base * Decimal(rate.rate), taxable.currency))
    if rate.currency != taxable.currency:
        raise InvalidInput(f"Fee {rate.name} is in {rate.currency}, the invoice in "
                           f"{taxable.currency}.")
    count = Decimal(taxable.lines if rate.kind == "per_line" else taxable.numbers)
    return TaxLine("fee", rate.name, where, count, Decimal(rate.rate),
                   to_minor(count * Decimal(rate.rate), taxable.currency))

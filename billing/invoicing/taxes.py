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

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.core.money import Money, to_minor
from billing.invoicing.tax_models import TaxExemption, TaxRate


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
    unit: str  # what the rate is per: "percent" of the base (the quantity), "line", "number"


def jurisdiction_of(rate: TaxRate) -> str:
    parts = [rate.country] + [p for p in (rate.region, rate.locality) if p]
    return " / ".join(parts)


def rates_in_force(session: Session, *, country: str, region: str | None, city: str | None,
                   on: date, exempt: set[str]) -> list[TaxRate]:
    """For each tax of the customer's jurisdictions, the rate in force on that day."""
    return in_force(candidate_rates(session, {country}, on), country=country, region=region,
                    city=city, on=on, exempt=exempt)


def candidate_rates(session: Session, countries: set[str], on: date) -> list[TaxRate]:
    """Every rate of these countries in force on that day or earlier (the table is small)."""
    query = select(TaxRate).where(TaxRate.country.in_(countries), TaxRate.effective_from <= on)
    return list(session.scalars(query.order_by(TaxRate.effective_from)))


def in_force(rates: list[TaxRate], *, country: str, region: str | None, city: str | None,
             on: date, exempt: set[str]) -> list[TaxRate]:
    """Of `rates` (oldest first), the latest of each tax that applies where the customer is."""
    latest: dict[tuple, TaxRate] = {}
    for rate in rates:
        if (rate.country == country and rate.region in ("", region or "")
                and rate.locality in ("", city or "") and rate.effective_from <= on):
            latest[(rate.tax_type, rate.region, rate.locality)] = rate  # later dates win
    return without_exempt(sorted(latest.values(), key=lambda r: (r.region, r.locality,
                                                                 r.tax_type)), exempt)


def without_exempt(rates, exempt: set[str]) -> list[TaxRate]:
    """Drop the tax types the customer is exempt from."""
    return [rate for rate in rates if rate.tax_type not in exempt]


def exempt_tax_types(session: Session, customer_id: int) -> set[str]:
    return exemptions(session, [customer_id])[customer_id]


def exemptions(session: Session, customer_ids) -> dict[int, set[str]]:
    """The tax types each customer is exempt from (an empty set for most)."""
    found = {customer_id: set() for customer_id in customer_ids}
    query = select(TaxExemption.customer_id, TaxExemption.tax_type)
    for customer_id, tax_type in session.execute(
            query.where(TaxExemption.customer_id.in_(found))):
        found[customer_id].add(tax_type)
    return found


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
                       to_minor(base * Decimal(rate.rate), taxable.currency), "percent")
    if rate.currency != taxable.currency:
        raise InvalidInput(f"Fee {rate.name} is in {rate.currency}, the invoice in "
                           f"{taxable.currency}.")
    count = Decimal(taxable.lines if rate.kind == "per_line" else taxable.numbers)
    return TaxLine("fee", rate.name, where, count, Decimal(rate.rate),
                   to_minor(count * Decimal(rate.rate), taxable.currency),
                   "line" if rate.kind == "per_line" else "number")

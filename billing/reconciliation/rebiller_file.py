"""The billing file a rebiller uploads: what it billed its end customers for a period.

Format and example: billing/reconciliation/rebiller_file.md and examples/. The file is
checked whole before anything is reconciled, in the style of billing/imports: every
problem is reported as (line, column, message) and a file with any problem is refused
whole. A row may name only the rebiller's own end customers; an account number that is
not one of them gets the same message whether or not it exists elsewhere, so the check
says nothing about other partners' customers.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import BillPeriod, parse_period
from billing.core.errors import InvalidInput
from billing.core.money import MINOR_DIGITS, to_minor
from billing.imports import fields
from billing.imports.core import MAX_ERRORS, RowError, RowInvalid, rows_of
from billing.parties.models import Customer, Partner
from billing.reconciliation.rebiller_sides import Bill

COLUMNS = ("account_number", "code", "period", "quantity", "unit_price", "amount", "tax")
MAX_BYTES = 10 * 1024 * 1024
LOWEST = -(fields.LARGEST - 1)  # amounts may be negative (a credit the rebiller gave)


@dataclass(frozen=True)
class RetailLine:
    """One row of the file, checked: an end customer's charge for one code."""

    customer_id: int
    currency: str
    code: str
    quantity: Decimal
    amount_minor: int
    tax_minor: int


class BillingFileRefused(InvalidInput):
    """The file has problems; `errors` lists them by line and column. Nothing was used."""

    def __init__(self, errors: list[RowError], more: int = 0):
        super().__init__(f"The billing file has {len(errors) + more} problem(s); "
                         "nothing was reconciled.")
        self.errors, self.more = errors, more


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_billing_file(session: Session, partner: Partner, period: BillPeriod, data: bytes,
                      today: date) -> list[RetailLine]:
    """Every row of the file checked against the rebiller's end customers and the
    period; BillingFileRefused with every problem found if any row is wrong."""
    if len(data) > MAX_BYTES:
        raise BillingFileRefused([RowError(0, "", "The file is larger than 10 MB.")])
    ends = end_customers(session, partner.id)
    lines, errors, more = [], [], 0
    sums: dict = {}
    try:
        for number, row in rows_of(io.BytesIO(data), COLUMNS):
            try:
                line = _line(row, ends, period, today)
                _add_up(sums, line, row["account_number"])
                lines.append(line)
            except RowInvalid as invalid:
                if len(errors) < MAX_ERRORS:
                    errors.append(RowError(number, invalid.column, invalid.message))
                else:
                    more += 1
    except InvalidInput as refused:  # the header, the encoding, an unreadable line
        raise BillingFileRefused([RowError(1, "", refused.message)]) from None
    if not lines and not errors:
        errors.append(RowError(2, "", "The file has a header but no rows."))
    if errors:
        raise BillingFileRefused(errors, more)
    return lines


def end_customers(session: Session, partner_id: int) -> dict[str, tuple[int, str]]:
    """The rebiller's end customers by account number: (id, currency)."""
    return {number: (cid, currency) for number, cid, currency in session.execute(
        select(Customer.account_number, Customer.id, Customer.currency).where(
            Customer.partner_id == partner_id, Customer.billing_role == "retail"))}


def _line(row: dict, ends: dict, period: BillPeriod, today: date) -> RetailLine:
    if "__width__" in row:
        raise RowInvalid("", f"expected {len(COLUMNS)} columns, found {row['__width__']}")
    number = row["account_number"]
    if number not in ends:
        raise RowInvalid("account_number", f"{number!r} is not one of your end customers")
    customer_id, currency = ends[number]
    code = fields.text(row, "code", max_length=40)
    _check_period(row, period, today)
    quantity = fields.number(row, "quantity")
    fields.number(row, "unit_price")
    return RetailLine(customer_id, currency, code, quantity,
                      _amount(row, "amount", currency), _amount(row, "tax", currency))


def _add_up(sums: dict, line: RetailLine, number: str) -> None:
    """Keep the running sums the run will store (per end customer and code, and the tax
    per end customer) within what their columns hold: a row that would carry one past
    it is refused here, instead of failing the run later with a database error."""
    charge = sums.get((line.customer_id, line.code), (Decimal(0), 0))
    quantity, amount = charge[0] + line.quantity, charge[1] + line.amount_minor
    tax = sums.get(line.customer_id, 0) + line.tax_minor
    largest_minor = to_minor(fields.LARGEST, line.currency)
    if quantity >= fields.LARGEST:
        raise RowInvalid("quantity", f"the quantities of {number!r} for {line.code!r} add "
                                     "up to more than the portal can hold")
    if abs(amount) >= largest_minor:
        raise RowInvalid("amount", f"the amounts of {number!r} for {line.code!r} add up "
                                   "to more than the portal can hold")
    if abs(tax) >= largest_minor:
        raise RowInvalid("tax", f"the taxes of {number!r} add up to more than the portal "
                                "can hold")
    sums[(line.customer_id, line.code)], sums[line.customer_id] = (quantity, amount), tax


def _check_period(row: dict, period: BillPeriod, today: date) -> None:
    try:
        found = parse_period(row["period"])
    except InvalidInput:
        raise RowInvalid("period", f"{row['period']!r} is not a period (YYYY-MM)") from None
    if not found.has_begun(today):
        raise RowInvalid("period", f"{row['period']} is in the future")
    if found != period:
        raise RowInvalid("period", f"{row['period']} is not the period being reconciled "
                                   f"({period.key})")


def _amount(row: dict, column: str, currency: str) -> int:
    value = fields.number(row, column, places=MINOR_DIGITS[currency], minimum=LOWEST)
    return to_minor(value, currency)


def file_bill(lines: Iterable[RetailLine]) -> Bill:
    """The file's rows summed per (end customer, code), and its tax per end customer,
    in the end customer's currency: the same shape as the portal's own bills."""
    bill = Bill()
    for line in lines:
        entry = bill.charges.setdefault((line.customer_id, line.code),
                                        [line.currency, Decimal(0), 0])
        entry[1] += line.quantity
        entry[2] += line.amount_minor
        tax = bill.taxes.setdefault(line.customer_id, [line.currency, 0, 0])
        tax[1] += line.tax_minor
        tax[2] += 1
    return bill

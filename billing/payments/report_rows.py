"""Reading Stripe's itemised balance-change report (CSV) into checked rows, all or nothing.

Stripe names the columns; their order and the columns a finance person chose to add vary,
so the header is read by name: the columns the import uses (`REQUIRED`) must all be
there, `OPTIONAL` ones are read when present, any others are ignored. Amounts are in
major units (lower-case currency codes, as Stripe writes them) and become integer minor
units here, once; times are Stripe's "YYYY-MM-DD HH:MM:SS" in UTC (an ISO 8601 time with
an offset is read too). Every row is checked before anything is saved: `read_report`
returns either all rows or the problems, each naming its line (header = line 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from billing.core.clock import FIRST_YEAR, LAST_INSTANT_YEAR, parse_instant
from billing.core.errors import InvalidInput
from billing.core.money import MAX_MINOR, MINOR_DIGITS
from billing.imports.core import MAX_ERRORS, RowError, RowInvalid, _checked, _text_lines

ACCOUNT = "payment_metadata[account_number]"
INVOICES = "payment_metadata[invoice_numbers]"
REQUIRED = ("balance_transaction_id", "created_utc", "currency", "gross", "fee", "net",
            "reporting_category", "source_id", "customer_id", "charge_id",
            "payment_intent_id", "automatic_payout_id", "payment_method_type",
            ACCOUNT, INVOICES)
OPTIONAL = ("available_on_utc", "automatic_payout_effective_at_utc",
            "customer_facing_amount", "customer_facing_currency")

# Stripe's payment method types the portal keeps as one of its own methods.
METHODS = {"card": "card", "sepa_debit": "sepa_debit", "us_bank_account": "ach",
           "ach_debit": "ach", "ach_credit_transfer": "ach"}
# The categories tied to a payment, and the sign their gross must have.
SIGNS = {"charge": 1, "refund": -1, "dispute": -1, "dispute_reversal": 1}
MAX_NAMED = 50  # invoice numbers one payment may name

_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
_STRIPE_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One balance transaction, checked; amounts in minor units of `currency`."""

    line: int
    balance_transaction_id: str
    reporting_category: str
    created: datetime
    available_on: datetime | None
    currency: str  # settlement currency of gross, fee and net (upper case)
    gross_minor: int
    fee_minor: int
    net_minor: int
    source_id: str
    stripe_customer_id: str
    charge_id: str
    payment_intent_id: str
    payout_id: str
    payout_at: datetime | None
    method: str | None
    account_number: str
    invoice_numbers: tuple[str, ...]
    # What the customer paid in (the customer-facing amount when Stripe converted it).
    amount_currency: str
    amount_minor: int

    @property
    def payment_ref(self) -> str:
        """The outside id a payment recorded by webhook carries (PaymentIntent, or charge)."""
        return self.payment_intent_id or self.charge_id


@dataclass
class ParsedReport:
    rows: list[ReportRow]
    errors: list[RowError]
    more_errors: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def read_report(stream: BinaryIO, now: datetime) -> ParsedReport:
    """Check every row of the file; the rows are usable only when `ok`."""
    report = ParsedReport([], [])
    seen: dict[str, int] = {}
    for line, values in _lines(stream):
        try:
            row = parse_row(line, values, now)
            if row.balance_transaction_id in seen:
                raise RowInvalid("balance_transaction_id", "appears twice in the file "
                                 f"(first on line {seen[row.balance_transaction_id]})")
            seen[row.balance_transaction_id] = line
            report.rows.append(row)
        except RowInvalid as invalid:
            if len(report.errors) < MAX_ERRORS:
                report.errors.append(RowError(line, invalid.column, invalid.message))
            else:
                report.more_errors += 1
    if not report.rows and not report.errors:
        report.errors.append(RowError(2, "", "The file has a header but no rows."))
    return report


def _lines(stream: BinaryIO) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(_text_lines(stream))
    header = [name.strip() for name in next(reader, None) or []]
    if not header:
        raise InvalidInput("The file is empty.")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(f"Line 1: the report lacks the column(s) {', '.join(missing)}. "
                           "Download the itemised balance change report with them.")
    wanted = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    for line, values in enumerate(_checked(reader), start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield line, {"__width__": (len(header), len(values))}
            continue
        yield line, {name: values[at].strip() for name, at in wanted.items()}


def parse_row(line: int, row: dict, now: datetime) -> ReportRow:
    """One row checked and typed, or RowInvalid naming the column at fault."""
    if "__width__" in row:
        expected, found = row["__width__"]
        raise RowInvalid("", f"expected {expected} columns, found {found}")
    category = _text(row, "reporting_category", required=True, limit=50)
    currency = _currency(row, "currency")
    gross, fee, net = (_amount(row, name, currency) for name in ("gross", "fee", "net"))
    if gross - fee != net:
        raise RowInvalid("net", "is not gross less fee")
    created = _time(row, "created_utc")
    if created > now:
        raise RowInvalid("created_utc", "is in the future")
    if category in SIGNS and gross * SIGNS[category] <= 0:
        raise RowInvalid("gross", f"must be {'above' if SIGNS[category] > 0 else 'below'} "
                                  f"zero for a {category}")
    amount_currency, amount = _customer_facing(row, currency, abs(gross))
    parsed = ReportRow(
        line, _text(row, "balance_transaction_id", required=True), category, created,
        _time(row, "available_on_utc", required=False), currency, gross, fee, net,
        _text(row, "source_id"), _text(row, "customer_id"), _text(row, "charge_id"),
        _text(row, "payment_intent_id"), _text(row, "automatic_payout_id"),
        _time(row, "automatic_payout_effective_at_utc", required=False),
        _method(row, category), _text(row, ACCOUNT, limit=20), _invoice_numbers(row),
        amount_currency, amount)
    _check_ties(parsed)
    return parsed


def _check_ties(row: ReportRow) -> None:
    """A row tied to a payment must say which payment (and a reversal, which reversal)."""
    if row.reporting_category in SIGNS and not row.payment_ref:
        raise RowInvalid("payment_intent_id", f"a {row.reporting_category} needs its "
                                              "payment_intent_id or charge_id")
    if row.reporting_category in ("refund", "dispute") and not row.source_id:
        raise RowInvalid("source_id", f"a {row.reporting_category} needs its source_id")


def _text(row: dict, column: str, *, required=False, limit=100) -> str:
    value = row.get(column, "")
    if required and not value:
        raise RowInvalid(column, "is required")
    if len(value) > limit:
        raise RowInvalid(column, f"is longer than {limit} characters")
    return value


def _currency(row: dict, column: str) -> str:
    value = row.get(column, "")
    if value.upper() not in MINOR_DIGITS:
        raise RowInvalid(column, f"{value!r} is not a supported currency "
                                 f"({', '.join(code.lower() for code in MINOR_DIGITS)})")
    return value.upper()


def _amount(row: dict, column: str, currency: str) -> int:
    """Major units to minor units by the digits themselves (no decimal arithmetic: the
    amount is refused rather than rounded when it has more decimals than the currency,
    so the minor units are exact)."""
    value = row.get(column, "")
    found = _AMOUNT.fullmatch(value)
    if not found:
        raise RowInvalid(column, f"{value!r} is not an amount (write it like -1250.50)")
    sign, whole, decimals = found.groups(default="")
    places = MINOR_DIGITS[currency]
    if len(decimals) > places:
        raise RowInvalid(column, f"{value!r} has more decimals than {currency} has")
    digits = (whole + decimals.ljust(places, "0")).lstrip("0")
    minor = int(digits or "0") if len(digits) <= len(str(MAX_MINOR)) else MAX_MINOR + 1
    if minor > MAX_MINOR:
        raise RowInvalid(column, f"{value!r} is larger than any amount the portal records")
    return -minor if sign else minor


def _time(row: dict, column: str, *, required=True) -> datetime | None:
    value = row.get(column, "")
    if not value and not required:
        return None
    if found := _STRIPE_TIME.fullmatch(value):
        try:
            moment = datetime(*map(int, found.groups()), tzinfo=UTC)
        except ValueError:  # no such day or time
            moment = None
        if moment is not None and FIRST_YEAR <= moment.year <= LAST_INSTANT_YEAR:
            return moment
    elif (moment := parse_instant(value)) is not None:
        return moment
    raise RowInvalid(column, f"{value!r} is not a time (YYYY-MM-DD HH:MM:SS, UTC)")


def _method(row: dict, category: str) -> str | None:
    value = row.get("payment_method_type", "")
    if category != "charge":
        return METHODS.get(value)
    if value not in METHODS:
        raise RowInvalid("payment_method_type", f"{value!r} is not a payment method the "
                                                f"portal records ({', '.join(METHODS)})")
    return METHODS[value]


def _invoice_numbers(row: dict) -> tuple[str, ...]:
    numbers = tuple(_text(row, INVOICES, limit=500).split())
    if len(numbers) > MAX_NAMED or any(len(number) > 40 for number in numbers):
        raise RowInvalid(INVOICES, f"names more than {MAX_NAMED} invoices, or a number "
                                   "longer than 40 characters")
    return numbers


def _customer_facing(row: dict, currency: str, amount: int) -> tuple[str, int]:
    """The currency and amount the customer paid in: Stripe's customer-facing columns
    when it converted the payment, else the settlement currency and gross."""
    if not row.get("customer_facing_currency") or not row.get("customer_facing_amount"):
        return currency, amount
    facing = _currency(row, "customer_facing_currency")
    return facing, abs(_amount(row, "customer_facing_amount", facing))

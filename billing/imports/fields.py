"""Parsing one CSV cell into a typed value, or a RowInvalid naming the column."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from billing.core.clock import FIRST_YEAR, LAST_INSTANT_YEAR, parse_instant
from billing.core.money import CURRENCIES
from billing.imports.core import RowInvalid

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def text(row, column, *, required=True, max_length=200) -> str:
    value = row[column]
    if required and not value:
        raise RowInvalid(column, "is required")
    if len(value) > max_length:
        raise RowInvalid(column, f"is longer than {max_length} characters")
    return value


def choice(row, column, options) -> str:
    value = row[column]
    if value not in options:
        raise RowInvalid(column, f"{value!r} is not one of {', '.join(options)}")
    return value


def day(row, column, *, required=True) -> date | None:
    value = row[column]
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowInvalid(column, f"{value!r} is not a date (YYYY-MM-DD)") from None


def instant(row, column) -> datetime:
    value = row[column]
    moment = parse_instant(value)
    if moment is None:
        raise RowInvalid(column, f"{value!r} is not a date-time with a UTC offset between "
                                 f"{FIRST_YEAR} and {LAST_INSTANT_YEAR} "
                                 "(e.g. 2026-03-01T14:05:00-07:00)")
    return moment


# Plain decimals only: Decimal() also reads "1e30", "1_000" and non-ASCII digits.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
LARGEST = Decimal(10) ** 12  # the rate columns are NUMERIC(18, 6)


def number(row, column, *, places=6, minimum=Decimal(0)) -> Decimal:
    value = row[column]
    if not _PLAIN_NUMBER.fullmatch(value or ""):
        raise RowInvalid(column, f"{value!r} is not a number (write it like 1250.50)")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise RowInvalid(column, f"{value!r} is not a number") from None
    if parsed.as_tuple().exponent < -places:
        raise RowInvalid(column, f"{value!r} has more than {places} decimal places")
    if abs(parsed) >= LARGEST:
        raise RowInvalid(column, f"{value!r} is too large")
    if parsed < minimum:
        raise RowInvalid(column, f"{value!r} is below {minimum}")
    return parsed


def currency(row, column, *, required=True) -> str | None:
    value = row[column]
    if not value and not required:
        return None
    if value not in CURRENCIES:
        raise RowInvalid(column, f"{value!r} is not a supported currency "
                                 f"({', '.join(CURRENCIES)})")
    return value


def flag(row, column) -> bool:
    value = row[column].lower()
    if value not in ("yes", "no", "true", "false", "1", "0", ""):
        raise RowInvalid(column, f"{row[column]!r} is not yes or no")
    return value in ("yes", "true", "1")


def email(row, column) -> str:
    value = text(row, column, max_length=254)
    if not _EMAIL.fullmatch(value):
        raise RowInvalid(column, f"{value!r} is not an e-mail address")
    return value.lower()


def reference(mapping: dict, row, column, what: str, *, required=True):
    value = row[column]
    if not value and not required:
        return None
    if value not in mapping:
        raise RowInvalid(column, f"no {what} {value!r}")
    return mapping[value]

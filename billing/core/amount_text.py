"""Amounts as people type and read them, in the conventions of their locale.

One parser serves every amount a person types (pages in the viewer's locale; the API and
files in en_US, the form machines write). The locale's decimal and grouping symbols come
from Babel (CLDR), never from a table of our own:

- en_US, en_GB: "1,234.50"; de, es: "1.234,50"; fr: "1 234,50" (a narrow no-break space,
  a no-break space or a plain space between the groups).
- Grouping is optional, but where it is used every group sits where the locale puts it
  (three digits), so "12.50" in German is refused rather than read as 1250.
- A text with only a grouping symbol in a grouping position is read as the locale reads
  it: "1.234" in German is 1234, "1,234" in English is 1234. The other locale's reading
  (1.234 or 1,234 as decimals) cannot be an amount in a currency of two decimal places,
  so no amount is ever read a thousand times too large or too small by mistake.
- At most the currency's decimal places, ASCII digits only, no exponent, no currency
  sign, no control character, nothing beyond what an amount column holds.

Refusals are AmountRefused with a `reason` the portal turns into a translated message
and the locale's `example` ("1.234,56") to show the expected form.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale, numbers

from billing.core.errors import InvalidInput
from billing.core.money import MAX_MINOR, MINOR_DIGITS, Money, check_currency, to_minor

MACHINE_LOCALE = "en_US"
SPACES = "\u202f\u00a0 "  # what people and keyboards put for a space-like group symbol
EXAMPLE = Decimal("1234.56")
MAX_FIGURES = 15  # of the whole part, leading zeros included: longer is a slip of the hand


class AmountRefused(InvalidInput):
    """A typed text that is not an amount. `reason` is one of: "empty", "not_a_number",
    "wrong_form" (a decimal or grouping symbol out of place), "places" (more decimal
    places than the currency has), "too_large"."""

    def __init__(self, message: str, reason: str, example: str):
        super().__init__(message)
        self.reason = reason
        self.example = example


class _Conventions:
    """The symbols and grouping of one locale, and the pattern of an amount written in it."""

    def __init__(self, locale: str):
        parsed = Locale.parse(locale)
        self.decimal = numbers.get_decimal_symbol(parsed)
        self.group = numbers.get_group_symbol(parsed)
        self.minus = numbers.get_minus_sign_symbol(parsed)
        primary, secondary = parsed.decimal_formats[None].grouping
        groups = SPACES if self.group in SPACES else self.group
        sep = f"[{re.escape(groups)}]"
        grouped = rf"[0-9]{{1,{secondary}}}(?:{sep}[0-9]{{{secondary}}})*{sep}[0-9]{{{primary}}}"
        signs = re.escape("-" + self.minus)
        point = re.escape(self.decimal)
        # ASCII digits only (Decimal() also reads other scripts' digits).
        self.pattern = re.compile(
            rf"(?P<sign>[{signs}])?(?P<whole>[0-9]+|{grouped})?(?:{point}(?P<fraction>[0-9]*))?")
        self.example = numbers.format_decimal(EXAMPLE, format="#,##0.00", locale=parsed)


@lru_cache(maxsize=16)
def conventions(locale: str) -> _Conventions:
    return _Conventions(str(locale))


def parse_amount(text, currency: str, locale: str = MACHINE_LOCALE) -> int:
    """An amount in major units typed as `locale` writes it ("1.234,50" in de), read into
    minor units of `currency`; AmountRefused saying why if it is not one."""
    places = MINOR_DIGITS[check_currency(currency)]
    style = conventions(locale)
    text = str(text).strip(SPACES + "\t\r\n")
    negative, whole, fraction = _figures(text, style)

    def refuse(reason: str, why: str):
        return AmountRefused(f"{text!r} {why}", reason, style.example)

    if len(whole) > MAX_FIGURES or len(whole.lstrip("0")) + places > len(str(MAX_MINOR)):
        raise refuse("too_large", "is larger than any amount the portal handles.")
    if len(fraction) > places:
        raise refuse("places", f"is not an amount in {currency}.")
    value = Decimal(f"{whole}.{fraction or '0'}")
    if abs(value) > Decimal(MAX_MINOR).scaleb(-places):
        raise refuse("too_large", "is larger than any amount the portal handles.")
    return to_minor(-value if negative else value, currency)


def _figures(text: str, style: _Conventions) -> tuple[bool, str, str]:
    """(negative, whole digits, fraction digits) of an amount written in the locale's
    form; AmountRefused if it is not written so."""
    found = style.pattern.fullmatch(text) if text else None
    if not found or not (found["whole"] or found["fraction"]):
        reason = _why_not(text, style)
        raise AmountRefused(f"{text!r} {_WHY[reason].format(style.example)}", reason,
                            style.example)
    whole = re.sub("[^0-9]", "", found["whole"] or "") or "0"
    return bool(found["sign"]), whole, found["fraction"] or ""


_WHY = {"wrong_form": "is not an amount; use the form {}.", "not_a_number": "is not an amount.",
        "empty": "is not an amount."}


def _why_not(text: str, style: _Conventions) -> str:
    """Figures with only the locale's (or the other locale's) symbols between them were
    meant as an amount in another form; anything else is not a number at all."""
    if not text:
        return "empty"
    symbols = set(SPACES + ".,'" + style.decimal + style.group + style.minus + "-")
    if any(ch in "0123456789" for ch in text) and set(text) <= symbols | set("0123456789"):
        return "wrong_form"
    return "not_a_number"


def amount_for_input(minor: int, currency: str, locale: str = MACHINE_LOCALE) -> str:
    """An amount written as `locale` writes it, with the currency's decimal places and
    no currency sign: what a form field shows and what parse_amount reads back."""
    places = MINOR_DIGITS[check_currency(currency)]
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return numbers.format_decimal(Money(minor, currency).major, format=pattern, locale=locale)

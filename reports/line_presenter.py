"""How an invoice line reads, in the web invoice pages and the invoice PDF alike.

Both render lines through `present_line`, so a line reads the same on screen and on
paper. It takes a line as the access policy left it (presenters.line_dict) and a locale,
needs no request, and gives display text only:

- usage: the number of calls, the minutes rounded half-up to two places for display
  ("231.92 min"; the amount stays the one rated on the exact minutes) and the rate per
  minute with its currency ("€0.0450 / min");
- recurring charges: the quantity and the rate per month ("€12.00 / month");
- percentage taxes and fees: the taxable base and the rate in their own columns
  ("€2,721.80", "8.25%"); fees per line or per number: the count and "€0.70 / line";
- credits and adjustments: the amount only (their quantity and rate say nothing more).

Lines drafted before the rate unit was kept fall back on their kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, get_currency_precision, parse_pattern

from reports.rendering import format_quantity, translations


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


UNIT_LABELS = {"minute": _("min"), "month": _("month"), "line": _("line"),
               "number": _("number")}
PER_UNIT = _("%(price)s / %(unit)s")
FALLBACK_UNITS = {"usage": "minute", "recurring": "month", "tax": "percent"}
AMOUNT_ONLY = ("credit", "proration")
MINUTES_SHOWN = Decimal("0.01")
# Older usage descriptions ended with the unrounded minutes, now a column of their own.
_OLD_MINUTES = re.compile(r": [0-9][0-9.,]* min$")


@dataclass(frozen=True)
class LineView:
    """One line's display text; an empty string leaves its cell blank."""

    description: str
    detail: str
    calls: str
    quantity: str
    base: str
    rate: str
    amount: str


def present_line(line: dict, currency: str, locale: str) -> LineView:
    """The line as it reads in `locale`; `currency` is the invoice's."""
    unit = line.get("rate_unit") or FALLBACK_UNITS.get(line["kind"])
    gettext = translations(locale).gettext
    amount = format_currency(Decimal(line["amount"]["amount"]), currency, locale=locale)
    description = line["description"]
    if line["kind"] == "usage":
        description = _OLD_MINUTES.sub("", description)
    view = dict(description=description, detail=line.get("jurisdiction") or "", calls="",
                quantity="", base="", rate="", amount=amount)
    quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
    if line["kind"] in AMOUNT_ONLY:
        pass
    elif unit == "percent":
        view.update(base=format_currency(quantity, currency, locale=locale),
                    rate=tax_rate(price, locale))
    elif unit == "minute":
        calls = line.get("call_count")
        view.update(calls="" if calls is None else format_decimal(calls, locale=locale),
                    quantity=f"{minutes(quantity, locale)} {gettext(UNIT_LABELS[unit])}",
                    rate=gettext(PER_UNIT) % {"price": unit_rate(price, currency, locale, 4),
                                              "unit": gettext(UNIT_LABELS[unit])})
    else:
        rate = unit_rate(price, currency, locale)
        if unit in UNIT_LABELS:
            rate = gettext(PER_UNIT) % {"price": rate, "unit": gettext(UNIT_LABELS[unit])}
        view.update(quantity=format_quantity(quantity, locale), rate=rate)
    return LineView(**view)


def minutes(value: Decimal, locale: str) -> str:
    """Minutes rounded half-up to two places, for display only."""
    shown = Decimal(value).quantize(MINUTES_SHOWN, rounding=ROUND_HALF_UP)
    return format_decimal(shown, format="#,##0.00", locale=locale)


def unit_rate(value: Decimal, currency: str, locale: str, places: int | None = None) -> str:
    """A unit price with its currency, placed as the locale places it, keeping every one
    of its (up to six) places and at least the currency's own, or `places`."""
    pattern = parse_pattern(Locale.parse(locale).currency_formats["standard"].pattern)
    least = get_currency_precision(currency) if places is None else places
    pattern.frac_prec = (least, max(least, 6))
    return pattern.apply(Decimal(value), Locale.parse(locale), currency=currency,
                         currency_digits=False)


def tax_rate(value: Decimal, locale: str) -> str:
    """A tax rate as a percentage the locale's way ("8.25%", "8,25 %")."""
    pattern = parse_pattern(Locale.parse(locale).percent_formats[None].pattern)
    pattern.frac_prec = (0, 4)
    return pattern.apply(Decimal(value), Locale.parse(locale))

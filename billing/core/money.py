"""Money as integer minor units plus an ISO 4217 currency; all rounding lives here.

Unit rates may carry up to six decimal places (per-minute usage); an invoice line is
rounded half-up to minor units exactly once, and totals are sums of rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction

from billing.core.errors import InvalidInput

MINOR_DIGITS = {"USD": 2, "CAD": 2, "GBP": 2, "EUR": 2}
CURRENCIES = tuple(MINOR_DIGITS)
RATE_PLACES = Decimal("0.000001")
MAX_MINOR = 2**31 - 1  # amounts are INTEGER columns: 21,474,836.47 in a 2-digit currency
MAX_DIGITS = 40  # no computed amount comes near this many digits; beyond it, refuse


def check_currency(code: str) -> str:
    if code not in MINOR_DIGITS:
        raise InvalidInput(f"Unsupported currency {code!r}.")
    return code


def to_minor(amount: Decimal, currency: str) -> int:
    """Round a decimal amount in major units half-up to integer minor units.

    Exact however many digits the amount has: the default decimal context keeps 28, and
    rounding a longer number there would fail (or, for a product, lose digits).
    """
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    places = MINOR_DIGITS[check_currency(currency)]
    value = Decimal(amount)
    if value.is_finite() and value.adjusted() > MAX_DIGITS:
        raise InvalidInput(f"{value} is larger than any amount the portal handles.")
    with localcontext() as exact:
        exact.prec = max(exact.prec, len(value.as_tuple().digits) + places + 2,
                         value.adjusted() + places + 2)
        return int((value.scaleb(places)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> int:
    """The amount of one invoice line: quantity times unit rate, rounded once."""
    return to_minor(Decimal(quantity) * Decimal(unit_price), currency)


def parse_rate(text: str) -> Decimal:
    """Parse a unit rate of at most six decimal places."""
    try:
        rate = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not a number.") from None
    if not rate.is_finite() or rate.as_tuple().exponent < -6:
        raise InvalidInput(f"{text!r} has more than six decimal places.")
    return rate


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int")
        check_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    @property
    def major(self) -> Decimal:
        """The amount in major units, for display and formatting only."""
        return Decimal(self.minor).scaleb(-MINOR_DIGITS[self.currency])

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(f"Cannot combine {self.currency} with {other.currency}.")


def total(amounts, currency: str) -> Money:
    """Sum minor-unit amounts (ints or Money) of one currency."""
    result = Money(0, currency)
    for amount in amounts:
        result = result + (amount if isinstance(amount, Money) else Money(amount, currency))
    return result


def round_fraction(value: Fraction) -> int:
    """An exact rational amount of minor units rounded half-up (away from zero), once.

    Commission lines are products of shares and percents that no decimal holds exactly;
    computing them as fractions and rounding here keeps the one rounding exact.
    """
    if isinstance(value, float):
        raise TypeError("money is never a float")
    value = Fraction(value)
    return round_ratio(value.numerator, value.denominator)


def round_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator minor units rounded half-up (away from zero): the integer
    form of `round_fraction`, for loops over many amounts."""
    if denominator <= 0:
        raise ValueError("a ratio of money has a positive denominator")
    whole, rest = divmod(abs(numerator), denominator)
    if 2 * rest >= denominator:
        whole += 1
    return whole if numerator >= 0 else -whole

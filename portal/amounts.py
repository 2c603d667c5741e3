"""Amounts on forms, in the locale the page is shown in.

Every form that takes an amount reads it with `read_amount` and shows a saved one with
`amount_value`, so "12,50" works on a German page, "1 234,50" on a French one and
"1,234.50" on an English one, and each refusal says, translated, what form is expected.
"""

from __future__ import annotations

from contextlib import suppress

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import ValidationError

from billing.core.amount_text import MACHINE_LOCALE, AmountRefused, amount_for_input, parse_amount
from billing.core.money import MINOR_DIGITS


def page_locale() -> str:
    """The locale the page is shown in (the user's, else the browser's), or the one a
    notice is rendered in; outside any request and unforced, the machine locale."""
    if not has_request_context():
        with suppress(RuntimeError):  # the selector reads the request; force_locale does not
            return str(get_locale() or MACHINE_LOCALE)
        return MACHINE_LOCALE
    return str(get_locale() or MACHINE_LOCALE)


def read_amount(text: str | None, currency: str) -> int | None:
    """Minor units of an amount typed on a page (None when left blank); ValidationError
    with a translated message if it is not an amount in the page's locale."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_amount(text, currency, page_locale())
    except AmountRefused as refused:
        raise ValidationError(refusal_message(refused, currency)) from None


def refusal_message(refused: AmountRefused, currency: str) -> str:
    """What the user reads when `refused` was typed as an amount in `currency`."""
    if refused.reason == "wrong_form":
        return _("Use the form %(example)s.", example=refused.example)
    if refused.reason == "places":
        return _("Use at most %(places)d decimal places for %(currency)s.",
                 places=MINOR_DIGITS[currency], currency=currency)
    if refused.reason == "too_large":
        return _("The amount is larger than the portal can hold.")
    return _("Enter the amount in figures, for example %(example)s.", example=refused.example)


def amount_value(minor: int | None, currency: str) -> str:
    """A saved amount as a form field shows it on this page ("" for none)."""
    if minor is None:
        return ""
    return amount_for_input(minor, currency, page_locale())

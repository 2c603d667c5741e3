"""How to pay an invoice: the provider's bank details for its currency, the reference to
quote, and the portal's payment page when online payment is offered.

The details come from the portal's settings (REMIT_TO, keyed by currency) as arguments,
never from Flask, so a worker prints the same instructions as a page.
"""

from __future__ import annotations

from collections.abc import Mapping


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


# The bank details an invoice may print, in the order printed, with their labels.
REMIT_FIELDS = {
    "beneficiary": _("Account holder"),
    "bank": _("Bank"),
    "iban": _("IBAN"),
    "bic": _("BIC / SWIFT"),
    "account_number": _("Bank account number"),
    "routing_number": _("Routing number"),
    "sort_code": _("Sort code"),
}


def payment_instructions(remit_to: Mapping[str, Mapping], *, currency: str,
                         reference: str | None, invoice_id: int,
                         pay_online_base: str | None) -> dict | None:
    """What the invoice prints under "How to pay", or None when there is nothing to say
    (no bank details for the currency and no online payment)."""
    details = remit_to.get(currency.upper()) or {}
    bank = [(key, str(details[key])) for key in REMIT_FIELDS if details.get(key)]
    online = (f"{pay_online_base.rstrip('/')}/customer/pay?invoice={invoice_id}"
              if pay_online_base else None)
    if not bank and not online:
        return None
    return {"currency": currency.upper(), "bank": bank, "reference": reference,
            "pay_online": online}

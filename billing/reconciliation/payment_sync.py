"""The balance transactions of a sync window, as the rows of a report.

Stripe's API answers with balance transaction objects; turned into the report's columns
(amounts in major units, times as Stripe writes them in its reports), they go through the
same checks and the same staging as a file, so a run reads a window and a file alike.
The ids a report row carries (charge, PaymentIntent, payout) come from the expanded
`source`: a charge's own id and intent, a refund's or dispute's charge and intent. What the
API does not say (the payout that paid a transaction out) stays empty.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing.core.money import MINOR_DIGITS
from billing.payments import stripe as provider
from billing.payments.provider import StripeSettings
from billing.payments.report_import import major_text
from billing.payments.report_rows import ACCOUNT, INVOICES


def sync_lines(settings: StripeSettings, since: datetime, until: datetime
               ) -> list[tuple[int, dict]]:
    """(position, report columns) of each balance transaction of the window, oldest first."""
    return [(position, report_columns(data)) for position, data in enumerate(
        provider.list_balance_transactions(settings, since, until), start=1)]


def window_label(since: datetime, until: datetime) -> str:
    return f"Stripe API {since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC"


def report_columns(data: dict) -> dict:
    """One balance transaction object as the report's columns."""
    currency = (data.get("currency") or "").upper()
    source = data.get("source") or {}
    if isinstance(source, str):
        source = {"id": source}
    charge = source if source.get("object") == "charge" else {}
    metadata = charge.get("metadata") or {}
    return {
        "balance_transaction_id": data.get("id") or "",
        "created_utc": _when(data.get("created")),
        "available_on_utc": _when(data.get("available_on")),
        "currency": currency.lower(),
        "gross": _major(data.get("amount"), currency),
        "fee": _major(data.get("fee"), currency),
        "net": _major(data.get("net"), currency),
        "reporting_category": data.get("reporting_category") or "",
        "source_id": source.get("id") or "",
        "customer_id": _id(source.get("customer")),
        "charge_id": source["id"] if charge else _id(source.get("charge")),
        "payment_intent_id": _id(source.get("payment_intent")),
        "automatic_payout_id": "",
        "payment_method_type": (charge.get("payment_method_details") or {}).get("type")
        or ("card" if charge else ""),
        ACCOUNT: metadata.get("account_number", ""),
        INVOICES: metadata.get("invoice_numbers", ""),
    }


def _id(value) -> str:
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _when(seconds) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _major(minor, currency: str) -> str:
    if not isinstance(minor, int) or currency not in MINOR_DIGITS:
        return str(minor)  # the checks of the row say what is wrong with it
    return major_text(minor, currency)

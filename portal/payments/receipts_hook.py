"""What follows a payment recorded for a known account: its receipt by e-mail."""

from __future__ import annotations


def after_payment(payment) -> None:
    """Queue the payment's receipt (wired to the receipt notice at merge)."""

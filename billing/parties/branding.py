"""Whose brand an account's documents carry.

A wholesale rebiller resells our services under its own name, so the invoices and
statements of its end customers carry the rebiller's brand on top. The rebiller's own
wholesale account, and every other account, gets documents from the provider itself.
"""

from __future__ import annotations

from billing.parties.models import Customer


def document_brand(customer: Customer) -> dict | None:
    """The brand on this account's invoices and statements: its rebiller's name and
    colour for a rebiller's end customer, else None (the provider's own)."""
    partner = customer.partner
    if partner is None or partner.kind != "wholesale" or customer.is_wholesale:
        return None
    return {"name": partner.display_brand, "color": partner.brand_color}

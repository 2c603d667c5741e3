"""A rebiller's own bill: its wholesale invoice summed per service, for the rebiller.

DESIGN section 8: the wholesale invoice's totals and its totals per service are the
rebiller's own information (what it owes the provider), so they are shown whatever its
end customers approved; which end customer bought what stays behind each end
customer's approval (the sections). The summary names catalogue products, call types
and tax, never an end customer or the description of an end customer's service.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.invoicing.models import Invoice
from portal.invoicing.presenters import money

SUMMED_KINDS = ("recurring", "proration", "one_time")


def is_own_bill(invoice: Invoice) -> bool:
    return invoice.customer.billing_role == "wholesale"


def by_service(session: Session, invoice: Invoice) -> list[dict]:
    """Per product (charges), per call type (usage), then taxes and fees, then credits:
    quantity where it adds up, and amount. One query for the products, however many
    lines."""
    ids = {line.service_id for line in invoice.lines if line.service_id}
    products = dict(session.execute(
        select(Service.id, Product.name).join(Product, Service.product_id == Product.id)
        .where(Service.id.in_(ids))).all()) if ids else {}
    rows: dict[tuple[str, str], list] = {}
    for line in invoice.lines:
        key = _key(line, products)
        row = rows.setdefault(key, [Decimal(0), 0])
        row[0] += line.quantity if key[0] in ("charge", "usage") else 0
        row[1] += line.amount_minor
    order = {"charge": 0, "usage": 1, "tax": 2, "credit": 3}
    return [{"kind": kind, "name": name,
             "quantity": str(quantity.normalize()) if kind in ("charge", "usage") else None,
             "amount": money(amount, invoice.currency)}
            for (kind, name), (quantity, amount) in sorted(
                rows.items(), key=lambda item: (order[item[0][0]], item[0][1]))]


def _key(line, products: dict) -> tuple[str, str]:
    if line.kind in ("tax", "fee"):
        return ("tax", "")
    if line.kind == "credit":
        return ("credit", "")
    if line.kind == "usage":
        return ("usage", line.call_type or "")
    return ("charge", products.get(line.service_id, ""))

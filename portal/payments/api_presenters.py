"""Payments in API answers: plain dicts holding only the fields the access policy allows.

A payment's amount, date, method, reference and what it paid are the account's CPNI:
a viewer who may not see them gets which account and currency, and why not. (A partner
without the customer's approval never gets this far: the policy does not find the
payment at all.)
"""

from __future__ import annotations

from billing.payments.ledger import PaymentFigures
from portal.access import CpniAccess, visible_fields
from portal.invoicing.presenters import customer_ref, money, withheld


def payment_dict(payment, access: CpniAccess, figures: PaymentFigures | None = None, *,
                 detail: bool = False) -> dict:
    """The payment as the viewer may see it; with `detail`, each allocation row (the
    invoice and the amount, negative where a refund or chargeback took it back) and each
    reversal. `figures` (billing.payments.ledger) give what it holds now."""
    data = {"id": payment.id,
            "customer": customer_ref(payment.customer) if payment.customer else None,
            "currency": payment.currency}
    if "amount" not in visible_fields("payment", access):
        data["cpni_withheld"] = withheld(access)
        return data
    cur = payment.currency
    data.update({
        "received_at": payment.received_at.isoformat(),
        "amount": money(payment.amount_minor, cur),
        "method": payment.method,
        "reference": payment.reference,
        "source": payment.source,
        "class": payment.payment_class,
        "named_invoices": list(payment.named_invoices or []),
    })
    if figures is not None:
        data.update(
            allocated=money(figures.allocated_minor, cur),
            unapplied=money(figures.unapplied_minor, cur),
            refunded=money(figures.amount_minor - figures.held_minor, cur))
    if detail:
        data["allocations"] = [
            {"invoice": {"id": a.invoice_id, "number": a.invoice.number},
             "amount": money(a.amount_minor, cur), "at": a.at.isoformat(),
             "reversal_id": a.reversal_id}
            for a in payment.allocations]
        data["reversals"] = [
            {"id": r.id, "kind": r.kind, "amount": money(r.amount_minor, cur),
             "at": r.at.isoformat(), "reason": r.reason}
            for r in payment.reversals]
    return data

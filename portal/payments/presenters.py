"""Payments as plain dicts for pages, receipts and mails.

A payment's amount, date and what it paid are the paying customer's CPNI: callers build
these dicts only for viewers the access policy lets see them (the customer itself, or
billing staff working payments). The dict says what each invoice got net of what
reversals took back, and the figures the ledger derives from the rows.
"""

from __future__ import annotations

from billing.core.clock import provider_date
from billing.payments.ledger import PaymentFigures
from billing.payments.models import Payment
from portal.invoicing.presenters import customer_ref, money


def paid_invoices(payment: Payment) -> list[dict]:
    """Per invoice, what the payment pays of it now (allocations less what was undone),
    in the order the payment first paid them; invoices it no longer pays are left out."""
    net: dict[int, int] = {}
    numbers: dict[int, str] = {}
    for row in payment.allocations:
        net[row.invoice_id] = net.get(row.invoice_id, 0) + row.amount_minor
        numbers[row.invoice_id] = row.invoice.number
    return [{"id": invoice_id, "number": numbers[invoice_id],
             "amount": money(amount, payment.currency)}
            for invoice_id, amount in net.items() if amount]


def reversal_dict(reversal, currency: str, users: dict | None = None) -> dict:
    """Money gone back; with `users` (staff's view) also who recorded it and why."""
    data = {"id": reversal.id, "kind": reversal.kind, "at": reversal.at,
            "on": provider_date(reversal.at).isoformat(),
            "amount": money(reversal.amount_minor, currency)}
    if users is not None:
        data.update(reason=reversal.reason, external_id=reversal.external_id,
                    recorded_by=users.get(reversal.recorded_by_id))
    return data


def payment_dict(payment: Payment, figures: PaymentFigures, *, staff: bool = False,
                 users: dict | None = None) -> dict:
    """The payment as its account (or staff, with `staff` and a map of user ids to
    e-mails for who recorded and assigned what) sees it."""
    cur = payment.currency
    users = (users or {}) if staff else None
    data = {
        "id": payment.id, "currency": cur, "received_at": payment.received_at,
        "received_on": provider_date(payment.received_at).isoformat(),
        "method": payment.method, "reference": payment.reference,
        "account": customer_ref(payment.customer) if payment.customer else None,
        "amount": money(payment.amount_minor, cur),
        "invoices": paid_invoices(payment),
        "reversals": [reversal_dict(r, cur, users) for r in payment.reversals],
        "refunded": money(figures.refunded_minor + figures.charged_back_minor
                          - figures.restored_minor, cur),
        "unapplied": money(figures.unapplied_minor, cur),
    }
    if users is not None:
        data.update(
            payment_class=payment.payment_class, source=payment.source,
            external_id=payment.external_id, named_invoices=list(payment.named_invoices or []),
            payer_note=payment.payer_note, note=payment.note, created_at=payment.created_at,
            recorded_by=users.get(payment.recorded_by_id),
            assigned_at=payment.assigned_at, assigned_by=users.get(payment.assigned_by_id),
            assignment_reason=payment.assignment_reason,
            allocated=money(figures.allocated_minor, cur),
            held=money(figures.held_minor, cur),
            refundable=money(figures.held_minor, cur))
    return data

"""Issuing an invoice: a gapless number, dates, and a snapshot of the bill-to details.

An issued invoice never changes again; corrections are credit notes or new charges.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billing.core.clock import provider_date
from billing.core.errors import InvalidInput
from billing.core.locks import lock_accounts
from billing.core.numbering import format_number, series_key, take_numbers
from billing.invoicing.models import Invoice
from billing.invoicing.status import move_invoice_status
from billing.payments.recording import customers_with_payments, spend_unapplied_credit

PAYMENT_TERMS = timedelta(days=30)


def bill_to_snapshot(customer) -> dict:
    """The customer's billing details as they are now, kept on the invoice for good."""
    return {
        "name": customer.name,
        "account_number": customer.account_number,
        "address": customer.postal_address,
        "country": customer.country,
        "vat_number": customer.vat_number,
        "email": customer.email_of_record,
    }


def issue_invoice(session: Session, invoice_id: int, now: datetime) -> Invoice:
    """Number and issue one draft invoice, in the caller's transaction.

    The invoice row is locked first, so two staff pressing "issue" at once issue it once.
    """
    [invoice] = _locked(session, [invoice_id])
    if invoice.status != "draft":
        raise InvalidInput(f"Invoice {invoice.number} is already issued.")
    _issue(session, [invoice], now)
    return invoice


def issue_drafts(session: Session, invoice_ids: list[int], now: datetime) -> int:
    """Number and issue these invoices in the order given, in the caller's transaction;
    those another issuer got to first are left alone. Returns how many it issued."""
    by_id = {invoice.id: invoice for invoice in _locked(session, invoice_ids)}
    drafts = [by_id[i] for i in invoice_ids if i in by_id and by_id[i].status == "draft"]
    _issue(session, drafts, now)
    return len(drafts)


def _locked(session: Session, invoice_ids: list[int]) -> list[Invoice]:
    """The invoices, locked in id order (so that issuers never wait on each other in a
    circle), as they are now, with their customers.

    Issuing spends unapplied credit, a change of money on the account, so the accounts
    that have ever paid are locked before the invoices, as for any change of money
    (billing/core/locks.py); a draft's account never changes, so reading it unlocked
    first is safe."""
    owners = session.scalars(select(Invoice.customer_id).where(Invoice.id.in_(invoice_ids)))
    lock_accounts(session, customers_with_payments(session, list(owners)))
    return list(session.scalars(
        select(Invoice).where(Invoice.id.in_(invoice_ids)).order_by(Invoice.id)
        .with_for_update(of=Invoice).options(selectinload(Invoice.customer))
        .execution_options(populate_existing=True)))


def _issue(session: Session, drafts: list[Invoice], now: datetime) -> None:
    issue_date: date = provider_date(now)
    series = defaultdict(list)
    for invoice in drafts:
        series[series_key("INV", invoice.currency, issue_date.year)].append(invoice)
    for key in sorted(series):  # series rows too are locked in one order
        first = take_numbers(session, key, len(series[key]))
        for value, invoice in enumerate(series[key], first):
            invoice.bill_to = bill_to_snapshot(invoice.customer)
            invoice.number, invoice.issued_at = format_number(key, value), now
            move_invoice_status(invoice, "issued")
            invoice.issue_date, invoice.due_date = issue_date, issue_date + PAYMENT_TERMS
    session.flush()
    _spend_credit(session, drafts, now)


def _spend_credit(session: Session, issued: list[Invoice], now: datetime) -> None:
    """Unapplied payment credit pays the invoices just issued (docs/payments.md)."""
    payers = customers_with_payments(session, [invoice.customer_id for invoice in issued])
    for customer_id, currency in sorted({(i.customer_id, i.currency) for i in issued
                                         if i.customer_id in payers}):
        spend_unapplied_credit(session, customer_id, currency, now)

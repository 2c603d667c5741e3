"""Rebiller reconciliation: the classes and the amount at stake of each compared item.

For a rebiller and a bill period, the wholesale invoice's lines (per end customer and
code) are compared with what the rebiller billed its end customers (its uploaded billing
file, or else the white-label retail invoices the portal issued) and with what was paid
on the retail invoices the portal issued (DESIGN section 8). Every compared item gets
the first class that applies, and an amount at stake in the currency of the end
customer:

Charges, per end customer and code (product code, or `usage:<call type>`):
- `unbilled`: on the wholesale invoice, not billed retail: revenue leakage. At stake:
  the wholesale amount the rebiller pays and bills no one for.
- `cancelled_but_billed`: billed retail, but the wholesale invoice carries nothing for
  it in the period: the service ended (or was never provided). At stake: the retail
  amount billed, which the end customer may claim back.
- `quantity_mismatch`: both carry it, with different quantities (seats, minutes). At
  stake: the difference in quantity at the wholesale unit price (wholesale amount /
  wholesale quantity), rounded half-up once.
- `below_cost`: same quantity, but billed retail for less than it costs wholesale. At
  stake: the shortfall, wholesale amount less retail amount.
- `ok`: none of these; nothing at stake.
Taxes, per end customer:
- `tax_mismatch`: the retail tax differs from the tax the wholesale invoice charged for
  that end customer, carried over to the retail charges at the same effective rate
  (expected = retail charges x wholesale tax / wholesale charges, rounded half-up), by
  more than one minor unit per wholesale tax line (each line was rounded once). At stake:
  the difference between the expected and the billed retail tax. Where the wholesale
  invoice charged no tax for the end customer (a resale certificate), there is no rate
  to compare with and the row is `ok`.
Payments, per retail invoice the portal issued for the period:
- `unpaid`: its due date has passed (provider calendar) and payments had not paid it
  in full at the instant of the run. At stake: its total less what was paid.
An uploaded file carries no payments: the paid side is always the portal's retail
invoices, and with none there are no payment rows.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from billing.core.money import round_fraction, round_ratio
from billing.reconciliation.rebiller_sides import Bill, RetailInvoice


def charge_rows(wholesale: Bill, retail: Bill) -> list[dict]:
    """A row per (end customer, code) on either side."""
    retail_charges = retail.charges
    rows = []
    for key in sorted(set(wholesale.charges) | set(retail_charges)):
        made = wholesale.charges.get(key)
        billed = retail_charges.get(key)
        currency = (made or billed)[0]
        row = _row("charge", key[0], key[1], currency)
        if made:
            row["wholesale_quantity"], row["wholesale_minor"] = made[1], made[2]
        if billed:
            row["retail_quantity"], row["retail_minor"] = billed[1], billed[2]
        row["row_class"], row["at_stake_minor"] = classify_charge(made, billed)
        rows.append(row)
    return rows


def classify_charge(made, billed) -> tuple[str, int]:
    """(class, amount at stake) of one end customer's charges for one code."""
    if billed is None:
        return ("unbilled", made[2]) if made[2] > 0 else ("ok", 0)
    if made is None:
        return ("cancelled_but_billed", billed[2]) if billed[2] > 0 else ("ok", 0)
    _, quantity, amount = made
    if billed[1] != quantity:
        if not quantity:  # only an adjustment wholesale: all of it is at stake
            return "quantity_mismatch", abs(amount)
        share = Fraction(abs(quantity - billed[1])) / Fraction(quantity)
        return "quantity_mismatch", round_fraction(share * amount)
    if billed[2] < amount:
        return "below_cost", amount - billed[2]
    return "ok", 0


def tax_rows(wholesale: Bill, retail: Bill) -> list[dict]:
    """A row per end customer with tax on either side."""
    rows = []
    made, billed = _per_customer(wholesale.charges), _per_customer(retail.charges)
    for customer_id in sorted(set(wholesale.taxes) | set(retail.taxes)):
        currency, wholesale_tax, lines = wholesale.taxes.get(customer_id, [None, 0, 0])
        retail_currency, retail_tax, _ = retail.taxes.get(customer_id, [None, 0, 0])
        if not wholesale_tax and not retail_tax:
            continue
        currency = currency or retail_currency
        row = _row("tax", customer_id, "tax", currency)
        row["wholesale_tax_minor"], row["retail_tax_minor"] = wholesale_tax, retail_tax
        row["wholesale_minor"] = made.get(customer_id, (currency, 0))[1]
        row["retail_minor"] = billed.get(customer_id, (currency, 0))[1]
        row["row_class"], row["at_stake_minor"] = classify_tax(
            row["wholesale_minor"], wholesale_tax, lines, row["retail_minor"], retail_tax)
        rows.append(row)
    return rows


def classify_tax(wholesale_charges: int, wholesale_tax: int, tax_lines: int,
                 retail_charges: int, retail_tax: int) -> tuple[str, int]:
    if wholesale_tax <= 0 or wholesale_charges <= 0:
        return "ok", 0
    expected = round_ratio(retail_charges * wholesale_tax, wholesale_charges)
    difference = abs(expected - retail_tax)
    if difference > max(tax_lines, 1):
        return "tax_mismatch", difference
    return "ok", 0


def invoice_rows(invoices: list[RetailInvoice], today: date) -> list[dict]:
    """A row per retail invoice the portal issued: `unpaid` once overdue and not paid."""
    rows = []
    for invoice in invoices:
        row = _row("invoice", invoice.customer_id, invoice.number, invoice.currency)
        row["retail_minor"], row["paid_minor"] = invoice.total_minor, invoice.paid_minor
        row["due_date"] = invoice.due_date
        owed = invoice.total_minor - invoice.paid_minor
        overdue = invoice.due_date is not None and invoice.due_date < today
        row["row_class"], row["at_stake_minor"] = (
            ("unpaid", owed) if overdue and owed > 0 else ("ok", 0))
        rows.append(row)
    return rows


def _per_customer(charges: dict) -> dict[int, tuple[str, int]]:
    """Charges summed per end customer: (currency, amount_minor)."""
    found: dict[int, tuple[str, int]] = {}
    for (customer_id, _), (currency, _, amount) in charges.items():
        found[customer_id] = (currency, found.get(customer_id, (currency, 0))[1] + amount)
    return found


def _row(kind: str, customer_id: int, code: str, currency: str) -> dict:
    return {"end_customer_id": customer_id, "kind": kind, "code": code[:40],
            "currency": currency, "wholesale_quantity": None, "retail_quantity": None,
            "wholesale_minor": 0, "retail_minor": 0, "wholesale_tax_minor": 0,
            "retail_tax_minor": 0, "paid_minor": 0, "at_stake_minor": 0, "due_date": None,
            "row_class": "ok"}

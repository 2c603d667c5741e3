"""An account's statement as a plain dict holding only what the access policy allows.

Every amount, invoice, payment, refund and credit on a statement is the account's CPNI:
a viewer who may not see it gets the account's name, number and address and the period,
nothing else.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from billing.invoicing.statements import AGEING_BUCKETS, Statement
from portal.access import CpniAccess
from portal.invoicing.presenters import customer_ref, money, withheld


def statement_dict(customer, start: date, end: date, statement: Statement | None,
                   grant: CpniAccess) -> dict:
    """The statement as the viewer may see it: without a statement, only who and when."""
    data = {"account": {**customer_ref(customer), "address": customer.postal_address,
                        "vat_number": customer.vat_number},
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "currency": customer.currency}
    if statement is None or not grant.visible:
        data["cpni_withheld"] = withheld(grant)
        return data
    cur = statement.currency

    def amounts(row) -> dict:
        plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(row).items()}
        plain.pop("payment_id", None)  # an internal id, not for documents
        return {k.removesuffix("_minor"): money(v, cur) if k.endswith("_minor") else v
                for k, v in plain.items()}

    def reversal(row) -> dict:
        # a refund or chargeback raises the balance; a chargeback reversal lowers it
        return {**amounts(row), "lowers_balance": row.balance_effect_minor < 0}

    data.update(
        opening=money(statement.opening_minor, cur), closing=money(statement.closing_minor, cur),
        invoiced=money(sum(i.charges_minor for i in statement.invoices), cur),
        paid=money(statement.paid_minor, cur),
        reversed=money(statement.reversed_minor, cur),
        credited=money(sum(c.amount_minor for c in statement.credits), cur),
        invoices=[amounts(i) for i in statement.invoices],
        payments=[amounts(p) for p in statement.payments],
        reversals=[reversal(r) for r in statement.reversals],
        credits=[amounts(c) for c in statement.credits],
        sla_credits=[amounts(s) for s in statement.sla_credits],
        ageing={"buckets": [(key, money(statement.ageing.buckets[key], cur))
                            for key in AGEING_BUCKETS],
                "unapplied_credit": money(statement.ageing.unapplied_credit_minor, cur),
                "unapplied_payments": money(statement.ageing.unapplied_payment_minor, cur),
                "total": money(statement.ageing.total_minor, cur)})
    return data

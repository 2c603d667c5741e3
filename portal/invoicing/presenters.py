"""Customers and invoices as plain dicts holding only the fields the access policy allows.

Pages, the API and the PDFs all render from these, so a field the policy withholds
never reaches any template or JSON encoder.
"""

from __future__ import annotations

from billing.core.money import Money
from billing.invoicing.balance import AccountSummary, Balance, of_invoice, standing
from billing.invoicing.issuing import bill_to_snapshot
from portal.access import CpniAccess, visible_fields
from portal.catalog_names import shown_name

WITHHELD_MESSAGE = (
    "Charges, services and usage are CPNI. The customer has not approved your access, so "
    "they are withheld. A customer administrator can grant access under CPNI approvals "
    "in the customer portal."
)


USAGE_WITHHELD_MESSAGE = (
    "Usage and call detail are left out: the customer approved billing detail only. "
    "Totals include usage charges."
)


def withheld_usage() -> dict:
    return {"reason": "scope_billing_only", "message": USAGE_WITHHELD_MESSAGE}


def money(minor: int, currency: str) -> dict:
    return {"minor": minor, "currency": currency, "amount": str(Money(minor, currency).major)}


def withheld(access: CpniAccess) -> dict:
    return {"reason": access.reason, "message": WITHHELD_MESSAGE}


def customer_ref(customer) -> dict:
    return {"id": customer.id, "account_number": customer.account_number, "name": customer.name}


def account_ref(customer) -> dict:
    """An account as lists and account pages name it: who it is and where, never what it uses."""
    return {**customer_ref(customer), "parent_id": customer.parent_id, "city": customer.city,
            "currency": customer.currency, "pays_own_charges": customer.pays_own_charges,
            "partner": customer.partner.name if customer.partner else None}


def customer_dict(customer, access: CpniAccess, services=None) -> dict:
    fields = visible_fields("customer", access)
    data = {
        **customer_ref(customer),
        "parent_id": customer.parent_id,
        "email_of_record": customer.email_of_record,
        "phone_of_record": customer.phone_of_record,
        "postal_address": customer.postal_address,
        "locale": customer.locale,
        "currency": customer.currency,
        "vat_number": customer.vat_number,
        "partner": customer.partner.name if customer.partner else None,
    }
    if "services" in fields:
        data["services"] = [service_dict(s) for s in services or []]
    else:
        data["cpni_withheld"] = withheld(access)
    return data


def service_dict(service) -> dict:
    return {
        "id": service.id,
        "product": shown_name(service.product),
        "description": service.description,
        "quantity": str(service.quantity.normalize()),
        # None: no contract price, the account's price book prices it on each invoice.
        "unit_price": None if service.unit_price is None else str(service.unit_price),
        "currency": service.currency,
        "delivery": service.delivery,
        "started_on": service.started_on.isoformat(),
        "ended_on": service.ended_on.isoformat() if service.ended_on else None,
    }


def invoice_dict(invoice, access: CpniAccess, *, with_lines: bool = False,
                 accounts: dict | None = None, section_access: dict | None = None,
                 balance: Balance | None = None) -> dict:
    """The invoice as the viewer may see it. `accounts` maps the ids of the accounts
    whose sections the invoice has (a corporate's locations, a rebiller's end customers)
    to their customers; `section_access` says what of each end customer's section the
    viewer may see (access.end_customer_access). Given its `balance`
    (billing.invoicing.balance), it also says what open disputes hold ("disputed") and
    the amount due without it ("amount_due_without_disputed"); "amount_due" is what is
    unpaid, disputed or not, as is "open". With a balance, "overdue" says whether the
    invoice is past due with something collectible, and "standing" (paid, partly paid,
    overdue...) sums it up: both are statuses, shown without CPNI access; without the
    balance (no day known) nothing is overdue."""
    data = {
        "id": invoice.id,
        "number": invoice.number,
        "customer": customer_ref(invoice.customer),
        "period": invoice.period_key,
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "status": invoice.status,
        "standing": standing(balance or of_invoice(invoice), invoice.status),
        "currency": invoice.currency,
        "bill_to": bill_to_dict(invoice),
    }
    if balance is not None:
        data["overdue"] = balance.is_overdue
    if "total" not in visible_fields("invoice", access):
        data["cpni_withheld"] = withheld(access)
        return data
    cur = invoice.currency
    owed = balance if balance is not None else of_invoice(invoice)
    data.update(
        subtotal=money(invoice.subtotal_minor, cur),
        tax=money(invoice.tax_minor, cur),
        credits=money(invoice.credit_minor, cur),
        total=money(invoice.total_minor, cur),
        paid=money(owed.paid_minor, cur),
        open=money(owed.open_minor, cur),
        amount_due=money(owed.open_minor, cur),
    )
    if balance is not None:
        data.update(disputed=money(balance.held_minor, cur),
                    amount_due_without_disputed=money(balance.due_minor, cur))
    if with_lines:
        section_access = section_access or {}
        data["lines"] = [line_dict(line, cur, line_access(line, access, section_access))
                         for line in visible_lines(invoice.lines, access, section_access)]
        data["sections"] = sections(invoice, data["lines"], accounts or {}, section_access)
        if not access.usage:
            data["usage_withheld"] = withheld_usage()
    return data


def bill_to_dict(invoice) -> dict:
    """Who the invoice bills, as it was issued (a draft: as the account is now). Name,
    address and VAT number identify the account; none of them is CPNI."""
    parties = bill_to_snapshot(invoice.customer) if invoice.status == "draft" else invoice.bill_to
    return {"name": parties.get("name", invoice.customer.name),
            "address": parties.get("address", []),
            "country": parties.get("country"), "vat_number": parties.get("vat_number")}


def account_summary_dict(summary: AccountSummary) -> dict:
    """The account summary an invoice prints (billing.invoicing.balance.account_summary)."""
    cur = summary.currency
    return {"as_of": summary.as_of.isoformat(),
            "previous": money(summary.previous_minor, cur),
            "payments": money(summary.payments_minor, cur),
            "adjustments": money(summary.adjustments_minor, cur),
            "charges": money(summary.charges_minor, cur), "due": money(summary.due_minor, cur)}


def line_access(line, access: CpniAccess, section_access: dict | None = None) -> CpniAccess:
    """The access that governs one invoice line: its end customer's section's, if the
    line is in one that `section_access` names, else the invoice's."""
    return (section_access or {}).get(line.sub_account_id, access)


def visible_lines(lines, access: CpniAccess, section_access: dict | None = None) -> list:
    """Of `lines`, those the viewer may see: none without access to the invoice's own
    account; otherwise each line whose governing access (line_access) is visible and,
    for a usage line, covers usage. The one line rule of invoices and disputes alike."""
    if not access.visible:
        return []
    shown = []
    for line in lines:
        grant = line_access(line, access, section_access)
        if grant.visible and (grant.usage or line.kind != "usage"):
            shown.append(line)
    return shown


def sections(invoice, lines: list[dict], accounts: dict, section_access: dict) -> list[dict]:
    """The lines grouped by account: the invoice's own account first, then each location
    or end customer with its subtotal (charges, taxes and credits of that account).
    An end customer whose CPNI the viewer may not see keeps only its name."""
    ids = {line["sub_account_id"] for line in lines} | set(section_access)
    order = [None] + sorted(ids - {None},
                            key=lambda i: accounts[i].account_number if i in accounts else "")
    result = []
    for account_id in order:
        own = [line for line in lines if line["sub_account_id"] == account_id]
        grant = section_access.get(account_id)
        if not own and grant is None:
            continue
        customer = invoice.customer if account_id is None else accounts.get(account_id)
        section = {"account": customer_ref(customer) if customer else {"id": account_id},
                   "lines": own}
        if grant is not None and not grant.visible:
            section["cpni_withheld"] = withheld(grant)
        else:
            section["subtotal"] = money(sum(line["amount"]["minor"] for line in own),
                                        invoice.currency)
        if grant is not None and grant.visible and not grant.usage:
            section["usage_withheld"] = withheld_usage()
        result.append(section)
    return result


def line_dict(line, currency: str, access: CpniAccess) -> dict:
    return {
        "kind": line.kind,
        "description": line.description,
        "call_type": line.call_type if access.usage else None,
        "jurisdiction": line.jurisdiction,
        "sub_account_id": line.sub_account_id,
        "quantity": str(line.quantity.normalize()),
        "unit_price": str(line.unit_price),
        "rate_unit": line.rate_unit,
        "call_count": line.call_count if access.usage else None,
        "amount": money(line.amount_minor, currency),
    }


def activity_dict(entries, currency: str) -> list[dict]:
    """The payments and credits of an invoice (billing.invoicing.activity) as pages, the
    API and documents show them. Amounts: give it only to a viewer who may see them."""
    return [{"kind": entry.kind, "on": entry.on.isoformat(), "method": entry.method,
             "reason": entry.reason, "reference": entry.reference,
             "amount": money(entry.amount_minor, currency)} for entry in entries]

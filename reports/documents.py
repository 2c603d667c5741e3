"""Invoice and statement PDFs for a viewer, built from plain values with no request.

Each entry point asks the access policy what the viewer may see, builds the document's
dict through the presenters, puts the account's brand on it, logs the CPNI disclosure
(flushed, not committed: the caller commits) and renders it. A page, the API, the CLI
and a background worker all call the same function.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from billing.core.clock import provider_date
from billing.invoicing.balance import account_summary
from billing.invoicing.models import Invoice
from billing.invoicing.reverse_charge import invoice_reverse_charge
from billing.invoicing.statements import build_statement
from billing.parties.models import Customer
from portal import access
from portal.invoicing.presenters import account_summary_dict
from portal.invoicing.statement_presenters import statement_dict
from portal.invoicing.viewer import Viewer, grants, invoice_view
from reports.invoice_pdf import cached, render_invoice_pdf
from reports.logos import brand_of, static_image
from reports.payment_instructions import payment_instructions
from reports.statement_pdf import render_statement_pdf


@dataclass(frozen=True)
class DocumentSettings:
    """Who issues the documents, how invoices are paid, and where rendered PDFs are kept."""

    provider_name: str
    provider_address: str
    cache_dir: Path
    provider_vat_number: str | None = None
    provider_country: str = "US"
    provider_logo: str | None = "img/logo.svg"
    remit_to: Mapping[str, Mapping] = field(default_factory=dict)
    pay_online_base: str | None = None  # the portal's address, when Stripe is set up

    @classmethod
    def from_config(cls, config: Mapping) -> DocumentSettings:
        """From the portal's settings (app.config, or any mapping with the same keys)."""
        return cls(config["PROVIDER_NAME"], config["PROVIDER_ADDRESS"],
                   Path(config["PDF_CACHE_DIR"]),
                   provider_vat_number=config.get("PROVIDER_VAT_NUMBER"),
                   provider_country=config.get("PROVIDER_COUNTRY") or "US",
                   provider_logo=config.get("PROVIDER_LOGO"),
                   remit_to=config.get("REMIT_TO") or {},
                   pay_online_base=(config.get("PUBLIC_URL")
                                    if config.get("STRIPE_SECRET_KEY") else None))

    @property
    def provider(self) -> dict:
        return {"name": self.provider_name, "address": self.provider_address,
                "vat_number": self.provider_vat_number,
                "logo": static_image(self.provider_logo)}


def invoice_document(session: Session, viewer: Viewer, invoice: Invoice, *, locale: str,
                     now: datetime, settings: DocumentSettings, surface: str = "pdf") -> bytes:
    """The invoice's PDF as this viewer may see it; the disclosure is logged on `surface`
    ("pdf", or "api" when the API serves it)."""
    grant = grants(session, viewer, [invoice.customer], now)[invoice.customer_id]
    data, used = invoice_view(session, viewer, invoice, grant, now)
    access.record_disclosures(
        session, viewer.user, used, surface=surface, subject=f"invoice {invoice.number} PDF",
        now=now, verification=viewer.verifications(used, invoice.customer_id))
    if "total" in data:  # what the account owes, and how to pay it: CPNI
        _add_account_figures(session, data, invoice, now, settings)
    document = {"invoice": data, "brand": brand_of(invoice.customer),
                "provider": settings.provider, "locale": locale}

    def render() -> bytes:
        return render_invoice_pdf(**document)

    if invoice.status == "draft":  # a draft can still change: never kept
        return render()
    return _cached(settings, "invoice", document, render)


def statement_document(session: Session, viewer: Viewer, customer: Customer, start: date,
                       end: date, *, locale: str, now: datetime,
                       settings: DocumentSettings) -> bytes:
    """The account's statement for start..end as this viewer may see it. Without access
    to the account's CPNI the statement is not even computed."""
    grant = access.cpni_access(session, viewer.user, customer, now, viewer.purpose(customer.id))
    statement = build_statement(session, customer, start, end, now) if grant.visible else None
    data = statement_dict(customer, start, end, statement, grant)
    access.record_disclosures(
        session, viewer.user, {customer.id: grant}, surface="pdf",
        subject=f"statement {customer.account_number} {start} to {end}", now=now,
        verification=viewer.verifications([customer.id]))
    document = {"statement": data, "brand": brand_of(customer),
                "provider": settings.provider, "locale": locale}
    return _cached(settings, "statement", document, lambda: render_statement_pdf(**document))


def _add_account_figures(session: Session, data: dict, invoice: Invoice, now: datetime,
                         settings: DocumentSettings) -> None:
    """The account summary, the reverse-charge note's verdict and how to pay, on the
    invoice dict of a viewer who may see its amounts."""
    data["account_summary"] = account_summary_dict(
        account_summary(session, invoice, provider_date(now)))
    data["reverse_charge"] = invoice_reverse_charge(invoice, data["bill_to"],
                                                    settings.provider_country)
    data["payment"] = payment_instructions(
        settings.remit_to, currency=invoice.currency, reference=invoice.number,
        invoice_id=invoice.id, pay_online_base=settings.pay_online_base)


def invoice_filename(invoice: Invoice) -> str:
    return f"invoice-{invoice.number}.pdf"


def statement_filename(customer: Customer, start: date, end: date) -> str:
    account = re.sub(r"[^A-Za-z0-9-]", "_", customer.account_number)
    return f"statement-{account}-{start}-{end}.pdf"


def _cached(settings: DocumentSettings, kind: str, document: dict,
            render: Callable[[], bytes]) -> bytes:
    """Rendered once per distinct content. The key is a digest of everything the
    document shows (the policy-filtered dict, brand, provider and locale), so a stored
    file is only ever served to someone entitled to exactly that content."""
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return cached(settings.cache_dir / f"{kind}-{digest}.pdf", render)

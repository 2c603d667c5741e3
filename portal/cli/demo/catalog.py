"""The demo's catalogue: products and list prices, rebillers' price books, tax tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.catalog.models import PriceBook, PriceBookEntry, Product
from billing.invoicing.tax_models import TaxRate

PRODUCTS = [  # code, name, kind, unit, list price
    ("TOC-NUM", "Teams Operator Connect number", "recurring", "number", "1.50"),
    ("VOICE-SEAT", "Voice seat", "recurring", "seat", "18.00"),
    ("CC-SEAT", "Contact-centre seat", "recurring", "seat", "65.00"),
    ("SIP-CH", "SIP trunk channel", "recurring", "channel", "12.50"),
    ("TF-NUM", "Toll-free number", "recurring", "number", "4.00"),
    ("MSG", "Business messaging bundle", "recurring", "bundle", "25.00"),
    ("PORT", "Number porting", "one_time", "number", "15.00"),
    ("USAGE", "Voice usage", "usage", "minute", "0"),
]
CALL_TYPES = [  # call type, destinations, rate per minute
    ("local", [""], Decimal("0.004500")),
    ("long_distance", [""], Decimal("0.012750")),
    ("international", ["United Kingdom", "Mexico", "India"], Decimal("0.085300")),
    ("toll_free", [""], Decimal("0.021000")),
]
TAX_RATES = [  # tax type, name, kind, country, region, rate, share of charges, fee currency
    ("usf", "Federal Universal Service Charge", "percent", "US", "", "0.364", "0.649", None),
    ("rrf", "Regulatory recovery fee", "recovery_fee", "US", "", "0.025", "1", None),
    ("sales", "Colorado sales tax", "percent", "US", "CO", "0.029", "1", None),
    ("sales", "Texas sales tax", "percent", "US", "TX", "0.0625", "1", None),
    ("e911", "Colorado E911 fee", "per_line", "US", "CO", "0.70", "1", "USD"),
    ("e911", "Texas 911 fee", "per_line", "US", "TX", "0.50", "1", "USD"),
    ("hst", "HST", "percent", "CA", "ON", "0.13", "1", None),
    ("gst", "GST", "percent", "CA", "QC", "0.05", "1", None),
    ("qst", "QST", "percent", "CA", "QC", "0.09975", "1", None),
    ("vat", "VAT 20%", "percent", "GB", "", "0.20", "1", None),
    ("vat", "MwSt. 19%", "percent", "DE", "", "0.19", "1", None),
    ("vat", "TVA 20%", "percent", "FR", "", "0.20", "1", None),
    ("vat", "IVA 21%", "percent", "ES", "", "0.21", "1", None),
]

SLA_FAMILIES = {"TOC-NUM": "voice", "VOICE-SEAT": "voice", "CC-SEAT": "voice", "SIP-CH": "voice",
                "TF-NUM": "voice", "USAGE": "voice", "MSG": "messaging"}


def add_products(session):
    products = {code: Product(code=code, name=name, kind=kind, unit=unit,
                              sla_family=SLA_FAMILIES.get(code))
                for code, name, kind, unit, _ in PRODUCTS}
    session.add_all(products.values())
    return products


def add_price_books(session, products, partners):
    """A list per currency; per rebiller and currency a wholesale book (30 % off seats
    and channels, the list otherwise) and a retail book (list plus 15 %, usage plus 20 %)."""
    since, seats = date(2025, 1, 1), ("VOICE-SEAT", "CC-SEAT", "SIP-CH")
    rebillers = [p for code, p in sorted(partners.items()) if p.kind == "wholesale"]
    for currency in ("USD", "CAD", "GBP", "EUR"):
        books = [("list", f"LIST-{currency}", "List prices", None, None, "0",
                  {code: Decimal(price) for code, _, _, _, price in PRODUCTS})]
        for partner in rebillers:
            books += [
                ("wholesale", f"{partner.code}-WHOLESALE-{currency}", "Wholesale", partner,
                 "list", "0", {code: Decimal(price) * Decimal("0.70")
                               for code, _, _, _, price in PRODUCTS if code in seats}),
                ("retail", f"{partner.code}-RETAIL-{currency}", "Retail", partner, None, "0.20",
                 {code: (Decimal(price) * Decimal("1.15")).quantize(Decimal("0.01"))
                  for code, _, _, _, price in PRODUCTS})]
        made = {}
        for kind, code, name, partner, base, markup, prices in books:
            made[kind] = book = PriceBook(
                code=code, name=f"{partner.display_brand if partner else 'Provider'} "
                               f"{name.lower()} ({currency})",
                kind=kind, partner=partner, currency=currency,
                base_book=made.get(base), usage_markup=Decimal(markup))
            session.add_all(PriceBookEntry(book=book, product=products[product],
                                           unit_price=price, effective_from=since)
                            for product, price in prices.items())


def add_tax_rates(session):
    """The demo's rate tables, in force all year."""
    for tax_type, name, kind, country, region, rate, share, fee_currency in TAX_RATES:
        session.add(TaxRate(tax_type=tax_type, name=name, kind=kind, country=country,
                            region=region, locality="", rate=Decimal(rate),
                            base_share=Decimal(share), currency=fee_currency,
                            effective_from=date(2025, 1, 1)))

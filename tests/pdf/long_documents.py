"""Every PDF the portal prints, filled with the widest content it may meet: long names
and addresses, 7-digit amounts, long references and every optional section. Built as
the plain dicts the renderers take, so that the margin test needs no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from billing.core.money import Money
from reports.commission_pdf import render_commission_pdf
from reports.invoice_pdf import render_invoice_pdf
from reports.letter_pdf import render_information_letter
from reports.receipt_pdf import render_receipt_pdf
from reports.statement_pdf import render_statement_pdf

LOCALES = ("en_US", "en_GB", "de", "fr", "es")
CURRENCY = {"en_US": "USD", "en_GB": "GBP", "de": "EUR", "fr": "EUR", "es": "EUR"}
INVOICE_NUMBER = "EUR-2026-0012345"
BIG = 987_654_321  # 9,876,543.21: seven digits before the decimal point

LONG_NAME = ("Aktiengesellschaft für Telekommunikationsdienstleistungen und "
             "Rechenzentrumsbetrieb Süddeutschland GmbH & Co. KG")
LONG_ADDRESS = ["Industriestraße 1234, Gebäude C, Treppenhaus Nord, 5. Obergeschoss",
                "Hinterhof, Lieferanteneingang gegenüber der Werkskantine",
                "Garmisch-Partenkirchen Oberbayern 82467", "DE"]
PROVIDER = {"name": "Northwind Unified Communications International Holdings Ltd",
            "address": "1700 Lincoln Street, Suite 4500, Denver CO 80203, United States",
            "vat_number": "IE9876543WA", "logo": "img/logo.svg"}
BRAND = {"name": "Rebill Voice and Collaboration Services Europe", "color": "#0b7a75",
         "logo": None}


def money(minor: int, currency: str) -> dict:
    return {"minor": minor, "currency": currency, "amount": str(Money(minor, currency).major)}


def _line(description: str, quantity: str, rate: str, minor: int, cur: str, where=None,
          kind="recurring", unit="month", calls=None):
    return {"kind": kind, "description": description, "jurisdiction": where,
            "quantity": quantity, "unit_price": rate, "amount": money(minor, cur),
            "sub_account_id": None, "call_type": None, "rate_unit": unit, "call_count": calls}


def invoice(cur: str) -> dict:
    lines = [
        _line("Microsoft Teams Operator Connect Enterprise Voice seat with unlimited "
              "domestic calling and emergency location services", "12345", "54.123456",
              BIG, cur),
        _line("International calls to Saint Vincent and the Grenadines (mobile)",
              "1234567.916667", "0.123456", BIG - 1, cur, kind="usage", unit="minute",
              calls=9876543),
        _line("Telekommunikationsdienstleistungsumsatzsteuer", "9876543.21", "0.190000",
              BIG - 2, cur, "DE / Bayern / Garmisch-Partenkirchen", kind="tax", unit="percent"),
    ]
    section = {"account": {"account_number": "AC-0000123456", "name": LONG_NAME},
               "lines": lines, "subtotal": money(BIG * 3, cur)}
    return {
        "number": INVOICE_NUMBER, "currency": cur,
        "issue_date": "2026-09-26", "due_date": "2026-10-26",
        "period_start": "2026-09-26", "period_end": "2026-10-25", "standing": "partly_paid",
        "customer": {"account_number": "AC-0000123456", "name": LONG_NAME},
        "bill_to": {"name": LONG_NAME, "address": LONG_ADDRESS, "country": "DE",
                    "vat_number": "DE123456789"},
        "sections": [section, {**section, "account": {"account_number": "AC-0000123457",
                                                      "name": LONG_NAME}}],
        "own_bill": [{"kind": "usage", "name": "International mobile", "quantity": "1234567.5",
                      "amount": money(BIG, cur)}],
        "subtotal": money(BIG, cur), "tax": money(BIG, cur), "credits": money(-BIG, cur),
        "total": money(BIG, cur), "paid": money(BIG, cur), "disputed": money(BIG, cur),
        "amount_due_without_disputed": money(BIG, cur), "amount_due": money(BIG, cur),
        "account_summary": {"as_of": "2026-09-26", "previous": money(BIG, cur),
                            "payments": money(BIG, cur), "adjustments": money(BIG, cur),
                            "charges": money(BIG, cur), "due": money(BIG, cur)},
        "reverse_charge": True,
        "payment": {"currency": cur, "reference": INVOICE_NUMBER,
                    "pay_online": "https://billing.northwind-unified-communications.example"
                                  "/customer/pay?invoice=1234567",
                    "bank": [("beneficiary", "Northwind Unified Communications "
                                             "International Holdings Ltd"),
                             ("bank", "Example Bank AG, Frankfurt am Main"),
                             ("iban", "DE89 3704 0044 0532 0130 00"),
                             ("bic", "EXBKDEFFXXX"), ("account_number", "000123456789"),
                             ("routing_number", "123456780"), ("sort_code", "00-00-00")]},
    }


def statement(cur: str) -> dict:
    day = "2026-09-26"
    row = {"number": INVOICE_NUMBER, "issue_date": day, "due_date": "2026-10-26",
           "charges": money(BIG, cur), "credit_applied": money(BIG, cur),
           "total": money(BIG, cur), "standing": "partly_paid"}
    return {
        "account": {"account_number": "AC-0000123456", "name": LONG_NAME,
                    "address": LONG_ADDRESS, "vat_number": "DE123456789"},
        "period_start": "2026-09-01", "period_end": "2026-09-30", "currency": cur,
        "opening": money(BIG, cur), "invoiced": money(BIG, cur), "paid": money(BIG, cur),
        "reversed": money(BIG, cur), "credited": money(BIG, cur), "closing": money(BIG, cur),
        "invoices": [row, {**row, "standing": "overdue"}],
        "payments": [{"received_on": day, "method": "sepa_debit",
                      "reference": "pi_3QxYzAbCdEfGhIjKlMnOpQrSt", "amount": money(BIG, cur)}],
        "reversals": [{"on": day, "kind": "chargeback_reversal",
                       "reference": "pi_3QxYzAbCdEfGhIjKlMnOpQrSt", "amount": money(BIG, cur),
                       "lowers_balance": True}],
        "credits": [{"number": "CN-EUR-2026-0012345", "issued_on": day, "reason": "dispute",
                     "reference": "Dispute D-0001234 on invoice " + INVOICE_NUMBER,
                     "amount": money(BIG, cur)}],
        "sla_credits": [{"month": "2026-09-01", "service": "Microsoft Teams Operator "
                         "Connect Enterprise Voice seat", "hours": 744,
                         "credit_note": "CN-EUR-2026-0012345", "amount": money(BIG, cur)}],
        "ageing": {"buckets": [(key, money(BIG, cur)) for key in
                               ("current", "1-30", "31-60", "61-90", "90+", "disputed")],
                   "unapplied_credit": money(BIG, cur), "unapplied_payments": money(BIG, cur),
                   "total": money(BIG, cur)},
    }


def commission(cur: str) -> dict:
    categories = {key: money(BIG, cur) for key in ("recurring", "usage", "one_time")}
    account = {"account_number": "AC-0000123456", "name": LONG_NAME,
               "categories": categories, "total": money(BIG, cur)}
    group = {"sub_agent": None, "accounts": [account], "totals": [money(BIG, cur)],
             "others": [{"accounts": 1234, "total": money(BIG, cur)}]}
    return {"partner": {"code": "AGENCY-EUROPE-0001", "name": LONG_NAME}, "month": "2026-09",
            "status": "approved",
            "groups": [group, {**group, "sub_agent": {"name": LONG_NAME}}],
            "totals": [money(BIG, cur)]}


def receipt(cur: str) -> dict:
    return {"id": 1234567, "received_on": "2026-09-26", "method": "sepa_debit",
            "reference": "pi_3QxYzAbCdEfGhIjKlMnOpQrSt", "amount": money(BIG, cur),
            "invoices": [{"number": INVOICE_NUMBER, "amount": money(BIG, cur)}],
            "unapplied": money(BIG, cur),
            "reversals": [{"kind": "chargeback_reversal", "on": "2026-09-30",
                           "amount": money(BIG, cur)}]}


def letter(cur: str) -> dict:
    row = {"number": INVOICE_NUMBER, "issue_date": "2026-09-26", "due_date": "2026-10-26",
           "total_minor": BIG, "due_minor": BIG, "currency": cur}
    return {"account_number": "AC-0000123456", "name": LONG_NAME, "address": LONG_ADDRESS,
            "invoices": [row, row]}


@dataclass(frozen=True)
class Document:
    name: str
    render: Callable[[str], bytes]  # locale -> PDF
    numbers: tuple[str, ...]  # printed somewhere, and never broken across lines


def documents() -> list[Document]:
    """Each document the portal prints, rendered for a locale by `render`."""
    def cur(locale):
        return CURRENCY[locale]

    return [
        Document("invoice", lambda loc: render_invoice_pdf(
            invoice(cur(loc)), provider=PROVIDER, brand=None, locale=loc), (INVOICE_NUMBER,)),
        Document("white-label invoice", lambda loc: render_invoice_pdf(
            invoice(cur(loc)), provider=PROVIDER, brand=BRAND, locale=loc), (INVOICE_NUMBER,)),
        Document("statement with SLA credits", lambda loc: render_statement_pdf(
            statement(cur(loc)), provider=PROVIDER, brand=None, locale=loc),
            (INVOICE_NUMBER, "CN-EUR-2026-0012345")),
        Document("commission statement", lambda loc: render_commission_pdf(
            commission(cur(loc)), provider=PROVIDER, locale=loc), ("AC-0000123456",)),
        Document("payment receipt", lambda loc: render_receipt_pdf(
            receipt(cur(loc)), account={"account_number": "AC-0000123456", "name": LONG_NAME,
                                        "address": LONG_ADDRESS},
            provider=PROVIDER, brand=None, locale=loc), (INVOICE_NUMBER,)),
        Document("information letter", lambda loc: render_information_letter(
            letter(cur(loc)), requested="Every invoice of 2026 with its amounts due",
            provider=PROVIDER, written_on=date(2026, 10, 1), locale=loc), (INVOICE_NUMBER,)),
    ]

"""A hand-built rebiller period with one case of each reconciliation class.

Period 2026-05 (26 Apr to 25 May 2026). The rebiller "WS" (the world's wholesale partner)
has a wholesale invoice with one section per end customer at 12.60 a Voice seat, taxed
6.25 % (Texas), and bills its end customers 21.00 a seat. The billing file below, the
wholesale invoice and one retail invoice the portal issued give:

| end customer | wholesale            | billed retail (file)   | class                | at stake |
|--------------|----------------------|------------------------|----------------------|----------|
| AC-0301 ok   | 10 x 12.60 = 126.00  | 10 x 21.00 = 210.00    | ok                   | 0        |
| AC-0302      | 5 x 12.60 = 63.00    | (nothing)              | unbilled             | 63.00    |
| AC-0303      | (nothing)            | 2 x 21.00 = 42.00      | cancelled_but_billed | 42.00    |
| AC-0304      | 4 x 12.60 = 50.40    | 4 x 10.00 = 40.00      | below_cost           | 10.40    |
| AC-0305      | 8 x 12.60 = 100.80   | 6 x 21.00 = 126.00     | quantity_mismatch    | 25.20    |
| AC-0306      | 3 x 12.60 = 37.80    | 3 x 21.00 = 63.00      | ok                   | 0        |
| AC-0306 tax  | 2.36                 | 0.00                   | tax_mismatch         | 3.93     |
| AC-0307      | 1 x 12.60 = 12.60    | 1 x 21.00 = 21.00      | ok                   | 0        |
| AC-0307 inv. | invoice 50.00, due 2026-06-24, 20.00 paid     | unpaid               | 30.00    |

Tax arithmetic: 37.80 x 6.25 % = 2.3625 -> 2.36 on the wholesale invoice; carried to
63.00 at the same rate: 63.00 x 2.36 / 37.80 = 3.9333 -> 3.93 expected, 0.00 billed.
AC-0301's tax: 126.00 x 6.25 % = 7.875 -> 7.88; expected 210.00 x 7.88 / 126.00 = 13.1333
-> 13.13, and the file says 13.13: ok.
AC-0305 at stake: |8 - 6| x 100.80 / 8 = 25.20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.catalog.models import Product, Service
from billing.core.clock import period_ending_in
from billing.invoicing.models import Invoice, InvoiceLine
from billing.payments.models import Payment, PaymentAllocation
from tests.factories import approve, make_customer

PERIOD = period_ending_in(2026, 5)
RUN_AT = datetime(2026, 7, 1, 12, tzinfo=UTC)
SECRET_SERVICE = "PELICAN-TRUNK-9921"  # the product code only AC-0305 (unapproved) has
SEAT = Decimal("12.60")

BILLING_FILE = """account_number,code,period,quantity,unit_price,amount,tax
AC-0301,VOICE-SEAT,2026-05,10,21.00,210.00,13.13
AC-0303,VOICE-SEAT,2026-05,2,21.00,42.00,0.00
AC-0304,VOICE-SEAT,2026-05,4,10.00,40.00,0.00
AC-0305,PELICAN-TRUNK-9921,2026-05,6,21.00,126.00,0.00
AC-0306,VOICE-SEAT,2026-05,3,21.00,63.00,0.00
AC-0307,VOICE-SEAT,2026-05,1,21.00,21.00,0.00
"""

# (account, product, wholesale seats, wholesale tax)
WHOLESALE = [("AC-0301", "VOICE-SEAT", 10, 788), ("AC-0302", "VOICE-SEAT", 5, 0),
             ("AC-0304", "VOICE-SEAT", 4, 0), ("AC-0305", SECRET_SERVICE, 8, 0),
             ("AC-0306", "VOICE-SEAT", 3, 236), ("AC-0307", "VOICE-SEAT", 1, 0)]
EXPECTED = {  # (account, kind) -> (class, at stake)
    ("AC-0301", "charge"): ("ok", 0), ("AC-0301", "tax"): ("ok", 0),
    ("AC-0302", "charge"): ("unbilled", 6300),
    ("AC-0303", "charge"): ("cancelled_but_billed", 4200),
    ("AC-0304", "charge"): ("below_cost", 1040),
    ("AC-0305", "charge"): ("quantity_mismatch", 2520),
    ("AC-0306", "charge"): ("ok", 0), ("AC-0306", "tax"): ("tax_mismatch", 393),
    ("AC-0307", "charge"): ("ok", 0), ("AC-0307", "invoice"): ("unpaid", 3000),
}


@dataclass
class Period:
    rebiller: object
    account: object  # the wholesale account
    ends: dict  # account number -> Customer
    wholesale: Invoice
    retail: Invoice


def build_period(session, world, *, approved=("AC-0301", "AC-0302", "AC-0303", "AC-0304",
                                              "AC-0306", "AC-0307")) -> Period:
    """The period above; every end customer but AC-0305 approved the rebiller unless
    `approved` says otherwise."""
    rebiller = world.partners["wholesale"]
    seat = session.scalars(select(Product).where(Product.code == "VOICE-SEAT")).one()
    trunk = Product(code=SECRET_SERVICE, name="Trunk", kind="recurring", unit="channel")
    session.add(trunk)
    account = make_customer(session, "WS-0301", "Rebill Ltd wholesale", partner=rebiller,
                            billing_role="wholesale")
    ends = {number: make_customer(session, number, f"End {number}", partner=rebiller,
                                  city="Austin", region="TX", postal_code="78701")
            for number in ("AC-0301", "AC-0302", "AC-0303", "AC-0304", "AC-0305",
                           "AC-0306", "AC-0307")}
    for number in approved:
        approve(session, ends[number], rebiller)
    products = {"VOICE-SEAT": seat, SECRET_SERVICE: trunk}
    services = {}
    for number, code, seats, _ in WHOLESALE:
        services[number] = Service(customer=ends[number], product=products[code],
                                   quantity=seats, currency="USD", started_on=date(2026, 1, 1))
        session.add(services[number])
    session.flush()
    wholesale = _invoice(account, "USD-2026-W00001")
    for number, _, seats, tax in WHOLESALE:
        _line(wholesale, "recurring", ends[number].id, seats, SEAT, services[number].id)
        if tax:
            _line(wholesale, "tax", ends[number].id, 1, Decimal(tax) / 100, None)
    retail = _invoice(ends["AC-0307"], "USD-2026-R00001")
    _line(retail, "recurring", None, 1, Decimal("50.00"), services["AC-0307"].id)
    session.add_all([wholesale, retail])
    session.flush()
    _pay(session, ends["AC-0307"], retail, 2000)
    session.flush()
    return Period(rebiller, account, ends, wholesale, retail)


def _invoice(customer, number) -> Invoice:
    return Invoice(customer=customer, number=number, period_start=PERIOD.start,
                   period_end=PERIOD.end, issue_date=date(2026, 5, 25),
                   due_date=date(2026, 6, 24), status="issued", currency="USD",
                   bill_to={"name": customer.name}, subtotal_minor=0, total_minor=0)


def _line(invoice, kind, sub_account_id, quantity, price, service_id) -> None:
    amount = int(Decimal(quantity) * price * 100)
    invoice.lines.append(InvoiceLine(
        position=len(invoice.lines) + 1, kind=kind, description=f"{kind} line",
        sub_account_id=sub_account_id, service_id=service_id, quantity=Decimal(quantity),
        unit_price=price, amount_minor=amount))
    invoice.total_minor += amount


def _pay(session, customer, invoice, amount) -> None:
    payment = Payment(customer=customer, currency="USD", amount_minor=amount,
                      received_at=datetime(2026, 6, 1, tzinfo=UTC), method="cheque",
                      reference="CHQ-1", source="staff", payment_class="partial")
    session.add(payment)
    session.flush()
    session.add(PaymentAllocation(payment_id=payment.id, invoice=invoice, amount_minor=amount,
                                  at=datetime(2026, 6, 1, tzinfo=UTC)))

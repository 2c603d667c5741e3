"""Deterministic demo data: partners of every kind, ~170 accounts, a year of invoices.

The same seed gives the same rows every time, so demo logins and screenshots are stable.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.clock import period_ending_in
from billing.identity import create_user
from billing.models import (
    CpniApproval,
    Customer,
    Invoice,
    InvoiceLine,
    Partner,
    Product,
    Service,
    User,
)
from billing.money import line_amount
from billing.partners import create_partner

DEMO_PASSWORD = "Correct-Horse-Battery-42"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SEED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

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
CALL_TYPES = [  # call type, description, rate per minute
    ("local", "Local calls", Decimal("0.004500")),
    ("long_distance", "Long-distance calls", Decimal("0.012750")),
    ("international", "International calls (United Kingdom, Mexico, India)", Decimal("0.085300")),
    ("toll_free", "Toll-free inbound", Decimal("0.021000")),
]
MARKETS = [  # currency, country, locale, region, city, postal, tax table
    ("USD", "US", "en_US", "CO", "Denver", "80202", "us"),
    ("USD", "US", "es", "TX", "Austin", "78701", "us"),
    ("CAD", "CA", "fr", "QC", "Montréal", "H2Y 1C6", "ca"),
    ("CAD", "CA", "en_US", "ON", "Toronto", "M5H 2N2", "ca"),
    ("GBP", "GB", "en_GB", None, "Manchester", "M1 1AE", "gb"),
    ("EUR", "DE", "de", None, "Berlin", "10115", "de"),
    ("EUR", "FR", "fr", None, "Lyon", "69002", "fr"),
    ("EUR", "ES", "es", None, "Madrid", "28013", "es"),
]
TAXES = {  # table: [(description, jurisdiction, kind, rate or per-line fee)]
    "us": [("Federal Universal Service Charge (interstate share 64.9%)", "US federal", "pct",
            Decimal("0.364") * Decimal("0.649")),
           ("State sales and communications tax", "state", "pct", Decimal("0.0625")),
           ("E911 fee", "county", "per_line", Decimal("0.75"))],
    "ca": [("GST/HST", "Canada", "pct", Decimal("0.13"))],
    "gb": [("VAT 20%", "United Kingdom", "pct", Decimal("0.20"))],
    "de": [("MwSt. 19%", "Deutschland", "pct", Decimal("0.19"))],
    "fr": [("TVA 20%", "France", "pct", Decimal("0.20"))],
    "es": [("IVA 21%", "España", "pct", Decimal("0.21"))],
}
NAMES_A = ["Acme", "Blue Harbor", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
           "Iris", "Juniper", "Keystone", "Lakeside", "Meridian", "Northstar", "Oakridge",
           "Pinnacle", "Quarry", "Riverbend", "Summit", "Tidewater"]
NAMES_B = ["Dental", "Logistics", "Law Group", "Realty", "Clinics", "Foods", "Engineering",
           "Hotels", "Insurance", "Schools"]


def already_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Partner)))


def seed(session: Session, progress=lambda step: None) -> dict:
    """Create the demo world; returns the demo logins. Assumes an empty database."""
    rng = random.Random(2026)
    products = _products(session)
    partners = _partners(session)
    progress("partners")
    customers = _customers(session, rng, partners)
    progress("customers")
    for customer in customers:
        _services(session, rng, customer, products)
    session.flush()
    _approvals(session, rng, customers)
    progress("services")
    counters: dict = {}
    for index, customer in enumerate(customers):
        _invoices(session, rng, customer, counters)
        if index % 20 == 0:
            session.flush()
            progress(f"invoices {index}/{len(customers)}")
    logins = _users(session, partners, customers)
    session.flush()
    return logins


def _products(session):
    products = {code: Product(code=code, name=name, kind=kind, unit=unit)
                for code, name, kind, unit, _ in PRODUCTS}
    session.add_all(products.values())
    return products


def _partners(session) -> dict[str, Partner]:
    made = {}
    for i, name in enumerate(["Beacon Telecom Advisors", "Crestline IT Partners",
                              "Bridgeway Channel Group"], 1):
        made[f"CH-0{i}"] = create_partner(session, code=f"CH-0{i}", name=name, kind="channel")
    for i, name in enumerate(["Summit Master Agency", "Pioneer Agency Network",
                              "Lantern Agency Alliance"], 1):
        made[f"AG-0{i}"] = create_partner(session, code=f"AG-0{i}", name=name, kind="agency")
    top = made["AG-01"]
    made["AG-01-A"] = create_partner(session, code="AG-01-A", name="Summit West Sub-agent",
                                     kind="agency", parent=top)
    made["AG-01-B"] = create_partner(session, code="AG-01-B", name="Summit East Sub-agent",
                                     kind="agency", parent=top)
    made["AG-01-A1"] = create_partner(session, code="AG-01-A1", name="Front Range Sub-agent",
                                      kind="agency", parent=made["AG-01-A"])
    brands = [("Skyline Managed Voice", "#0b7a75"), ("Atlas MSP Communications", "#8a3ffc"),
              ("Harborview Systems Voice", "#c2410c")]
    for i, (brand, color) in enumerate(brands, 1):
        made[f"WS-0{i}"] = create_partner(
            session, code=f"WS-0{i}", name=brand.replace(" Voice", "").replace(" Communications",
                                                                                 "") + " Ltd",
            kind="wholesale", brand_name=brand, brand_color=color,
        )
    return made


def _address(rng, market, number):
    currency, country, locale, region, city, postal, _ = market
    street = rng.choice(["Main", "Market", "King", "High", "Station"])
    return dict(address_line1=f"{rng.randint(10, 2400)} {street} Street",
                city=city, region=region, postal_code=postal, country=country, locale=locale,
                currency=currency, phone_of_record=f"+1-303-555-{number % 10000:04d}")


def _customers(session, rng, partners) -> list[Customer]:
    codes = sorted(partners) + [None]
    customers, number = [], 100000
    for index in range(150):
        number += 1
        market = MARKETS[index % len(MARKETS)]
        partner_code = codes[index % len(codes)]
        name = f"{NAMES_A[index % 20]} {NAMES_B[(index // 20 + index) % 10]}"
        slug = name.lower().replace(" ", "")
        customer = Customer(
            account_number=f"AC-{number}", name=name,
            email_of_record=f"billing@{slug}{index}.example",
            partner=partners[partner_code] if partner_code else None,
            **_address(rng, market, number),
        )
        customers.append(customer)
        if index % 10 == 3:  # a corporate account with locations
            for sub in range(1, 3 + index % 2):
                number += 1
                customers.append(Customer(
                    account_number=f"AC-{number}", name=f"{name} – location {sub}", parent=customer,
                    email_of_record=f"site{sub}@{slug}{index}.example", partner=customer.partner,
                    pays_own_charges=(sub == 2), **_address(rng, market, number),
                ))
    session.add_all(customers)
    session.flush()
    return customers


def _services(session, rng, customer, products):
    start = date(2025, 10, rng.randint(1, 25))
    picks = rng.sample(["TOC-NUM", "VOICE-SEAT", "CC-SEAT", "SIP-CH", "TF-NUM", "MSG"], 3)
    prices = {code: Decimal(price) for code, _, _, _, price in PRODUCTS}
    for code in picks:
        quantity = Decimal(rng.choice([1, 2, 5, 10, 20, 25, 40]))
        session.add(Service(
            customer=customer, product=products[code], quantity=quantity,
            unit_price=prices[code], currency=customer.currency, started_on=start,
            description=f"{int(quantity)} × {products[code].unit}",
            delivery="internet" if code == "MSG" else "private",
        ))
    session.add(Service(customer=customer, product=products["USAGE"], quantity=Decimal(1),
                        unit_price=Decimal(0), currency=customer.currency, started_on=start,
                        description="Metered voice usage"))


def _approvals(session, rng, customers):
    """Approvals in every state: active, revoked, expired, and none."""
    for index, customer in enumerate(c for c in customers if c.parent is None):
        if customer.partner is None:
            continue
        state = ["active", "active", "none", "revoked", "expired", "active"][index % 6]
        if state == "none":
            continue
        approved = SEED_AT - timedelta(days=200 + index)
        session.add(CpniApproval(
            customer=customer, partner=customer.partner, scope="billing_usage", method="online",
            approved_by_name=f"{customer.name} administrator", approved_at=approved,
            expires_at=datetime(2026, 6, 30, 23, 59, tzinfo=UTC) if state == "expired" else None,
            revoked_at=approved + timedelta(days=90) if state == "revoked" else None,
        ))


def _invoices(session, rng, customer, counters):
    if customer.parent is not None and not customer.pays_own_charges:
        return  # billed on the corporate invoice
    services = customer_services(session, customer)
    for month_offset in range(12):
        year, month = (2025, 12) if month_offset == 0 else (2026, month_offset)
        period = period_ending_in(year, month)
        invoice = Invoice(
            customer=customer, period_start=period.start, period_end=period.end,
            issue_date=period.start, due_date=period.start + timedelta(days=30),
            currency=customer.currency, status="issued",
            bill_to={"name": customer.name, "address": customer.postal_address,
                     "account_number": customer.account_number},
            issued_at=datetime(period.start.year, period.start.month, period.start.day, 9,
                               tzinfo=UTC),
        )
        _lines(rng, invoice, customer, services)
        _number(invoice, counters)
        if month_offset < 9:
            invoice.status, invoice.paid_minor = "paid", invoice.total_minor
        elif month_offset == 9 and invoice.total_minor > 100:
            invoice.status, invoice.paid_minor = "partially_paid", invoice.total_minor // 2
        session.add(invoice)


def customer_services(session, customer):
    return session.scalars(select(Service).where(Service.customer_id == customer.id)).all()


def _lines(rng, invoice, customer, services):
    cur, lines = invoice.currency, []

    def add(kind, description, quantity, rate, **extra):
        amount = line_amount(quantity, rate, cur)
        lines.append(InvoiceLine(position=len(lines) + 1, kind=kind, description=description,
                                 quantity=Decimal(quantity), unit_price=Decimal(rate),
                                 amount_minor=amount, **extra))

    seats = 0
    for service in services:
        if service.product.kind == "recurring":
            add("recurring", f"{service.product.name} ({service.description})",
                service.quantity, service.unit_price, service_id=service.id)
            seats += int(service.quantity)
    for call_type, description, rate in CALL_TYPES:
        minutes = Decimal(rng.randint(200, 9000))
        add("usage", f"{description}: {minutes} min", minutes, rate, call_type=call_type)
    if rng.random() < 0.06:
        add("one_time", "Number porting", Decimal(rng.randint(1, 5)), Decimal("15.00"))
    taxable = sum(line.amount_minor for line in lines)
    table = next(m[6] for m in MARKETS if m[1] == customer.country)
    for description, place, kind, rate in TAXES[table]:
        if kind == "pct":
            add("tax", description, Decimal(taxable) / 100, rate, jurisdiction=place)
        else:
            add("fee", description, Decimal(seats), rate, jurisdiction=place)
    if rng.random() < 0.05:
        add("credit", "Goodwill credit", Decimal(1), Decimal("-10.00"))
    invoice.lines = lines
    invoice.subtotal_minor = taxable
    invoice.tax_minor = sum(x.amount_minor for x in lines if x.kind in ("tax", "fee"))
    invoice.credit_minor = -sum(x.amount_minor for x in lines if x.kind == "credit")
    invoice.total_minor = sum(x.amount_minor for x in lines)


def _number(invoice, counters):
    series = (invoice.currency, invoice.issue_date.year)
    counters[series] = counters.get(series, 0) + 1
    invoice.number = f"{invoice.currency}-{invoice.issue_date.year}-{counters[series]:06d}"


def _users(session, partners, customers) -> dict:
    logins = {}

    def user(email, name, role, **links):
        create_user(session, email=email, name=name, role=role, password=DEMO_PASSWORD, **links)
        logins[email] = role

    for code, email in [("CH-01", "channel"), ("AG-01", "agency"), ("AG-01-A", "subagent"),
                        ("WS-01", "wholesale")]:
        user(f"{email}.admin@partners.example", f"{partners[code].name} Admin", "partner_admin",
             partner=partners[code])
    user("channel.user@partners.example", "Casey Rivera", "partner_user", partner=partners["CH-01"])
    corporate = next(c for c in customers if c.sub_accounts)
    ch01_customer = next(
        c for c in customers if c.partner is partners["CH-01"] and c.parent is None
    )
    user("admin@customer.example", "Jordan Lee", "customer_admin", customer=ch01_customer)
    user("corporate.admin@customer.example", "Morgan Blake", "customer_admin", customer=corporate)
    user("viewer@customer.example", "Riley Chen", "customer_user", customer=ch01_customer)
    for role in ("billing_specialist", "billing_supervisor", "billing_manager", "billing_director",
                 "admin"):
        email = f"{role.replace('billing_', '')}@staff.example"
        user(email, role.replace("_", " ").title(), role)
        staff = session.scalars(select(User).where(User.email == email)).one()
        staff.totp_secret, staff.totp_enabled_at = STAFF_TOTP_SECRET, SEED_AT
    return logins


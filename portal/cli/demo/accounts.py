"""The demo's parties: partners of every kind, ~170 accounts with services, CPNI
approvals in every state, and the demo logins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.catalog.models import Service
from billing.cpni.models import CpniApproval
from billing.parties.identity import create_user
from billing.parties.models import Customer, Partner
from billing.parties.partners import create_partner
from billing.parties.users import User
from portal.cli.demo.catalog import PRODUCTS

DEMO_PASSWORD = "Correct-Horse-Battery-42"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SEED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

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
NAMES_A = ["Acme", "Blue Harbor", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
           "Iris", "Juniper", "Keystone", "Lakeside", "Meridian", "Northstar", "Oakridge",
           "Pinnacle", "Quarry", "Riverbend", "Summit", "Tidewater"]
NAMES_B = ["Dental", "Logistics", "Law Group", "Realty", "Clinics", "Foods", "Engineering",
           "Hotels", "Insurance", "Schools"]

def add_partners(session) -> dict[str, Partner]:
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


def add_customers(session, rng, partners) -> list[Customer]:
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


def add_wholesale_accounts(session, partners, customers):
    """Each rebiller's own account with the provider, per currency its customers use."""
    for code, partner in sorted(partners.items()):
        if partner.kind != "wholesale":
            continue
        currencies = sorted({c.currency for c in customers if c.partner is partner})
        for n, currency in enumerate(currencies, 1):
            market = next(m for m in MARKETS if m[0] == currency)
            session.add(Customer(
                account_number=f"{code}-{currency}", billing_role="wholesale",
                name=f"{partner.name} (wholesale, {currency})", partner=partner,
                email_of_record=f"payables-{currency.lower()}@{code.lower()}.example",
                phone_of_record=f"+1-720-555-{n:04d}", address_line1=f"{n * 100} Wholesale Way",
                city=market[4], region=market[3], postal_code=market[5], country=market[1],
                locale=market[2], currency=currency))


def add_services(session, rng, customer, products):
    start = date(2025, 10, rng.randint(1, 25))
    picks = rng.sample(["TOC-NUM", "VOICE-SEAT", "CC-SEAT", "SIP-CH", "TF-NUM", "MSG"], 3)
    prices = {code: Decimal(price) for code, _, _, _, price in PRODUCTS}
    if customer.partner is not None and customer.partner.kind == "wholesale":
        prices = dict.fromkeys(prices)  # a rebiller's customers pay its retail book
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
    if rng.random() < 0.15:
        session.add(Service(customer=customer, product=products["PORT"],
                            quantity=Decimal(rng.randint(1, 5)), unit_price=prices["PORT"],
                            currency=customer.currency, description="numbers ported in",
                            started_on=date(2026, rng.randint(1, 10), rng.randint(1, 28))))


def customer_services(session, customer):
    query = select(Service).where(Service.customer_id == customer.id).order_by(Service.id)
    return session.scalars(query).all()  # ordered: the demo must be the same on every database


def add_approvals(session, rng, customers):
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


def add_users(session, partners, customers) -> dict:
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

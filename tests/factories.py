"""A small, fully known world for tests: partners of each kind, customers, invoices, users.

Values that are CPNI carry markers (CPNI_MARKERS) that tests search for in every
rendered surface; none of them can appear by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from billing.catalog.models import PriceBook, PriceBookEntry, Product, Service
from billing.cpni.models import CpniApproval
from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.tax_models import TaxRate
from billing.parties.identity import hash_password
from billing.parties.models import Customer
from billing.parties.partners import create_partner
from billing.parties.users import User

PASSWORD = "Quiet-Meadow-Lantern-7"
_HASH = hash_password(PASSWORD)
NOW = datetime.now(UTC)

# Appear only in CPNI fields: a service description, line descriptions, and amounts
# (as en-US, de and fr would print them).
USAGE_MARKER = "OKAPI-CALLS-5120"
CPNI_MARKERS = ("ZEBRA-SERVICE-7731", "QUOKKA-LINE-4410", USAGE_MARKER, "8,642.19", "8.642,19",
                "8642.19", "864219")
USAGE_MINOR = 2_500
REBILLED_MARKER = "HERON-SEATS-3307"  # an end customer's service, on a wholesale invoice


@dataclass
class World:
    partners: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)


def make_user(session, email, role, **links) -> User:
    user = User(email=email, name=email.split("@")[0].title(), role=role,
                password_hash=_HASH, **links)
    session.add(user)
    session.flush()
    return user


def make_customer(session, number: str, name: str, partner=None, **extra) -> Customer:
    values = dict(
        account_number=number, name=name, partner=partner,
        email_of_record=f"{number.lower()}@customer.test", phone_of_record="+1-303-555-0100",
        address_line1="1 Test Street", city="Denver", region="CO", postal_code="80202",
        country="US", locale="en_US", currency="USD",
    )
    values.update(extra)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def make_invoice(session, customer, number: str, *, period_end=date(2026, 3, 25),
                 status="issued", amount_minor=864219) -> Invoice:
    invoice = Invoice(
        customer=customer, number=number, period_start=period_end - timedelta(days=27),
        period_end=period_end, issue_date=period_end - timedelta(days=27),
        due_date=period_end + timedelta(days=3), status=status, currency=customer.currency,
        subtotal_minor=amount_minor, total_minor=amount_minor,
        bill_to={"name": customer.name, "address": customer.postal_address},
    )
    invoice.lines = [
        InvoiceLine(position=1, kind="recurring", description="Voice seat QUOKKA-LINE-4410",
                    quantity=Decimal(1), unit_price=Decimal(amount_minor - USAGE_MINOR) / 100,
                    amount_minor=amount_minor - USAGE_MINOR),
        InvoiceLine(position=2, kind="usage", description=f"Calls to Peru {USAGE_MARKER}",
                    call_type="international", quantity=Decimal(100),
                    unit_price=Decimal("0.25"), amount_minor=USAGE_MINOR),
    ]
    session.add(invoice)
    session.flush()
    return invoice


_past_periods = iter(range(1, 10_000))


def another_period_end() -> date:
    """A period end no other invoice of the test uses (one invoice per customer and period)."""
    months_back = next(_past_periods)
    year, month = divmod(2026 * 12 + 2 - months_back, 12)
    return date(year, month + 1, 25)


def approve(session, customer, partner, state="active", scope="billing_usage"):
    """An approval of the given state: active, revoked or expired."""
    approval = CpniApproval(
        customer=customer, partner=partner, scope=scope, method="online",
        approved_by_name="Test admin", approved_at=NOW - timedelta(days=30),
        revoked_at=NOW - timedelta(days=1) if state == "revoked" else None,
        expires_at=NOW - timedelta(hours=1) if state == "expired" else None,
    )
    session.add(approval)
    session.flush()
    return approval


def build_world(session) -> World:
    w = World()
    p = w.partners
    p["channel"] = create_partner(session, code="CH", name="Channel One", kind="channel")
    p["other"] = create_partner(session, code="CH2", name="Channel Two", kind="channel")
    p["agency"] = create_partner(session, code="AG", name="Agency Top", kind="agency")
    p["sub"] = create_partner(session, code="AG-S", name="Sub Agent", kind="agency",
                              parent=p["agency"])
    p["subsub"] = create_partner(session, code="AG-SS", name="Sub Sub Agent", kind="agency",
                                 parent=p["sub"])
    p["wholesale"] = create_partner(session, code="WS", name="Rebill Ltd", kind="wholesale",
                                    brand_name="Rebill Voice", brand_color="#0b7a75")
    product = Product(code="VOICE-SEAT", name="Voice seat", kind="recurring", unit="seat")
    session.add(product)
    c = w.customers
    for key, partner in [("channel", "channel"), ("other", "other"), ("agency", "agency"),
                         ("sub", "sub"), ("subsub", "subsub"), ("wholesale", "wholesale")]:
        c[key] = make_customer(session, f"AC-{len(c) + 1:04d}", f"{key.title()} Customer",
                               partner=p[partner])
    c["direct"] = make_customer(session, "AC-0100", "Direct Customer")
    c["location"] = make_customer(session, "AC-0101", "Channel Customer Location",
                                  partner=p["channel"], parent=c["channel"])
    for key, customer in c.items():
        session.add(Service(customer=customer, product=product, quantity=Decimal(3),
                            unit_price=Decimal("18.00"), currency="USD",
                            description="Seats ZEBRA-SERVICE-7731", started_on=date(2026, 1, 1)))
        w.invoices[key] = make_invoice(session, customer, f"USD-2026-{len(w.invoices) + 1:06d}")
    u = w.users
    for key in p:
        u[f"{key}_admin"] = make_user(session, f"{key}.admin@partner.test", "partner_admin",
                                      partner=p[key])
    u["channel_user"] = make_user(session, "channel.user@partner.test", "partner_user",
                                  partner=p["channel"])
    u["customer_admin"] = make_user(session, "admin@customer.test", "customer_admin",
                                    customer=c["channel"])
    u["customer_user"] = make_user(session, "user@customer.test", "customer_user",
                                   customer=c["channel"])
    u["other_customer"] = make_user(session, "admin@other.test", "customer_admin",
                                    customer=c["other"])
    u["location_admin"] = make_user(session, "admin@location.test", "customer_admin",
                                    customer=c["location"])
    u["staff"] = make_user(session, "specialist@staff.test", "billing_specialist",
                           totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    return w


@dataclass
class Rebiller:
    account: Customer  # the rebiller's wholesale account (USD)
    end_customer: Customer  # in Texas, priced from the retail book
    foreign: Customer  # in Canada (CAD), on a contract price: not on the USD wholesale bill


def add_rebiller_books(session, world) -> Rebiller:
    """Price books for the world's rebiller ("wholesale") and its wholesale account.

    Voice seat: list 18.00, wholesale 12.60 (falls back to the list for other products),
    retail 21.00 with usage at cost plus 25 %. Sales tax 2.9 % in Colorado, 6.25 % in Texas.
    """
    rebiller = world.partners["wholesale"]
    seat = session.scalars(select(Product).where(Product.code == "VOICE-SEAT")).one()
    since = date(2026, 1, 1)
    books = {}
    for kind, code, partner, base, markup, price in [
            ("list", "LIST-USD", None, None, "0", "18.00"),
            ("wholesale", "WS-WHOLESALE-USD", rebiller, "list", "0", "12.60"),
            ("retail", "WS-RETAIL-USD", rebiller, None, "0.25", "21.00")]:
        books[kind] = PriceBook(code=code, name=code.title(), kind=kind, partner=partner,
                                currency="USD", base_book=books.get(base),
                                usage_markup=Decimal(markup))
        session.add(PriceBookEntry(book=books[kind], product=seat, unit_price=Decimal(price),
                                   effective_from=since))
    for region, name, rate in [("CO", "Colorado sales tax", "0.029"),
                               ("TX", "Texas sales tax", "0.0625")]:
        session.add(TaxRate(tax_type="sales", name=name, kind="percent", country="US",
                            region=region, locality="", rate=Decimal(rate),
                            base_share=Decimal(1), effective_from=since))
    account = make_customer(session, "WS-0001", "Rebill Ltd (wholesale account)",
                            partner=rebiller, billing_role="wholesale")
    texan = make_customer(session, "AC-0200", "Lone Star Dental", partner=rebiller,
                          city="Austin", region="TX", postal_code="78701")
    session.add(Service(customer=texan, product=seat, quantity=Decimal(10), currency="USD",
                        description=f"Seats {REBILLED_MARKER}", started_on=since))
    canadian = make_customer(session, "AC-0201", "Maple Clinics", partner=rebiller,
                             city="Toronto", region="ON", postal_code="M5H 2N2", country="CA",
                             currency="CAD")
    session.add(Service(customer=canadian, product=seat, quantity=Decimal(2),
                        unit_price=Decimal("24.00"), currency="CAD", started_on=since))
    session.flush()
    return Rebiller(account, texan, canadian)


# The escalation path the tests use: tier n is worked by the n-th billing role.
TEST_TIERS = [
    ("Billing specialist", "billing_specialist", 16, 50_000),
    ("Billing supervisor", "billing_supervisor", 24, 500_000),
    ("Billing manager", "billing_manager", 40, 2_500_000),
    ("Director of finance", "billing_director", 80, 25_000_000),
]


def make_tiers(session, tiers=TEST_TIERS):
    """The escalation path, in place of the migration's seed (which the first test of a
    run still sees; the database is emptied after each test)."""
    from sqlalchemy import delete

    from billing.disputes.models import DisputeTier, DisputeTierAuthority
    from billing.disputes.tiers import TierSettings, save_tier

    session.execute(delete(DisputeTierAuthority))
    session.execute(delete(DisputeTier))

    made = [save_tier(session, TierSettings(name, role, hours, {"USD": limit, "CAD": limit}),
                      NOW)
            for name, role, hours, limit in tiers]
    session.flush()
    return made


def recent_invoice(session, customer, *, issued_on: date | None = None, number=None,
                   amount_minor=864219) -> Invoice:
    """An issued invoice still inside the dispute window (issued a week ago by default)."""
    issued_on = issued_on or (NOW - timedelta(days=7)).date()
    invoice = make_invoice(session, customer, number or f"USD-2026-R{customer.id:05d}",
                           period_end=another_period_end(), amount_minor=amount_minor,
                           status="draft")
    invoice.status, invoice.issue_date = "issued", issued_on
    invoice.due_date = issued_on + timedelta(days=30)
    session.flush()
    return invoice


def make_billing_staff(session, role: str, email: str | None = None) -> User:
    """A billing staff user with a second factor, like the world's specialist."""
    return make_user(session, email or f"{role}@staff.test", role,
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)

"""Deterministic demo data: partners of every kind, ~170 accounts, a year of invoices.

The same seed gives the same rows every time, so demo logins and screenshots are stable.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from billing.catalog.models import PriceBook, PriceBookEntry, Product, Service
from billing.core.clock import PROVIDER_TZ, period_ending_in
from billing.cpni import breaches, complaints, marketing
from billing.cpni.models import CpniApproval
from billing.disputes import escalation, filing, holds, steps
from billing.disputes import tiers as dispute_tiers
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import Invoice
from billing.invoicing.runs import draft_period, issue_period
from billing.invoicing.tax_models import TaxRate
from billing.invoicing.usage_models import UsageRecord
from billing.parties.identity import create_user
from billing.parties.models import Customer, Partner
from billing.parties.partners import create_partner
from billing.parties.users import User
from billing.sla.credits import (
    decide_request,
    ensure_standard_windows,
    open_ticket,
    record_outage,
    request_credit,
)
from billing.sla.models import MaintenanceWindow

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
CALL_TYPES = [  # call type, destinations, rate per minute
    ("local", [""], Decimal("0.004500")),
    ("long_distance", [""], Decimal("0.012750")),
    ("international", ["United Kingdom", "Mexico", "India"], Decimal("0.085300")),
    ("toll_free", [""], Decimal("0.021000")),
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
NAMES_A = ["Acme", "Blue Harbor", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
           "Iris", "Juniper", "Keystone", "Lakeside", "Meridian", "Northstar", "Oakridge",
           "Pinnacle", "Quarry", "Riverbend", "Summit", "Tidewater"]
NAMES_B = ["Dental", "Logistics", "Law Group", "Realty", "Clinics", "Foods", "Engineering",
           "Hotels", "Insurance", "Schools"]


def already_seeded(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Partner)))


def seed(session: Session, progress=lambda step: None) -> dict:
    """Create the demo world and bill a year of it through the real invoice run.

    Returns the demo logins. Assumes an empty database; commits as it goes (the run
    commits each invoice).
    """
    rng = random.Random(2026)
    products = _products(session)
    partners = _partners(session)
    customers = _customers(session, rng, partners)
    for customer in customers:
        _services(session, rng, customer, products)
    _price_books(session, products, partners)
    _wholesale_accounts(session, partners, customers)
    _tax_rates(session)
    _approvals(session, rng, customers)
    logins = _users(session, partners, customers)
    _usage(session, rng, customers)
    session.commit()
    progress("customers")
    for year, month in BILLED_MONTHS:
        period = period_ending_in(year, month)
        _bill(session, rng, customers, period)
        for customer in rng.sample(customers, 4):  # trued up on the next invoice
            _grow(session, rng, customer, period)
        session.commit()
        progress(f"{year}-{month:02d}")
    _payments(session)
    _sla(session, partners, customers)
    session.commit()
    _disputes(session, partners, customers)
    _cpni_program(session, customers)
    session.commit()
    return logins


BILLED_MONTHS = [(2025, 12)] + [(2026, m) for m in range(1, 12)]


def _bill(session, rng, customers, period):
    """One month of the provider's billing: goodwill credits, the run, the issue."""
    now = datetime.combine(period.start, time(9), PROVIDER_TZ).astimezone(UTC)
    for customer in rng.sample(customers, 3):
        if customer.parent is None:
            create_credit_note(session, customer=customer, amount_minor=1000,
                               currency=customer.currency, reason="goodwill",
                               reference="Service call visit missed", now=now)
    session.commit()
    draft_period(session, period, started_by="demo seed", now=now)
    issue_period(session, period, now=now)


def _sla(session, partners, customers):
    """A year of noticed maintenance, two outages with tickets, and two credit requests
    for the demo customer: September's approved (its credit note waits for the next
    invoice), October's pending."""
    ensure_standard_windows(session, 2026)
    for window in session.scalars(select(MaintenanceWindow)):
        window.notice_sent_at = window.starts_at - timedelta(days=10)
    customer = next(c for c in customers if c.partner is partners["CH-01"] and c.parent is None)
    service = next(s for s in customer_services(session, customer)
                   if s.product.sla_family == "voice" and s.product.kind == "recurring")
    outages = [("INC-2026-0917", datetime(2026, 9, 17, 14, 5), 165, "provider",
                "Session border controllers in Denver failed over slowly"),
               ("INC-2026-1003", datetime(2026, 10, 3, 2, 10), 90, "c",
                "Fibre cut at a tier-1 carrier's exchange"),
               ("INC-2026-1021", datetime(2026, 10, 21, 9, 30), 75, "provider",
                "Call routing database overloaded")]
    for ref, local_start, minutes, cause, summary in outages:
        start = local_start.replace(tzinfo=PROVIDER_TZ).astimezone(UTC)
        outage = record_outage(session, ref=ref, started_at=start, cause=cause,
                               ended_at=start + timedelta(minutes=minutes), summary=summary,
                               platform="voice")
        open_ticket(session, customer=customer, opened_at=start + timedelta(minutes=20),
                    summary="Inbound calls fail", source="support", outage=outage)
    staff = session.scalars(select(User).where(User.role == "billing_supervisor")).first()
    september = request_credit(session, service=service, month=date(2026, 9, 1), user=None,
                               now=SEED_AT)
    decide_request(session, september.id, approve=True, reason="", user=staff, now=SEED_AT)
    request_credit(session, service=service, month=date(2026, 10, 1), user=None, now=SEED_AT)


def _disputes(session, partners, customers):
    """Disputes of the demo customer at each stage: new, waiting on the customer,
    escalated by its deadline, settled with a partial credit, and denied; one filed by
    the channel partner."""
    dispute_tiers.ensure_default_path(session, SEED_AT)
    customer = next(c for c in customers if c.partner is partners["CH-01"] and c.parent is None)
    filer = session.scalars(select(User).where(User.customer_id == customer.id,
                                               User.role == "customer_admin")).first()
    partner_user = session.scalars(select(User).where(User.partner_id == partners["CH-01"].id,
                                                      User.role == "partner_admin")).first()
    staff = {role: session.scalars(select(User).where(User.role == role)).first()
             for role in ("billing_specialist", "billing_supervisor")}
    invoices = list(session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id, Invoice.status != "draft")
        .order_by(Invoice.period_end.desc()).limit(3)))
    cases = [(filer, "wrong_rate", "The seat price is above our contract price.", 4_500),
             (filer, "duplicate_charge", "The porting fee appears twice.", 2_500),
             (partner_user, "service_not_received", "The fax line was cancelled in August.",
              1_999),
             (filer, "tax", "We are exempt from the local communications tax.", 1_200),
             (filer, "other", "A charge we cannot place.", 800)]
    made = []
    for number, (user, reason, text, amount) in enumerate(cases):
        invoice = invoices[number % len(invoices)]
        filed = max(SEED_AT, datetime.combine(invoice.issue_date, time(10), PROVIDER_TZ)
                    .astimezone(UTC)) + timedelta(hours=number)
        made.append(filing.file_dispute(
            session, invoice=invoice, user=user, reason=reason, description=text,
            amount_minor=min(amount, holds.open_amount_minor(session, invoice)),
            now=filed).dispute)
    later = made[-1].filed_at + timedelta(hours=2)
    steps.ask_for_information(session, made[1].id, staff["billing_specialist"],
                              "Which two lines do you mean?", later)
    escalation.escalate(session, made[2].id, None, made[2].deadline_at + timedelta(minutes=5))
    steps.settle(session, made[3].id, staff["billing_specialist"], outcome="partial",
                 credit_minor=made[3].amount_minor // 2, now=later,
                 reason="The exemption applies from the date we received the certificate.")
    steps.settle(session, made[4].id, staff["billing_specialist"], outcome="denied",
                 now=later, reason="The charge is the annual directory listing fee.")


def _cpni_program(session, customers):
    """For the compliance pages: a breach told to law enforcement (its customers not yet
    told), a complaint, and a customer that opted out of marketing."""
    officer = session.scalars(select(User).where(User.role == "admin")).first()
    accounts = [c.account_number for c in customers[5:8]]
    determined = datetime(2026, 10, 19, 16, 0, tzinfo=UTC)
    breach = breaches.record_breach(
        session, discovered_at=determined - timedelta(days=2), determined_at=determined,
        description="A support agent's laptop holding three customers' call-detail exports "
                    "was stolen from a car.", account_numbers=accounts, recorded_by=officer,
        now=SEED_AT)
    breaches.record_law_enforcement_notice(
        session, breach.id, notified_at=determined + timedelta(days=3),
        reference="USSS-2026-4471", now=SEED_AT)
    complaints.record_complaint(
        session, account_number=customers[9].account_number,
        received_at=SEED_AT - timedelta(days=4), category="marketing_use",
        summary="Received a partner's offer built on our call volumes.", recorded_by=officer,
        now=SEED_AT)
    marketing.opt_out(session, customer=customers[9], by=officer, now=SEED_AT)


def _payments(session):
    """Older invoices are paid, the one before last half paid, the last still open."""
    for invoice in session.scalars(select(Invoice).where(Invoice.status == "issued")):
        if invoice.period_end < date(2026, 9, 1):
            invoice.status, invoice.paid_minor = "paid", invoice.total_minor
        elif invoice.period_end < date(2026, 10, 1) and invoice.total_minor > 100:
            invoice.status, invoice.paid_minor = "partially_paid", invoice.total_minor // 2


SLA_FAMILIES = {"TOC-NUM": "voice", "VOICE-SEAT": "voice", "CC-SEAT": "voice", "SIP-CH": "voice",
                "TF-NUM": "voice", "USAGE": "voice", "MSG": "messaging"}


def _products(session):
    products = {code: Product(code=code, name=name, kind=kind, unit=unit,
                              sla_family=SLA_FAMILIES.get(code))
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


def _price_books(session, products, partners):
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


def _wholesale_accounts(session, partners, customers):
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


def _services(session, rng, customer, products):
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


def _grow(session, rng, customer, period):
    """A customer adds seats part-way through a period that was already billed."""
    service = next(s for s in customer_services(session, customer)
                   if s.product.kind == "recurring" and s.ended_on is None)
    changed_on = period.start + timedelta(days=rng.randint(3, period.days - 3))
    service.ended_on = changed_on - timedelta(days=1)
    quantity = service.quantity + rng.choice([2, 5, 10])
    session.add(Service(customer=customer, product=service.product, quantity=quantity,
                        unit_price=service.unit_price, currency=service.currency,
                        started_on=changed_on, delivery=service.delivery,
                        description=f"{int(quantity)} × {service.product.unit}"))


def customer_services(session, customer):
    query = select(Service).where(Service.customer_id == customer.id).order_by(Service.id)
    return session.scalars(query).all()  # ordered: the demo must be the same on every database


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


def _tax_rates(session):
    """The demo's rate tables, in force all year."""
    for tax_type, name, kind, country, region, rate, share, fee_currency in TAX_RATES:
        session.add(TaxRate(tax_type=tax_type, name=name, kind=kind, country=country,
                            region=region, locality="", rate=Decimal(rate),
                            base_share=Decimal(share), currency=fee_currency,
                            effective_from=date(2025, 1, 1)))


def _usage(session, rng, customers):
    """Rated calls for every month billed (in arrears), a few records per call type."""
    months = [(2025, 11)] + BILLED_MONTHS
    rows, serial = [], 0
    for customer in customers:
        for year, month in months:
            period = period_ending_in(year, month)
            for call_type, destinations, rate in CALL_TYPES:
                serial += 1
                day = period.start + timedelta(days=rng.randint(0, period.days - 1))
                rows.append(dict(
                    source_ref=f"DEMO-{serial:07d}", customer_id=customer.id,
                    call_type=call_type, destination=rng.choice(destinations),
                    started_at=datetime.combine(day, time(rng.randint(7, 19)), UTC),
                    minutes=Decimal(rng.randint(200, 9000)) + Decimal(rng.randint(0, 59)) / 60,
                    rate=rate))
    session.execute(insert(UsageRecord), rows)


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


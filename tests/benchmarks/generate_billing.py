"""Bulk data for the invoice-run benchmark: accounts, services, a tax table and usage.

`generate` fills an empty, migrated database with a few partners (through the app's own
`create_partner`), the product catalogue and a small tax table (Core inserts), and then
10,000 bill-to accounts with about six services each, a few tax exemptions and credit
notes (PostgreSQL COPY with ids assigned here; the sequences are moved past them), and
the invoices of the last few periods before the billed one, as a production database has:
they give the planner real statistics for the invoice tables, and the run trues up
against the previous invoice of every account (the invoice number series follow them).

Accounts are mostly US (USD), with some Canadian (CAD), British (GBP) and German (EUR)
ones, each at a real city with its state, province or region, since taxes follow it.
Services are recurring products counted in seats, numbers, channels or bundles; most
run all period, a few start or end inside the billed period or the one before (so the
run prorates and trues up), and some accounts have a one-time porting charge.

`write_usage_csv` writes rated calls in the documented usage import format
(billing/imports/formats.md) for the bill period before the one being billed, since
usage is billed in arrears. The same seed gives the same rows.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from billing.catalog.models import Product
from billing.core.clock import PROVIDER_TZ, BillPeriod, period_containing
from billing.core.money import line_amount
from billing.core.numbering import format_number, series_key
from billing.imports.invoicing_kinds import UsageKind
from billing.invoicing.issuing import PAYMENT_TERMS
from billing.invoicing.models import NumberSeries
from billing.invoicing.tax_models import TaxRate
from billing.parties.partners import create_partner
from portal.cli import demo
from tests.benchmarks.generate import INVOICE_COLUMNS, LINE_COLUMNS, NAMES_A, NAMES_B

SEED = 1226
CREATED_AT = datetime(2024, 1, 10, 16, tzinfo=UTC)

PARTNERS = [  # code, name, kind, parent code, brand name
    ("CH-100", "Beacon Telecom Advisors", "channel", None, None),
    ("CH-200", "Crestline IT Partners", "channel", None, None),
    ("AG-100", "Summit Master Agency", "agency", None, None),
    ("AG-110", "Summit West Sub-agent", "agency", "AG-100", None),
    ("WS-100", "Skyline Rebilling Ltd", "wholesale", None, "Skyline Managed Voice"),
]
PARTNER_SHARE = 0.75  # of the accounts have a serving partner; the rest are direct

# The demo's catalogue (code, name, kind, unit, list price in USD), without metered usage.
PRODUCTS = [product for product in demo.PRODUCTS if product[2] != "usage"]
RECURRING = [code for code, _, kind, _, _ in PRODUCTS if kind == "recurring"]
QUANTITIES = {  # by unit
    "number": [1, 2, 5, 10, 20, 25, 50, 100, 250],
    "seat": [1, 2, 3, 5, 8, 10, 15, 20, 25, 40, 60, 120],
    "channel": [2, 4, 8, 10, 23, 30, 46],
    "bundle": [1, 1, 2, 3],
}
FX = {"USD": Decimal(1), "CAD": Decimal("1.37"), "GBP": Decimal("0.79"),
      "EUR": Decimal("0.92")}


class Market(NamedTuple):
    weight: int  # percent of the accounts
    country: str
    currency: str
    locales: tuple[str, ...]
    places: tuple[tuple[str | None, str, str], ...]  # region, city, postal code
    phone: str


MARKETS = [
    Market(80, "US", "USD", ("en_US", "en_US", "es"), (
        ("CO", "Denver", "80202"), ("CO", "Boulder", "80302"), ("TX", "Austin", "78701"),
        ("TX", "Dallas", "75201"), ("NY", "New York", "10001"), ("CA", "San Francisco", "94105"),
        ("WA", "Seattle", "98101"), ("IL", "Chicago", "60601")), "+1-303-555-"),
    Market(8, "CA", "CAD", ("en_US", "fr"), (
        ("ON", "Toronto", "M5H 2N2"), ("QC", "Montréal", "H2Y 1C6"),
        ("BC", "Vancouver", "V6B 1A1")), "+1-416-555-"),
    Market(7, "GB", "GBP", ("en_GB",), (
        ("England", "Manchester", "M1 1AE"), ("England", "London", "EC1A 1BB"),
        ("Scotland", "Glasgow", "G1 1XQ")), "+44-161-555-"),
    Market(5, "DE", "EUR", ("de",), (
        ("Berlin", "Berlin", "10115"), ("Bayern", "München", "80331"),
        ("Hessen", "Frankfurt am Main", "60311")), "+49-30-555-"),
]
STREETS = {"US": ["Main Street", "Market Street", "Larimer Street", "Congress Avenue"],
           "CA": ["King Street West", "Rue Saint-Jacques", "Granville Street"],
           "GB": ["Deansgate", "High Street", "Buchanan Street"],
           "DE": ["Friedrichstraße", "Leopoldstraße", "Zeil"]}

TAX_RATES = [  # tax type, name, kind, country, region, locality, rate, base share, currency
    ("usf", "Federal Universal Service Charge", "percent", "US", "", "", "0.342", "0.649",
     None, date(2025, 10, 1)),  # superseded by the next row
    ("usf", "Federal Universal Service Charge", "percent", "US", "", "", "0.364", "0.649",
     None, date(2026, 1, 1)),
    ("rrf", "Regulatory recovery fee", "recovery_fee", "US", "", "", "0.025", "1", None,
     date(2026, 1, 1)),
    ("sales", "Colorado sales tax", "percent", "US", "CO", "", "0.029", "1", None,
     date(2026, 1, 1)),
    ("city", "Denver occupational privilege tax", "percent", "US", "CO", "Denver", "0.0481",
     "1", None, date(2026, 1, 1)),
    ("e911", "Colorado E911 fee", "per_line", "US", "CO", "", "0.70", "1", "USD",
     date(2026, 1, 1)),
    ("sales", "Texas sales tax", "percent", "US", "TX", "", "0.0625", "1", None,
     date(2026, 1, 1)),
    ("e911", "Texas 911 fee", "per_line", "US", "TX", "", "0.50", "1", "USD", date(2026, 1, 1)),
    ("sales", "New York sales tax", "percent", "US", "NY", "", "0.04", "1", None,
     date(2026, 1, 1)),
    ("e911", "New York E911 surcharge", "per_number", "US", "NY", "", "1.20", "1", "USD",
     date(2026, 1, 1)),
    ("gst", "GST", "percent", "CA", "", "", "0.05", "1", None, date(2026, 1, 1)),
    ("hst", "HST (Ontario part)", "percent", "CA", "ON", "", "0.08", "1", None,
     date(2026, 1, 1)),
    ("qst", "QST", "percent", "CA", "QC", "", "0.09975", "1", None, date(2026, 1, 1)),
    ("pst", "BC PST", "percent", "CA", "BC", "", "0.07", "1", None, date(2026, 1, 1)),
    ("vat", "VAT 20%", "percent", "GB", "", "", "0.20", "1", None, date(2026, 1, 1)),
    ("vat", "MwSt. 19%", "percent", "DE", "", "", "0.19", "1", None, date(2026, 1, 1)),
]

CUSTOMER_COLUMNS = (
    "id", "account_number", "name", "parent_id", "pays_own_charges", "partner_id",
    "email_of_record", "phone_of_record", "address_line1", "address_line2", "city", "region",
    "postal_code", "country", "locale", "currency", "created_at",
)
SERVICE_COLUMNS = (
    "id", "customer_id", "product_id", "quantity", "unit_price", "currency", "description",
    "delivery", "started_on", "ended_on", "created_at",
)
EXEMPTION_COLUMNS = ("id", "customer_id", "tax_type", "certificate")
CREDIT_NOTE_COLUMNS = (
    "id", "number", "customer_id", "currency", "amount_minor", "reason", "reference",
    "remaining_minor", "issued_at",
)

USAGE_MIX = [("local", 45), ("long_distance", 30), ("international", 10), ("toll_free", 15)]
USAGE_RATES = {"local": Decimal("0.004500"), "long_distance": Decimal("0.012750"),
               "toll_free": Decimal("0.021000")}
INTERNATIONAL = {  # destination: rate per minute in USD
    "United States": Decimal("0.011000"), "Canada": Decimal("0.011000"),
    "Mexico": Decimal("0.085300"), "United Kingdom": Decimal("0.021900"),
    "Germany": Decimal("0.027400"), "India": Decimal("0.058700"),
    "Philippines": Decimal("0.142000"), "Brazil": Decimal("0.065000"),
}
HOME = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany"}
NO_USAGE_SHARE = 0.10  # accounts with no calls in the period (e.g. messaging only)


@dataclass(frozen=True)
class Sizes:
    """How much to generate; the defaults are the benchmark's target size."""

    customers: int = 10_000
    services: tuple[int, int] = (4, 8)  # recurring services per account, uniform: mean 6
    usage_rows: int = 1_000_000
    history: int = 3  # issued invoices per account, for the periods before the billed one


class Account(NamedTuple):
    id: int
    number: str
    country: str
    currency: str
    bill_to: str  # JSON, as bill_to_snapshot makes it


@dataclass
class World:
    """What the usage file needs to know about the accounts, plus row counts."""

    accounts: list[Account]
    counts: dict = field(default_factory=dict)


# --- accounts, services and taxes ---------------------------------------------------------

def generate(session: Session, period: BillPeriod, sizes: Sizes = Sizes(),
             seed: int = SEED) -> World:
    """Fill an empty, migrated database for a run of `period`; commits."""
    rng = random.Random(seed)
    partners = _partners(session)
    products = _products(session)
    session.execute(sa.insert(TaxRate), [_tax_rate(*row) for row in TAX_RATES])
    rows, accounts = _customer_rows(rng, sizes.customers, partners)
    copy_rows(session, "customer", CUSTOMER_COLUMNS, rows)
    services = list(_service_rows(rng, accounts, products, period, sizes))
    copy_rows(session, "service", SERVICE_COLUMNS, services)
    exemptions = _exemption_rows(rng, accounts)
    copy_rows(session, "tax_exemption", EXEMPTION_COLUMNS, exemptions)
    notes = _credit_note_rows(rng, accounts, period)
    copy_rows(session, "credit_note", CREDIT_NOTE_COLUMNS, notes)
    history = _history(session, rng, accounts, services, products, period, sizes.history)
    move_sequences(session, ("customer", "service", "tax_exemption", "credit_note", "invoice",
                             "invoice_line"))
    session.commit()
    counts = {"partner": len(partners), "product": len(products), "tax_rate": len(TAX_RATES),
              "customer": len(accounts), "service": len(services),
              "tax_exemption": len(exemptions), "credit_note": len(notes), **history}
    return World(accounts, counts)


def _partners(session: Session) -> list[int]:
    made = {}
    for code, name, kind, parent, brand in PARTNERS:
        made[code] = create_partner(session, code=code, name=name, kind=kind,
                                    parent=made.get(parent), brand_name=brand)
    return [partner.id for partner in made.values()]


class Item(NamedTuple):
    id: int
    name: str
    unit: str
    price: Decimal  # list price in USD


def _products(session: Session) -> dict[str, Item]:
    rows = [{"code": code, "name": name, "kind": kind, "unit": unit}
            for code, name, kind, unit, _ in PRODUCTS]
    ids = dict(session.execute(sa.insert(Product).returning(Product.code, Product.id), rows)
               .all())
    return {code: Item(ids[code], name, unit, Decimal(price))
            for code, name, _, unit, price in PRODUCTS}


def _tax_rate(tax_type, name, kind, country, region, locality, rate, share, currency, since):
    return {"tax_type": tax_type, "name": name, "kind": kind, "country": country,
            "region": region, "locality": locality, "rate": Decimal(rate),
            "base_share": Decimal(share), "currency": currency, "effective_from": since}


def _customer_rows(rng: random.Random, count: int, partners: list[int]):
    """COPY rows of the accounts, ids 1..count in account-number order."""
    rows, accounts = [], []
    markets = rng.choices(MARKETS, weights=[m.weight for m in MARKETS], k=count)
    for customer_id, market in enumerate(markets, 1):
        region, city, postal = rng.choice(market.places)
        number = f"AC-{500000 + customer_id}"
        partner_id = rng.choice(partners) if rng.random() < PARTNER_SHARE else None
        name = f"{rng.choice(NAMES_A)} {rng.choice(NAMES_B)} {customer_id}"
        street = f"{rng.randint(1, 2400)} {rng.choice(STREETS[market.country])}"
        suite = f"Suite {rng.randint(100, 900)}" if rng.random() < 0.3 else None
        email = f"billing{customer_id}@customer.example"
        rows.append((customer_id, number, name, None, False, partner_id, email,
                     f"{market.phone}{customer_id % 10000:04d}", street, suite, city, region,
                     postal, market.country, rng.choice(market.locales), market.currency,
                     CREATED_AT + timedelta(minutes=customer_id)))
        address = [street, suite, " ".join(p for p in (city, region, postal) if p),
                   market.country]
        bill_to = json.dumps({"name": name, "account_number": number,
                              "address": [line for line in address if line], "email": email})
        accounts.append(Account(customer_id, number, market.country, market.currency, bill_to))
    return rows, accounts


def _service_rows(rng, accounts, products, period: BillPeriod, sizes: Sizes) -> Iterator:
    """About six recurring services per account, and a porting charge for some."""
    service_id = 0
    before_start = period.start - timedelta(days=30)  # about the previous period
    for account in accounts:
        for code in rng.choices(RECURRING, k=rng.randint(*sizes.services)):
            item = products[code]
            quantity = rng.choice(QUANTITIES[item.unit])
            started, ended = _service_dates(rng, period)
            service_id += 1
            yield (service_id, account.id, item.id, quantity,
                   _price(item.price, account.currency), account.currency,
                   f"{quantity} × {item.unit}", "internet" if code == "MSG" else "private",
                   started, ended, CREATED_AT)
        if rng.random() < 0.05:
            item = products["PORT"]
            quantity = rng.randint(1, 20)
            service_id += 1
            started = before_start + timedelta(days=rng.randint(1, 28))
            yield (service_id, account.id, item.id, quantity,
                   _price(item.price, account.currency), account.currency,
                   f"{quantity} numbers ported in", "private", started, None, CREATED_AT)


def _service_dates(rng: random.Random, period: BillPeriod) -> tuple[date, date | None]:
    """Mostly running all period; a few start or end in this period or the one before."""
    draw = rng.random()
    if draw < 0.04:  # started during the previous period: trued up on this invoice
        return period.start - timedelta(days=rng.randint(1, 29)), None
    if draw < 0.06:  # starts part-way through this period: prorated
        return period.start + timedelta(days=rng.randint(1, 25)), None
    if draw < 0.08:  # ends part-way through this period: prorated
        return date(2025, rng.randint(1, 12), rng.randint(1, 28)), \
            period.start + timedelta(days=rng.randint(1, 25))
    return date(rng.choice([2024, 2025]), rng.randint(1, 12), rng.randint(1, 28)), None


def _price(list_price: Decimal, currency: str) -> Decimal:
    return (list_price * FX[currency]).quantize(Decimal("0.01"))


def _exemption_rows(rng: random.Random, accounts: list[Account]) -> list[tuple]:
    """About 2% of US accounts resell and hold a certificate exempting them from sales tax."""
    chosen = [a for a in accounts if a.country == "US" and rng.random() < 0.02]
    return [(n, a.id, "sales", f"RESALE-{a.id:06d}") for n, a in enumerate(chosen, 1)]


def _credit_note_rows(rng: random.Random, accounts: list[Account], period: BillPeriod):
    """About 1% of accounts have a goodwill credit waiting for their next invoice."""
    issued = datetime.combine(period.start - timedelta(days=10), datetime.min.time(), UTC)
    rows = []
    for account in accounts:
        if rng.random() < 0.01:
            n = len(rows) + 1
            amount = rng.choice([500, 1000, 2500, 10000])
            rows.append((n, f"CN-{account.currency}-{issued.year}-{n:06d}", account.id,
                         account.currency, amount, "goodwill", "Missed installation visit",
                         amount, issued))
    return rows


# --- the invoices of the periods before -------------------------------------------------

def _history(session, rng, accounts, services, products, period: BillPeriod,
             count: int) -> dict:
    """Issued invoices of the `count` periods before `period`, oldest first; then the
    invoice number series continue after them."""
    periods = [period]
    for _ in range(count):
        periods.insert(0, period_containing(periods[0].start - timedelta(days=1)))
    names = {item.id: (item.name, code != "PORT") for code, item in products.items()}
    by_account: dict[int, list[tuple]] = {}
    for service in services:
        by_account.setdefault(service[1], []).append(service)
    ids = {"invoice": 0, "invoice_line": 0}
    series: dict[str, int] = {}
    for number, billed in enumerate(periods[:-1]):
        status = "issued" if number == count - 1 else "paid"
        invoices, lines = [], []
        for account in accounts:
            invoice, invoice_lines = _old_invoice(rng, ids, series, account,
                                                  by_account.get(account.id, []), names,
                                                  billed, status)
            invoices.append(invoice)
            lines += invoice_lines
        copy_rows(session, "invoice", INVOICE_COLUMNS, invoices)
        copy_rows(session, "invoice_line", LINE_COLUMNS, lines)
    if series:
        session.execute(sa.insert(NumberSeries), [{"key": key, "last_value": value}
                                                  for key, value in series.items()])
    return {"invoice": ids["invoice"], "invoice_line": ids["invoice_line"]}


def _old_invoice(rng, ids: dict, series: dict, account: Account, services, names,
                 billed: BillPeriod, status: str) -> tuple[tuple, list[tuple]]:
    """One issued invoice: the recurring charges in force all period, usage, taxes."""
    ids["invoice"] += 1
    invoice_id, currency = ids["invoice"], account.currency
    lines = [_old_recurring(service, names) for service in services
             if names[service[2]][1] and service[8] <= billed.start
             and (service[9] is None or service[9] >= billed.end)]
    for call_type, rate in USAGE_RATES.items():
        minutes = Decimal(rng.randint(0, 90_000)) / 10
        lines.append(("usage", f"{call_type} calls: {minutes} min", None, call_type, None,
                      minutes, rate, line_amount(minutes, rate, currency)))
    subtotal = sum(line[-1] for line in lines)
    base = Decimal(subtotal) / 100
    lines.append(("tax", "Taxes", None, None, account.country, base, Decimal("0.1"),
                  line_amount(base, Decimal("0.1"), currency)))
    total = sum(line[-1] for line in lines)
    issued = billed.start  # billed in advance on the first day of the period
    key = series_key("INV", currency, issued.year)
    series[key] = series.get(key, 0) + 1
    issued_at = datetime.combine(issued, datetime.min.time(), PROVIDER_TZ) + timedelta(hours=9)
    row = (invoice_id, format_number(key, series[key]), account.id, billed.start, billed.end,
           issued, issued + PAYMENT_TERMS, status, currency, subtotal, total - subtotal, 0,
           total, total if status == "paid" else 0, account.bill_to, issued_at, issued_at)
    line_rows = []
    for position, (kind, label, service_id, call_type, place, quantity, price, amount) \
            in enumerate(lines, 1):
        ids["invoice_line"] += 1
        line_rows.append((ids["invoice_line"], invoice_id, position, kind, label, None,
                          service_id, call_type, place, quantity, price, amount))
    return row, line_rows


def _old_recurring(service: tuple, names: dict) -> tuple:
    """The full period's charge of a service, as draft_invoice bills it."""
    service_id, _, product_id, quantity, price, currency, description = service[:7]
    label = f"{names[product_id][0]} ({description})"
    return ("recurring", label, service_id, None, None, Decimal(quantity), price,
            line_amount(Decimal(quantity), price, currency))


def copy_rows(session: Session, table: str, columns: tuple, rows: Iterable[tuple]) -> None:
    """COPY rows into a table on the session's own connection (same transaction)."""
    raw = session.connection().connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def move_sequences(session: Session, tables: Iterable[str]) -> None:
    for table in tables:
        session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"))


# --- the usage file -----------------------------------------------------------------------

def write_usage_csv(path: str, accounts: list[Account], usage_period: BillPeriod, rows: int,
                    seed: int = SEED) -> int:
    """Rated calls inside `usage_period` (Mountain Time) in the usage import format.

    Calls are spread unevenly: some accounts make none, a few make many. Returns the size
    of the file in bytes.
    """
    rng = random.Random(seed + 1)
    pool, weights = _callers(rng, accounts)
    start, end = _bounds_utc(usage_period)
    destinations = {country: [d for d in INTERNATIONAL if d != home]
                    for country, home in HOME.items()}
    types = [call_type for call_type, _ in USAGE_MIX]
    type_weights = [share for _, share in USAGE_MIX]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(UsageKind.columns)
        for first in range(0, rows, 10_000):
            size = min(10_000, rows - first)
            callers = rng.choices(pool, cum_weights=weights, k=size)
            kinds = rng.choices(types, weights=type_weights, k=size)
            writer.writerows(_call(rng, first + i + 1, account, kind, start, end, destinations)
                             for i, (account, kind) in enumerate(zip(callers, kinds,
                                                                     strict=True)))
        return file.tell()


def _callers(rng: random.Random, accounts: list[Account]) -> tuple[list[Account], list[float]]:
    """The accounts that make calls, with cumulative weights (heavy-tailed)."""
    pool = [a for a in accounts if rng.random() >= NO_USAGE_SHARE]
    total, weights = 0.0, []
    for _ in pool:
        total += min(rng.paretovariate(1.6), 40.0)
        weights.append(total)
    return pool, weights


def _bounds_utc(period: BillPeriod) -> tuple[int, int]:
    """The period's first and after-last instants on the provider's clock, as epoch seconds."""
    start = datetime.combine(period.start, datetime.min.time(), PROVIDER_TZ)
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), PROVIDER_TZ)
    return int(start.timestamp()), int(end.timestamp())


def _call(rng, serial: int, account: Account, kind: str, start: int, end: int,
          destinations: dict) -> tuple:
    moment = datetime.fromtimestamp(rng.randrange(start, end), PROVIDER_TZ)
    if serial % 5 == 0:  # some rating systems send UTC
        moment = moment.astimezone(UTC)
    destination = ""
    if kind == "international":
        destination = rng.choice(destinations[account.country])
        rate = INTERNATIONAL[destination]
    else:
        rate = USAGE_RATES[kind]
    rate = (rate * FX[account.currency]).quantize(Decimal("0.000001"))
    minutes = rng.randint(1, 600) / 10  # billed in six-second steps, up to an hour
    return (f"CDR-{serial:010d}", account.number, kind, destination, moment.isoformat(),
            f"{minutes:.1f}", rate)

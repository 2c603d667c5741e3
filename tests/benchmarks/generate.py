"""Bulk benchmark data: one big channel partner, a few small partners, a year of invoices.

The big partner has 5,000 customers with 12 monthly invoices each (bill cycle day 26,
amounts in integer minor units, about eight lines per invoice); about half of them have
an active CPNI approval for it. Other partners (a channel, an agency with a sub-agent
and a wholesale rebiller) and some direct customers share the tables, interleaved by id
as they would be in production, so that the tenancy filter has rows to filter out.

Partners, the partner admin and the API token go through the app's own functions;
customers, approvals, invoices and lines go in through PostgreSQL COPY with ids assigned
here, and the sequences are moved past them afterwards. The same seed gives the same rows.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from billing.core.clock import BillPeriod, period_ending_in, utcnow
from billing.core.money import line_amount
from billing.parties.identity import create_api_token, create_user
from billing.parties.partners import create_partner
from billing.parties.users import User

PARTNER_CODE = "CH-BENCH"
ADMIN_EMAIL = "bench.admin@partners.example"
PASSWORD = "Velvet-Orchard-Compass-58"
CYCLE_DAY = 26
LAST_PERIOD = (2026, 10)  # the newest period ends 25 Oct 2026; it is issued on the 26th
SEED = 2026

MARKETS = [  # currency, country, locale, region, city, postal code, taxes
    ("USD", "US", "en_US", "CO", "Denver", "80202", "us"),
    ("USD", "US", "es", "TX", "Austin", "78701", "us"),
    ("CAD", "CA", "en_US", "ON", "Toronto", "M5H 2N2", "ca"),
    ("GBP", "GB", "en_GB", None, "Manchester", "M1 1AE", "eu"),
    ("EUR", "DE", "de", None, "Berlin", "10115", "eu"),
]
TAXES = {  # two tax or fee lines per invoice: (kind, description, jurisdiction, rate)
    "us": [("tax", "Federal Universal Service Charge", "US federal", Decimal("0.236236")),
           ("tax", "State sales and communications tax", "state", Decimal("0.0625"))],
    "ca": [("tax", "GST/HST", "Canada", Decimal("0.13")),
           ("fee", "Regulatory recovery fee", "Canada", Decimal("0.015"))],
    "eu": [("tax", "VAT", "national", Decimal("0.20")),
           ("fee", "Regulatory recovery fee", "national", Decimal("0.015"))],
}
RECURRING = [  # description, unit price
    ("Teams Operator Connect number", Decimal("1.50")),
    ("Voice seat", Decimal("18.00")),
    ("Contact-centre seat", Decimal("65.00")),
    ("SIP trunk channel", Decimal("12.50")),
    ("Toll-free number", Decimal("4.00")),
    ("Business messaging bundle", Decimal("25.00")),
]
USAGE = [  # call type, description, rate per minute
    ("local", "Local calls", Decimal("0.004500")),
    ("long_distance", "Long-distance calls", Decimal("0.012750")),
    ("international", "International calls", Decimal("0.085300")),
]
NAMES_A = ["Acme", "Blue Harbor", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
           "Iris", "Juniper", "Keystone", "Lakeside", "Meridian", "Northstar", "Oakridge"]
NAMES_B = ["Dental", "Logistics", "Law Group", "Realty", "Clinics", "Foods", "Engineering",
           "Hotels", "Insurance", "Schools"]

CUSTOMER_COLUMNS = (
    "id", "account_number", "name", "parent_id", "pays_own_charges", "partner_id",
    "email_of_record", "phone_of_record", "address_line1", "address_line2", "city", "region",
    "postal_code", "country", "locale", "currency", "created_at",
)
APPROVAL_COLUMNS = (
    "id", "customer_id", "partner_id", "scope", "method", "approved_by_id", "approved_by_name",
    "approved_at", "expires_at", "revoked_at", "revoked_by_id",
)
INVOICE_COLUMNS = (
    "id", "number", "customer_id", "period_start", "period_end", "issue_date", "due_date",
    "status", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
    "paid_minor", "bill_to", "created_at", "issued_at",
)
LINE_COLUMNS = (
    "id", "invoice_id", "position", "kind", "description", "sub_account_id", "service_id",
    "call_type", "jurisdiction", "quantity", "unit_price", "amount_minor",
)


@dataclass(frozen=True)
class Sizes:
    """How much to generate; the defaults are the benchmark's target size."""

    customers: int = 5_000  # of the benchmarked partner
    periods: int = 12  # invoices per customer, one per monthly period
    other_customers: int = 500  # per other partner
    direct_customers: int = 100  # served by no partner
    approval_share: float = 0.5  # of the big partner's customers, with an active approval


@dataclass
class BenchWorld:
    """What the benchmark needs to log in and call the API, plus row counts."""

    partner_id: int
    admin_email: str
    password: str
    api_token: str
    counts: dict = field(default_factory=dict)


@dataclass
class _Ids:
    """Next free id per table; COPY rows carry explicit ids so lines can name invoices."""

    next: dict = field(default_factory=dict)

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table]


def generate(
    session: Session, sizes: Sizes = Sizes(), progress: Callable[[str], None] = print
) -> BenchWorld:
    """Fill an empty, migrated database; commits. Returns the logins and row counts."""
    rng = random.Random(SEED)
    ids = _Ids({t: _max_id(session, t) for t in ("customer", "cpni_approval", "invoice",
                                                 "invoice_line")})
    partners = _partners(session)
    progress(f"partners: {len(partners)}")
    customers = _customer_rows(rng, ids, partners, sizes)
    _copy(session, "customer", CUSTOMER_COLUMNS, (c["row"] for c in customers))
    progress(f"customers: {len(customers):,}")
    approvals = _approval_rows(rng, ids, customers, partners[PARTNER_CODE], sizes)
    _copy(session, "cpni_approval", APPROVAL_COLUMNS, approvals)
    progress(f"CPNI approvals: {len(approvals):,}")
    counts = _invoices(session, rng, ids, customers, sizes.periods, progress)
    world = _logins(session, partners[PARTNER_CODE])
    _move_sequences(session)
    session.commit()
    world.counts = {"partner": len(partners), "customer": len(customers),
                    "cpni_approval": len(approvals), **counts}
    return world


def find_world(session: Session) -> BenchWorld:
    """The logins of an already generated database, with a fresh API token."""
    admin = session.scalars(sa.select(User).where(User.email == ADMIN_EMAIL)).one()
    _, secret = create_api_token(session, user=admin, name="benchmark (reuse)", now=utcnow())
    session.commit()
    counts = {t: session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
              for t in ("partner", "customer", "cpni_approval", "invoice", "invoice_line")}
    return BenchWorld(admin.partner_id, ADMIN_EMAIL, PASSWORD, secret, counts)


def analyze(engine: sa.Engine) -> None:
    """VACUUM ANALYZE, so the planner has statistics as it would in production."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def _max_id(session: Session, table: str) -> int:
    return session.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))


def _partners(session: Session) -> dict:
    made = {
        PARTNER_CODE: create_partner(session, code=PARTNER_CODE, name="Benchmark Channel Group",
                                     kind="channel"),
        "CH-OTHER": create_partner(session, code="CH-OTHER", name="Other Channel Partners",
                                   kind="channel"),
        "AG-OTHER": create_partner(session, code="AG-OTHER", name="Other Master Agency",
                                   kind="agency"),
        "WS-OTHER": create_partner(session, code="WS-OTHER", name="Other Rebiller Ltd",
                                   kind="wholesale", brand_name="Other Voice",
                                   brand_color="#0b7a75"),
    }
    made["AG-OTHER-A"] = create_partner(session, code="AG-OTHER-A", name="Other Sub-agent",
                                        kind="agency", parent=made["AG-OTHER"])
    return made


def _owners(rng: random.Random, partners: dict, sizes: Sizes) -> list:
    """The serving partner id of every customer, shuffled so the tenants interleave."""
    owners = [partners[PARTNER_CODE].id] * sizes.customers
    for code, partner in partners.items():
        if code != PARTNER_CODE:
            owners += [partner.id] * sizes.other_customers
    owners += [None] * sizes.direct_customers
    rng.shuffle(owners)
    return owners


def _customer_rows(rng: random.Random, ids: _Ids, partners: dict, sizes: Sizes) -> list[dict]:
    """Customers as COPY rows, each with what its invoices need (market, bill-to, plan)."""
    created = datetime(2024, 1, 15, 17, tzinfo=UTC)
    customers = []
    for index, partner_id in enumerate(_owners(rng, partners, sizes)):
        customer_id = ids.take("customer")
        market = MARKETS[index % len(MARKETS)]
        currency, country, locale, region, city, postal, _ = market
        name = f"{rng.choice(NAMES_A)} {rng.choice(NAMES_B)} {customer_id}"
        number = f"AC-{200000 + customer_id}"
        street = f"{rng.randint(10, 2400)} {rng.choice(['Main', 'Market', 'King'])} Street"
        row = (customer_id, number, name, None, False, partner_id,
               f"billing{customer_id}@customer.example", f"+1-303-555-{customer_id % 10000:04d}",
               street, None, city, region, postal, country, locale, currency,
               created + timedelta(minutes=index))
        address = [street, " ".join(p for p in (city, region, postal) if p), country]
        bill_to = json.dumps({"name": name, "address": address, "account_number": number})
        plan = [(desc, price, Decimal(rng.choice([1, 2, 5, 10, 20, 25, 40])))
                for desc, price in rng.sample(RECURRING, 3)]
        customers.append({"id": customer_id, "partner_id": partner_id, "row": row,
                          "market": market, "bill_to": bill_to, "plan": plan})
    return customers


def _approval_rows(rng, ids: _Ids, customers: list[dict], partner, sizes: Sizes) -> list[tuple]:
    """An active approval for about half of each partner's customers, a few revoked ones."""
    approved_at = datetime(2025, 9, 1, 15, tzinfo=UTC)
    rows = []
    for customer in customers:
        if customer["partner_id"] is None:
            continue
        draw = rng.random()
        share = sizes.approval_share if customer["partner_id"] == partner.id else 0.5
        revoked = None
        if draw >= share:
            if draw > 0.95:  # approved once, then revoked
                revoked = approved_at + timedelta(days=90)
            else:
                continue
        rows.append((ids.take("cpni_approval"), customer["id"], customer["partner_id"],
                     "billing_usage", "online", None, "Customer administrator", approved_at,
                     None, revoked, None))
    return rows


def _periods(count: int) -> list[BillPeriod]:
    """The last `count` monthly periods up to LAST_PERIOD, oldest first."""
    year, month = LAST_PERIOD
    index = year * 12 + month - 1
    return [period_ending_in(i // 12, i % 12 + 1, CYCLE_DAY)
            for i in range(index - count + 1, index + 1)]


def _invoices(session, rng, ids: _Ids, customers, periods: int, progress) -> dict:
    """Every customer's invoice for every period, period by period like a bill run."""
    counters: dict = {}
    totals = {"invoice": 0, "invoice_line": 0}
    started = time.perf_counter()
    for number, period in enumerate(_periods(periods)):
        status = _status(number, periods)
        invoices, lines = [], []
        for customer in customers:
            invoice, invoice_lines = _invoice(rng, ids, customer, period, status, counters)
            invoices.append(invoice)
            lines.extend(invoice_lines)
        _copy(session, "invoice", INVOICE_COLUMNS, invoices)
        _copy(session, "invoice_line", LINE_COLUMNS, lines)
        totals["invoice"] += len(invoices)
        totals["invoice_line"] += len(lines)
        progress(f"invoices: period {period.key} ({number + 1}/{periods}): "
                 f"{totals['invoice']:,} invoices, {totals['invoice_line']:,} lines, "
                 f"{time.perf_counter() - started:.1f} s")
    return totals


def _status(number: int, periods: int) -> str:
    """Older invoices are paid, one is part-paid, the two newest are still open."""
    if number >= periods - 2:
        return "issued"
    return "partially_paid" if number == periods - 3 else "paid"


def _invoice(rng, ids: _Ids, customer: dict, period: BillPeriod, status: str, counters: dict):
    invoice_id = ids.take("invoice")
    currency = customer["market"][0]
    lines = _lines(rng, customer, currency)
    subtotal = sum(c.amount_minor for c in lines if c.kind not in ("tax", "fee", "credit"))
    tax = sum(c.amount_minor for c in lines if c.kind in ("tax", "fee"))
    credit = -sum(c.amount_minor for c in lines if c.kind == "credit")
    total = subtotal + tax - credit
    paid = {"paid": total, "partially_paid": total // 2}.get(status, 0)
    issued = period.end + timedelta(days=1)
    issued_at = datetime(issued.year, issued.month, issued.day, 9, tzinfo=UTC)
    series = (currency, issued.year)
    counters[series] = counters.get(series, 0) + 1
    row = (invoice_id, f"{currency}-{issued.year}-{counters[series]:06d}", customer["id"],
           period.start, period.end, issued, issued + timedelta(days=30), status, currency,
           subtotal, tax, credit, total, paid, customer["bill_to"], issued_at, issued_at)
    line_rows = [(ids.take("invoice_line"), invoice_id, position, c.kind, c.description, None,
                  None, c.call_type, c.jurisdiction, c.quantity, c.unit_price, c.amount_minor)
                 for position, c in enumerate(lines, 1)]
    return row, line_rows


class Charge(NamedTuple):
    kind: str
    description: str
    call_type: str | None
    jurisdiction: str | None
    quantity: Decimal
    unit_price: Decimal
    amount_minor: int


def _lines(rng, customer: dict, currency: str) -> list[Charge]:
    """Three recurring charges, three usage summaries, two taxes or fees; now and then
    a porting charge or a goodwill credit: about eight lines."""
    charges = [_charge("recurring", f"{desc} ({int(qty)})", qty, price, currency)
               for desc, price, qty in customer["plan"]]
    for call_type, desc, rate in USAGE:
        minutes = Decimal(rng.randint(200, 9000))
        charges.append(_charge("usage", f"{desc}: {minutes} min", minutes, rate, currency,
                               call_type=call_type))
    if rng.random() < 0.05:
        charges.append(_charge("one_time", "Number porting", Decimal(rng.randint(1, 5)),
                               Decimal("15.00"), currency))
    taxable = Decimal(sum(c.amount_minor for c in charges)) / 100
    for kind, desc, place, rate in TAXES[customer["market"][6]]:
        charges.append(_charge(kind, desc, taxable, rate, currency, jurisdiction=place))
    if rng.random() < 0.04:
        charges.append(_charge("credit", "Goodwill credit", Decimal(1), Decimal("-10.00"),
                               currency))
    return charges


def _charge(kind, description, quantity, rate, currency, *, call_type=None, jurisdiction=None):
    return Charge(kind, description, call_type, jurisdiction, quantity, rate,
                  line_amount(quantity, rate, currency))


def _logins(session: Session, partner) -> BenchWorld:
    admin = create_user(session, email=ADMIN_EMAIL, name="Bench Admin", role="partner_admin",
                        password=PASSWORD, partner=partner)
    _, secret = create_api_token(session, user=admin, name="benchmark", now=utcnow())
    return BenchWorld(partner.id, ADMIN_EMAIL, PASSWORD, secret)


def _copy(session: Session, table: str, columns: tuple, rows: Iterable[tuple]) -> None:
    """COPY rows into a table on the session's own connection (same transaction)."""
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") \
            as copy:
        for row in rows:
            copy.write_row(row)


def _move_sequences(session: Session) -> None:
    for table in ("customer", "cpni_approval", "invoice", "invoice_line"):
        session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        ))

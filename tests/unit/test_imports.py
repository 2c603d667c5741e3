"""CSV imports: the documented examples load, bad files save nothing and say why."""

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.catalog.models import PriceBook, PriceBookEntry, Product, Service
from billing.core.errors import InvalidInput
from billing.imports import KINDS, run_import
from billing.invoicing.tax_models import TaxRate
from billing.invoicing.usage_models import UsageRecord
from billing.parties.models import Customer, Partner

EXAMPLES = Path(__file__).resolve().parents[2] / "billing" / "imports" / "examples"
ORDER = ["partners", "customers", "products", "price_books", "services", "tax_rates", "usage"]


@pytest.fixture
def catalog(session):
    for code, unit in [("VOICE-SEAT", "seat"), ("TOC-NUM", "number"), ("SIP-CH", "channel")]:
        session.add(Product(code=code, name=code.title(), kind="recurring", unit=unit))
    session.flush()


def load(session, kind, data):
    payload = data if isinstance(data, bytes) else data.encode()
    return run_import(session, KINDS[kind], lambda: io.BytesIO(payload))


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_the_example_files_import_and_reimport_without_duplicates(session):
    for kind in ORDER:
        report = load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
        assert report.saved, report.errors
        assert report.created == report.rows
    session.commit()
    models = (Partner, Customer, Product, PriceBook, PriceBookEntry, Service, TaxRate,
              UsageRecord)
    counts = [count(session, m) for m in models]
    assert counts == [4, 5, 4, 3, 9, 4, 4, 3]
    for kind in ORDER:
        report = load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
        assert (report.created, report.updated) == (0, report.rows)
    assert [count(session, m) for m in models] == counts
    sub = session.scalars(select(Customer).filter_by(account_number="AC-200002")).one()
    assert sub.parent.account_number == "AC-200001"
    thistle = session.scalars(select(Customer).filter_by(account_number="AC-200003")).one()
    assert thistle.vat_number == "GB123456789"
    assert session.scalars(select(Partner).filter_by(code="AG-10-A")).one().tree_path \
        .startswith(session.scalars(select(Partner).filter_by(code="AG-10")).one().tree_path)


def test_a_reimport_updates_by_natural_key(session, catalog):
    header = (EXAMPLES / "usage.csv").read_text().splitlines()[0]
    for kind in ORDER[:2]:
        load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    load(session, "usage", f"{header}\nR1,AC-200001,local,,2026-10-27T09:00:00Z,1,0.01\n")
    load(session, "usage", f"{header}\nR1,AC-200001,local,,2026-10-27T09:00:00Z,9,0.01\n")
    assert session.scalars(select(UsageRecord.minutes)).all() == [9]


BAD_USAGE = """source_ref,account_number,call_type,destination,started_at,minutes,rate
U1,AC-200001,long_distance,,2026-10-27T09:14:00-06:00,12.5,0.012750
U2,AC-999999,local,,2026-10-27T09:14:00-06:00,1,0.01
U3,AC-200001,fax,,2026-10-27T09:14:00-06:00,1,0.01
U4,AC-200001,local,,yesterday,1,0.01
U5,AC-200001,local,,2026-10-27T09:14:00,1,0.01
U6,AC-200001,local,,2026-10-27T09:14:00Z,-1,0.01
U7,AC-200001,local,,2026-10-27T09:14:00Z,1,0.0000001
U1,AC-200001,local,,2026-10-27T09:14:00Z,1,0.01
U9,AC-200001,local
"""


def test_bad_rows_save_nothing_and_each_problem_is_named(session, catalog):
    for kind in ORDER[:2]:
        load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    report = load(session, "usage", BAD_USAGE)
    assert not report.saved and count(session, UsageRecord) == 0
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "account_number"), (4, "call_type"), (5, "started_at"), (6, "started_at"),
        (7, "minutes"), (8, "rate"), (9, "source_ref"), (10, "")]
    assert "no account 'AC-999999'" in report.errors[0].message
    assert "appears twice" in report.errors[6].message


def test_wrong_currency_and_bad_dates_in_services(session, catalog):
    for kind in ORDER[:2]:
        load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    header = (EXAMPLES / "services.csv").read_text().splitlines()[0]
    report = load(session, "services", header + "\n"
                  "AC-200001,VOICE-SEAT,1,18.00,EUR,,private,2026-10-01,\n"
                  "AC-200001,VOICE-SEAT,1,18.00,USD,,private,2026-31-01,\n"
                  "AC-200001,NOPE,1,18.00,USD,,private,2026-10-01,\n"
                  "AC-200001,VOICE-SEAT,1,18.00,USD,,private,2026-10-05,2026-10-01\n")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "currency"), (3, "started_on"), (4, "product_code"), (5, "ended_on")]
    assert count(session, Service) == 0


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"code,name\nX,Y\n", "header must be exactly"),
    ("code,name,kind,parent_code,brand_name,brand_color\nCH,Caf\xe9,channel,,,\n"
     .encode("latin-1"), "not UTF-8"),
])
def test_unreadable_files_are_refused_whole(session, data, message):
    with pytest.raises(InvalidInput, match=message):
        load(session, "partners", data)


def test_a_header_only_file_is_reported(session):
    report = load(session, "partners", "code,name,kind,parent_code,brand_name,brand_color\n")
    assert not report.saved and "no rows" in report.errors[0].message


def test_partner_kind_cannot_change_by_import(session):
    header = "code,name,kind,parent_code,brand_name,brand_color"
    load(session, "partners", f"{header}\nP1,One,channel,,,\n")
    report = load(session, "partners", f"{header}\nP1,One,wholesale,,,\n")
    assert [e.column for e in report.errors] == ["kind"]


PRICES_HEADER = ("book_code,book_name,kind,partner_code,currency,base_book_code,usage_markup,"
                 "product_code,unit_price,effective_from\n")
BAD_PRICES = PRICES_HEADER + """\
L,List,list,WS-10,USD,,,VOICE-SEAT,18.00,2026-01-01
R,Retail,retail,CH-10,USD,,,VOICE-SEAT,21.00,2026-01-01
W,Wholesale,wholesale,WS-10,USD,NOPE,,VOICE-SEAT,12.60,2026-01-01
X,Retail,retail,WS-10,USD,,0.25,VOICE-SEAT,21.00,2026-01-01
X,Retail renamed,retail,WS-10,USD,,0.25,TOC-NUM,2.00,2026-01-01
Y,Retail,retail,WS-10,USD,Y,,VOICE-SEAT,1,2026-01-01
Z,Retail,retail,WS-10,USD,,,FAX-LINE,1,2026-01-01
V,Retail,retail,WS-10,USD,,,VOICE-SEAT,-1,2026-01-01
V,Retail,retail,WS-10,USD,,,TOC-NUM,1,2026-02-30
"""


def test_bad_price_book_rows_save_nothing_and_each_problem_is_named(session, catalog):
    load(session, "partners", (EXAMPLES / "partners.csv").read_bytes())
    report = load(session, "price_books", BAD_PRICES)
    assert not report.saved and count(session, PriceBook) == 0
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "partner_code"), (3, "partner_code"), (4, "base_book_code"), (6, "book_code"),
        (7, "base_book_code"), (8, "product_code"), (9, "unit_price"), (10, "effective_from")]
    assert "not a wholesale partner" in report.errors[1].message
    assert "described differently" in report.errors[3].message
    assert "cannot fall back to itself" in report.errors[4].message


def test_a_wholesale_account_needs_a_wholesale_partner(session, catalog):
    load(session, "partners", (EXAMPLES / "partners.csv").read_bytes())
    header = (EXAMPLES / "customers.csv").read_text().splitlines()[0].removesuffix(",vat_number")
    row = "Someone,,no,{partner},a@b.example,1,1 Main St,,Denver,CO,80202,US,en_US,USD,{role}"
    report = load(session, "customers", "\n".join([
        header, "WS-1," + row.format(partner="CH-10", role="wholesale"),
        "WS-2," + row.format(partner="WS-10", role="wholesale"),
        "WS-3," + row.format(partner="WS-10", role="wholesale"),
        "AC-1," + row.format(partner="", role="reseller")]) + "\n")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "billing_role"), (4, "currency"), (5, "billing_role")]
    assert count(session, Customer) == 0


def test_vat_numbers_are_checked_and_an_import_without_the_column_keeps_them(session,
                                                                             catalog):
    load(session, "partners", (EXAMPLES / "partners.csv").read_bytes())
    header = (EXAMPLES / "customers.csv").read_text().splitlines()[0]
    row = "AC-1,Someone,,no,,a@b.example,1,1 Main St,,Berlin,,10115,DE,de,EUR,,{vat}"
    report = load(session, "customers", f"{header}\n{row.format(vat='DE12345')}\n")
    assert [(e.row, e.column) for e in report.errors] == [(2, "vat_number")]
    assert "not written as a DE VAT number" in report.errors[0].message
    assert count(session, Customer) == 0
    assert load(session, "customers", f"{header}\n{row.format(vat='de 123 456 789')}\n").saved
    account = session.scalars(select(Customer).filter_by(account_number="AC-1")).one()
    assert account.vat_number == "DE123456789"
    without = header.removesuffix(",vat_number")
    report = load(session, "customers", f"{without}\n{row.format(vat='').removesuffix(',')}\n")
    assert report.saved and account.vat_number == "DE123456789"
    assert load(session, "customers", f"{header}\n{row.format(vat='')}\n").saved
    assert account.vat_number is None


def test_usage_is_stored_as_written_on_either_database(session, catalog):
    for kind in ORDER[:2]:
        load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    header = (EXAMPLES / "usage.csv").read_text().splitlines()[0]
    report = load(session, "usage", f"{header}\n"
                  'T1,AC-200001,international,"Côte d\'Ivoire, mobile \\ 2",'
                  "2026-10-27T09:14:00-06:00,12.500001,0.085300\n"
                  "T2,AC-200003,local,,2026-10-28T08:45:00+00:00,41,0.0045\n")
    assert (report.created, report.updated) == (2, 0)
    stored = session.execute(select(
        UsageRecord.source_ref, UsageRecord.destination, UsageRecord.started_at,
        UsageRecord.minutes, UsageRecord.rate).order_by(UsageRecord.source_ref)).all()
    assert [tuple(row) for row in stored] == [
        ("T1", "Côte d'Ivoire, mobile \\ 2", datetime(2026, 10, 27, 15, 14, tzinfo=UTC),
         Decimal("12.500001"), Decimal("0.0853")),
        ("T2", "", datetime(2026, 10, 28, 8, 45, tzinfo=UTC), Decimal(41),
         Decimal("0.0045"))]


def test_a_large_usage_file_is_saved_and_reimported_by_source_ref(session, catalog):
    for kind in ORDER[:2]:
        load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    header = (EXAMPLES / "usage.csv").read_text().splitlines()[0]

    def calls(refs, minutes):
        return header + "\n" + "".join(f"C{n},AC-200001,local,,2026-10-27T09:00:00Z,"
                                       f"{minutes},0.01\n" for n in refs)

    first = load(session, "usage", calls(range(12_001), 1))  # several batches
    again = load(session, "usage", calls(range(6_000, 18_000), 2))
    assert (first.created, first.updated) == (12_001, 0)
    assert (again.created, again.updated) == (5_999, 6_001)
    minutes = dict(session.execute(select(UsageRecord.minutes, func.count())
                                   .group_by(UsageRecord.minutes)).all())
    assert minutes == {Decimal(1): 6_000, Decimal(2): 12_000}


@pytest.mark.parametrize("value, message", [
    ("1e30", "is not a number"), ("1_000", "is not a number"), ("١٢", "is not a number"),
    ("12,50", "is not a number"), ("1000000000000", "is too large"),
    ("0.1234567", "more than 6 decimal places"), ("-1", "is below 0")])
def test_numbers_are_plain_decimals_that_fit_their_columns(value, message):
    """Else a value the database cannot hold would fail the whole import as a database
    error instead of naming its row."""
    from billing.imports import fields
    from billing.imports.core import RowInvalid

    with pytest.raises(RowInvalid, match=message):
        fields.number({"rate": value}, "rate")
    assert fields.number({"rate": "999999999999.999999"}, "rate") == Decimal(
        "999999999999.999999")


def test_every_registered_kind_is_documented_with_an_example_of_its_columns():
    formats = (EXAMPLES.parent / "formats.md").read_text()
    documented = {line.split()[1] for line in formats.splitlines() if line.startswith("## ")}
    examples = {path.stem for path in EXAMPLES.glob("*.csv")}
    assert set(KINDS) == documented == examples
    for name, kind in KINDS.items():
        header = (EXAMPLES / f"{name}.csv").read_text().splitlines()[0]
        assert tuple(header.split(",")) == kind.columns + getattr(kind, "optional_columns",
                                                                  ()), name

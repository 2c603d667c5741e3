"""CSV imports: the documented examples load, bad files save nothing and say why."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.errors import InvalidInput
from billing.imports import KINDS, run_import
from billing.models import Customer, Partner, Product, Service, TaxRate, UsageRecord

EXAMPLES = Path(__file__).resolve().parents[2] / "billing" / "imports" / "examples"
ORDER = ["partners", "customers", "services", "tax_rates", "usage"]


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


def test_the_example_files_import_and_reimport_without_duplicates(session, catalog):
    for kind in ORDER:
        report = load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
        assert report.saved, report.errors
        assert report.created == report.rows
    session.commit()
    counts = [count(session, m) for m in (Partner, Customer, Service, TaxRate, UsageRecord)]
    assert counts == [4, 3, 3, 4, 3]
    for kind in ORDER:
        report = load(session, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
        assert (report.created, report.updated) == (0, report.rows)
    assert [count(session, m) for m in (Partner, Customer, Service, TaxRate,
                                          UsageRecord)] == counts
    sub = session.scalars(select(Customer).filter_by(account_number="AC-200002")).one()
    assert sub.parent.account_number == "AC-200001"
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

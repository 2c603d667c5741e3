"""The one-pass usage import answers exactly as the row-by-row import it replaced.

`RowByRowUsage` is that import: every row parsed and checked in Python (the account
looked up in a dict of all accounts, a source_ref remembered in a set), then the file
read again and upserted. Generated files with every kind of fault, in random mixes, go
through both, and the reports and the stored rows must be the same.
"""

import io
import random
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.imports import KINDS, run_import, usage_staging
from billing.imports import fields as f
from billing.imports.core import MAX_ERRORS
from billing.imports.lookups import account_lookup, refuse_duplicate
from billing.imports.upserts import upsert
from billing.invoicing.usage_models import CALL_TYPES, UsageRecord
from billing.parties.models import Customer

HEADER = "source_ref,account_number,call_type,destination,started_at,minutes,rate\n"
ACCOUNTS = ("AC-1", "AC-2", "AC-3")


class RowByRowUsage:
    """The usage kind as it was: check pass, then save pass, both in Python."""

    name = "usage"
    columns = tuple(HEADER.strip().split(","))

    def context(self, session):
        return {"accounts": account_lookup(session)}

    def parse(self, context, row):
        customer_id, _ = f.reference(context["accounts"], row, "account_number", "account")
        return {"source_ref": f.text(row, "source_ref", max_length=64),
                "customer_id": customer_id,
                "call_type": f.choice(row, "call_type", CALL_TYPES),
                "destination": f.text(row, "destination", required=False, max_length=64),
                "started_at": f.instant(row, "started_at"),
                "minutes": f.number(row, "minutes"), "rate": f.number(row, "rate")}

    def check(self, context, values):
        refuse_duplicate(context, values["source_ref"], "source_ref")

    def save(self, session, rows):
        return upsert(session, UsageRecord, ("source_ref",), rows)


@pytest.fixture
def accounts(session):
    for number in ACCOUNTS:
        session.add(Customer(account_number=number, name=f"Account {number}",
                             email_of_record=f"{number.lower()}@example.com",
                             phone_of_record="+1-303-555-0100", address_line1="1 Main St",
                             city="Denver", region="CO", postal_code="80202", country="US",
                             locale="en_US", currency="USD"))
    session.flush()
    good = "".join(f"OLD-{n},AC-1,local,,2026-10-27T09:00:00Z,1,0.01\n" for n in range(5))
    assert run_import(session, KINDS["usage"], lambda: io.BytesIO((HEADER + good).encode())
                      ).saved
    session.commit()


def _cell_faults(rng: random.Random, cells: list[str]) -> None:
    """Spoil one or two cells of a row, or none, in any column."""
    spoilers = [
        (0, ""), (0, "R" * 65), (1, "AC-404"), (1, ""), (1, "ac-1"), (2, "fax"),
        (3, "D" * 65), (4, "yesterday"), (4, "2026-10-27T09:14:00"), (4, ""),
        (5, "-1"), (5, "1e3"), (5, "0.1234567"), (6, "x"), (6, "1000000000000"),
        (5, "-0"), (6, "00000000000001.25"), (5, "7."), (6, " 1.5"),
    ]
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        column, value = rng.choice(spoilers)
        cells[column] = value


PLACES = ("", "Mexico", '"Côte d\'Ivoire, mobile"', '"tab\there"', '"two\nlines"',
          '"back\\slash \\N"', '"cr\rlf"')


def random_file(rng: random.Random, rows: int) -> str:
    """Good calls with faults of every kind mixed in: bad cells, unknown accounts, wrong
    widths, blank lines, repeated source_refs (also of spoiled rows) and refs already
    stored."""
    lines, refs = [], []
    for n in range(rows):
        chance = rng.random()
        if chance < 0.04:
            lines.append("" if rng.random() < 0.5 else ",,,,,,")
            continue
        if chance < 0.08:
            lines.append(",".join(["W"] * rng.choice((1, 6, 8))))
            continue
        ref = rng.choice(refs) if refs and chance < 0.2 else (
            f"OLD-{rng.randrange(5)}" if chance < 0.25 else f"C-{n}")
        refs.append(ref)
        cells = [ref, rng.choice(ACCOUNTS), rng.choice(CALL_TYPES),
                 rng.choice(PLACES),
                 rng.choice(("2026-10-27T09:14:00-06:00", "2026-11-02T23:59:59+00:00")),
                 str(Decimal(rng.randrange(0, 6000)) / 10), f"0.{rng.randrange(10**6):06d}"]
        _cell_faults(rng, cells)
        lines.append(",".join(cells))
    return HEADER + "\n".join(lines) + "\n"


def imported(session, kind, data: str):
    """The report's answer and what usage_record then holds; rolled back after."""
    report = run_import(session, kind, lambda: io.BytesIO(data.encode()))
    stored = session.execute(select(
        UsageRecord.source_ref, UsageRecord.customer_id, UsageRecord.call_type,
        UsageRecord.destination, UsageRecord.started_at, UsageRecord.minutes,
        UsageRecord.rate).order_by(UsageRecord.source_ref)).all()
    session.rollback()
    answer = (report.rows, report.created, report.updated, report.saved,
              [(e.row, e.column, e.message) for e in report.errors], report.more_errors)
    return answer, [tuple(row) for row in stored]


@pytest.mark.parametrize("seed", range(12))
def test_random_files_get_the_same_report_and_rows_as_row_by_row(session, accounts, seed):
    rng = random.Random(seed)
    data = random_file(rng, rng.choice((3, 20, 80)))
    assert imported(session, KINDS["usage"], data) == imported(session, RowByRowUsage(), data)


def test_a_clean_random_file_saves_the_same_rows_as_row_by_row(session, accounts):
    rng = random.Random(99)
    calls = [f"C-{n},{rng.choice(ACCOUNTS)},{rng.choice(CALL_TYPES)},{rng.choice(PLACES)},"
             f"2026-10-27T09:14:{n % 60:02d}-06:00,{rng.randrange(600)}.5,0.0{n % 9}"
             for n in range(300)] + ["OLD-3,AC-2,local,,2026-10-28T10:00:00Z,7,0.02"]
    data = HEADER + "\n".join(calls) + "\n"
    ours, theirs = imported(session, KINDS["usage"], data), imported(session, RowByRowUsage(),
                                                                     data)
    assert ours == theirs
    assert ours[0][:4] == (301, 300, 1, True)
    assert {row[3] for row in ours[1]} == {"", "Mexico", "Côte d'Ivoire, mobile", "tab\there",
                                          "two\nlines", "back\\slash \\N", "cr\rlf"}


def test_past_the_limit_the_report_counts_the_other_problems(session, accounts):
    bad = "".join(f"X-{n},AC-{404 if n % 3 else 1},local,,nope,1,0.01\n"
                  for n in range(MAX_ERRORS + 40))
    data = HEADER + bad + "X-1,AC-1,local,,2026-10-27T09:14:00Z,1,0.01\n"
    ours = imported(session, KINDS["usage"], data)
    assert ours == imported(session, RowByRowUsage(), data)
    (rows, _, _, saved, errors, more), stored = ours
    assert (rows, saved, len(errors), more) == (MAX_ERRORS + 41, False, MAX_ERRORS, 40)
    assert errors[:2] == [(2, "started_at", errors[0][2]),
                          (3, "account_number", "no account 'AC-404'")]
    assert len(stored) == 5  # only what was there before


def test_a_source_ref_repeated_after_a_spoiled_first_row_is_not_a_repeat(session, accounts):
    data = HEADER + ("R1,AC-404,local,,2026-10-27T09:14:00Z,1,0.01\n"
                     "R1,AC-1,local,,2026-10-27T09:14:00Z,1,0.01\n"
                     "R1,AC-2,local,,2026-10-27T09:14:00Z,1,0.01\n")
    answer, _ = imported(session, KINDS["usage"], data)
    assert answer[4] == [(2, "account_number", "no account 'AC-404'"),
                         (4, "source_ref", "appears twice in this file")]


def test_a_call_of_an_unknown_account_in_a_file_of_new_calls_saves_nothing(session, accounts):
    data = HEADER + "".join(f"N-{n},AC-{1 if n != 7 else 9},local,,2026-10-27T09:14:00Z,1,0.01\n"
                            for n in range(10))
    (_, _, _, saved, errors, _), stored = imported(session, KINDS["usage"], data)
    assert not saved and errors == [(9, "account_number", "no account 'AC-9'")]
    assert len(stored) == 5


def test_a_stored_source_ref_twice_in_a_file_is_refused_not_updated_twice(session, accounts):
    data = HEADER + ("OLD-1,AC-2,local,,2026-10-27T09:14:00Z,2,0.01\n"
                     "OLD-1,AC-3,local,,2026-10-27T09:14:00Z,3,0.01\n")
    (_, _, _, saved, errors, _), stored = imported(session, KINDS["usage"], data)
    assert not saved and errors == [(3, "source_ref", "appears twice in this file")]
    assert {row[5] for row in stored} == {Decimal(1)}


def test_a_source_ref_stored_after_it_was_counted_is_updated(session, accounts, monkeypatch):
    """Another import may store a call between the count and the INSERT: the plain INSERT
    then fails on the unique source_ref, and the rows are upserted instead."""
    monkeypatch.setattr(usage_staging, "EXISTING", "SELECT 0")
    data = HEADER + ("OLD-1,AC-2,local,,2026-10-27T09:14:00Z,2,0.01\n"
                     "NEW-1,AC-3,local,,2026-10-27T09:14:00Z,3,0.01\n")
    (_, _, _, saved, errors, _), stored = imported(session, KINDS["usage"], data)
    assert saved and not errors
    assert {row[0]: row[5] for row in stored if row[0] in ("OLD-1", "NEW-1")} == {
        "OLD-1": Decimal(2), "NEW-1": Decimal(3)}


def test_a_file_found_unreadable_half_way_leaves_the_transaction_usable(session, accounts):
    """The NUL on line 3 stops the COPY of the staging rows; the caller can still read."""
    data = HEADER + ("U-1,AC-1,local,,2026-10-27T09:14:00Z,1,0.01\n"
                     "U-2,AC-1,lo\x00cal,,2026-10-27T09:14:00Z,1,0.01\n")
    with pytest.raises(InvalidInput, match="Line 3: a cell holds a NUL character"):
        run_import(session, KINDS["usage"], lambda: io.BytesIO(data.encode()))
    assert session.scalar(select(func.count()).select_from(UsageRecord)) == 5
    session.rollback()

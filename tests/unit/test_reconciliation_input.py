"""A malformed reconciliation input is refused whole, each problem with its line, and
nothing is kept; the run record finds the same inputs again and restarts a failed run."""

import io

import pytest
from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_input import check, report_lines
from billing.reconciliation.payment_models import ReconciliationItem
from billing.reconciliation.runs import fail_run, start_run
from tests.reconciliation_report import RECONCILIATION, reconcile_bytes
from tests.stripe_report import NOW


def broken(old, new, count=1) -> bytes:
    return RECONCILIATION.read_text().replace(old, new, count).encode()


@pytest.mark.parametrize("data, problems", [
    (broken("100.00,3.20,96.80", "ten,3.20,96.80"),
     [(2, "gross", "'ten' is not an amount (write it like -1250.50)")]),
    (broken("50.00,1.75,48.25", "50.00,1.75,48.20"), [(3, "net", "is not gross less fee")]),
    (broken("100.00,3.20,96.80", "21474836.48,3.20,21474833.28"),
     [(2, "gross", "'21474836.48' is larger than any amount the portal records")]),
    (broken("2026-03-04 14:00:09", "2026-02-30 14:00:09"),
     [(6, "created_utc", "'2026-02-30 14:00:09' is not a time (YYYY-MM-DD HH:MM:SS, UTC)")]),
    (broken("txn_RecFeeApr02", "txn_RecFeeApr01"),
     [(21, "balance_transaction_id", "appears twice in the input (first on line 20)")]),
    (broken(",usd,100.00,3.20", ",xyz,100.00,3.20", 2),
     [(2, "currency", "'xyz' is not a supported currency (usd, cad, gbp, eur)"),
      (5, "currency", "'xyz' is not a supported currency (usd, cad, gbp, eur)")]),
])
def test_a_bad_row_is_named_and_nothing_is_kept(session, data, problems):
    run, staged = reconcile_bytes(session, data)
    assert [(e.row, e.column, e.message) for e in staged.errors] == problems
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReconciliationItem)) == 0
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0


def test_a_missing_column_refuses_the_file_before_any_row():
    data = RECONCILIATION.read_text().replace("reporting_category", "category", 1).encode()
    with pytest.raises(InvalidInput, match="lacks the column.s. reporting_category"):
        check(report_lines(io.BytesIO(data)), NOW)


def test_checking_alone_writes_nothing_and_counts_the_rows(session):
    staged = check(report_lines(io.BytesIO(RECONCILIATION.read_bytes())), NOW)
    assert staged.ok and staged.rows == 20
    assert session.scalar(select(func.count()).select_from(ReconciliationItem)) == 0


def test_the_same_inputs_give_the_same_run(session):
    first = start_run(session, kind="payments", input_key="sha256:ab", started_by="a",
                      now=NOW, input_label="one.csv")
    second = start_run(session, kind="payments", input_key="sha256:ab", started_by="b",
                       now=NOW, input_label="again.csv")
    assert first.created and not second.created and second.run.id == first.run.id
    assert second.run.started_by == "a"


def test_a_failed_run_restarts_with_nothing_left_of_the_first_attempt(session, world):
    from tests.reconciliation_report import make_books

    make_books(session, world)
    run, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    fail_run(run, why="the worker died", now=NOW)
    session.commit()
    again, staged = reconcile_bytes(session, RECONCILIATION.read_bytes(), by="second try")
    assert again.id == run.id and staged.ok
    assert (again.state, again.started_by, again.failure) == ("done", "second try", "")
    assert session.scalar(select(func.count()).select_from(ReconciliationItem)) == 20


def staged_items(session, run_id):
    columns = [c for c in ReconciliationItem.__table__.c if c.name not in ("id", "run_id")]
    return [tuple(row) for row in session.execute(
        select(*columns).where(ReconciliationItem.run_id == run_id)
        .order_by(ReconciliationItem.line))]


@pytest.mark.postgres_only
def test_copy_staging_gives_the_items_the_row_by_row_path_gives(session):
    """The fixture, with a row whose time is written with an offset and one whose
    currency has spaces around it (the set-based checks leave both to parse_row, which
    accepts them), and the largest amount the portal records."""
    from billing.reconciliation.payment_copy import stage_copy
    from billing.reconciliation.payment_input import stage

    data = broken("2026-03-25 10:00:00", "2026-03-25T03:00:00-07:00").replace(
        b",usd,50.00", b", usd ,50.00").replace(
        b"45.00,1.61,43.39", b"21474836.47,1.61,21474834.86")
    by_copy = start_run(session, kind="payments", input_key="a", started_by="t", now=NOW).run
    by_rows = start_run(session, kind="payments", input_key="b", started_by="t", now=NOW).run
    copied = stage_copy(session, by_copy.id, io.BytesIO(data), NOW, lambda rows: None)
    read = stage(session, by_rows.id, report_lines(io.BytesIO(data)), NOW)
    assert copied.ok and read.ok and copied.rows == read.rows == 20
    assert staged_items(session, by_copy.id) == staged_items(session, by_rows.id)
    adjust = [row for row in staged_items(session, by_copy.id) if row[1] == "txn_RecAdjust01"]
    assert adjust[0][7].isoformat() == "2026-03-25T10:00:00+00:00"


@pytest.mark.postgres_only
def test_a_file_copy_cannot_read_is_left_to_the_row_by_row_path(session):
    from billing.reconciliation.payment_copy import stage_copy

    data = RECONCILIATION.read_text().replace("\n", "\nx,y,z\n", 1).encode()  # a short row
    run = start_run(session, kind="payments", input_key="c", started_by="t", now=NOW).run
    assert stage_copy(session, run.id, io.BytesIO(data), NOW, lambda rows: None) is None
    run, staged = reconcile_bytes(session, data)
    assert [(e.row, e.message) for e in staged.errors] == [(2, "expected 32 columns, found 3")]

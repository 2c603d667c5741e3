"""The usage import's staging table: loading it, checking it as a set, merging it.

A temporary table holds every row of the file: its line number, the values it will
store (the account still as its number), and for a row whose cells are wrong the column
and message that say so. On PostgreSQL the rows arrive by COPY, as the file is read;
elsewhere (SQLite) by batched INSERTs. The staging table's columns have usage_record's
own types, so INSERT ... SELECT stores exactly what an insert of the parsed values would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.invoicing.usage_models import UsageRecord

NAME = "usage_stage"
STORED = ("source_ref", "customer_id", "call_type", "destination", "started_at", "minutes",
          "rate")
BATCH = 5_000

_record = UsageRecord.__table__.c
STAGE = Table(
    NAME, MetaData(),
    Column("line", Integer, nullable=False),
    Column("source_ref", _record.source_ref.type), Column("account_number", Text),
    Column("call_type", _record.call_type.type), Column("destination", _record.destination.type),
    Column("started_at", _record.started_at.type), Column("minutes", _record.minutes.type),
    Column("rate", _record.rate.type),
    Column("fault_column", String(40)), Column("fault", Text),
    prefixes=["TEMPORARY"])

# Rows whose account is unknown or whose cells are wrong, then the later rows of a
# source_ref that good rows (known account, sound cells) share: each row's first problem.
PROBLEMS = f"""
WITH checked AS (
    SELECT s.line, s.source_ref, s.account_number, s.fault_column, s.fault,
           CASE WHEN s.account_number IS NOT NULL AND c.id IS NULL THEN 1 ELSE 0 END
               AS unknown
    FROM {NAME} s LEFT JOIN customer c ON c.account_number = s.account_number
), problems AS (
    SELECT line, unknown, account_number, fault_column, fault
    FROM checked WHERE unknown = 1 OR fault IS NOT NULL
    UNION ALL
    SELECT line, 0, NULL, NULL, NULL FROM (
        SELECT line, row_number() OVER (PARTITION BY source_ref ORDER BY line) AS nth
        FROM checked WHERE unknown = 0 AND fault IS NULL) good
    WHERE nth > 1
)
SELECT line, unknown, account_number, fault_column, fault, count(*) OVER () AS total
FROM problems ORDER BY line LIMIT :shown
"""

# A quicker test that PROBLEMS would find nothing, for rows without a fault: no staged
# account is unknown and no source_ref is staged twice (no sort, no window).
MAY_HOLD_PROBLEMS = f"""
SELECT EXISTS (
    SELECT 1 FROM {NAME} s WHERE s.account_number IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.account_number = s.account_number)
) OR EXISTS (
    SELECT 1 FROM {NAME} WHERE fault IS NULL GROUP BY source_ref HAVING count(*) > 1
)
"""

_changes = ", ".join(f"{name} = excluded.{name}" for name in STORED if name != "source_ref")
INSERT = f"""
INSERT INTO usage_record ({", ".join(STORED)})
SELECT s.source_ref, c.id, s.call_type, s.destination, s.started_at, s.minutes, s.rate
FROM {NAME} s JOIN customer c ON c.account_number = s.account_number
"""
UPSERT = f"""{INSERT}
WHERE true
ON CONFLICT (source_ref) DO UPDATE SET {_changes}
"""
EXISTING = f"SELECT count(*) FROM {NAME} s JOIN usage_record u ON u.source_ref = s.source_ref"


class UsageStage:
    """The staging table of one import, in the session's transaction."""

    def __init__(self, session: Session):
        self.session = session
        self.connection = session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {NAME}")
        STAGE.create(self.connection)

    def load(self, rows: Iterable[tuple]) -> int:
        """Stage the rows (line, values..., fault column, fault); returns how many have a
        fault. On PostgreSQL, then gathers the table's statistics, which no one else would."""
        if not self.postgresql:
            return self._insert(rows)
        faults = self._copy(rows)
        self.connection.exec_driver_sql(f"ANALYZE {NAME}")
        return faults

    def problems(self, shown: int) -> list[tuple]:
        """(line, unknown account?, account number, column, message, how many in all)
        of the first `shown` rows with a problem, in file order."""
        return [tuple(row) for row in self.connection.execute(text(PROBLEMS),
                                                               {"shown": shown})]

    def merge(self, staged: int) -> tuple[int, int] | None:
        """Insert the staged rows (`staged` of them, none with a fault) into usage_record,
        updating those whose source_ref is there already: (created, updated). None, with
        nothing written, if some row has an unknown account or a repeated source_ref.

        When no source_ref is stored yet (the usual case), a plain INSERT does the checks
        on the way: the join to customer drops a row of an unknown account, and the unique
        source_ref refuses a repeated one. Otherwise they are asked for first, then the
        rows are upserted (ON CONFLICT costs a lookup per row, and on SQLite would let
        the last of two rows win).
        """
        existing = self.connection.execute(text(EXISTING)).scalar()
        if existing == 0:
            created = self._insert_all(staged)
            if created is not None:
                return created, 0
            if self.problems(1):
                return None
            # Another import stored some of these source_refs since they were counted.
            existing = self.connection.execute(text(EXISTING)).scalar()
        if self.connection.execute(text(MAY_HOLD_PROBLEMS)).scalar():
            return None
        saved = self.connection.execute(text(UPSERT)).rowcount
        return saved - existing, existing

    def _insert_all(self, staged: int) -> int | None:
        """INSERT every staged row under a savepoint: how many, or None (and nothing
        written) if one was refused or left out."""
        savepoint = self.session.begin_nested()
        connection = self.session.connection()  # SAVEPOINT is sent on asking for it
        try:
            saved = connection.execute(text(INSERT)).rowcount
        except IntegrityError:
            savepoint.rollback()
            return None
        if saved != staged:
            savepoint.rollback()
            return None
        savepoint.commit()
        return saved

    def drop(self) -> None:
        self.connection.exec_driver_sql(f"DROP TABLE {NAME}")

    def _copy(self, rows: Iterable[tuple]) -> int:
        """COPY the rows, as lines of COPY's text format written here a thousand at a time
        (psycopg's write_row, made for any row, cost as much as parsing the row)."""
        names = ", ".join(column.name for column in STAGE.columns)
        raw = self.connection.connection.driver_connection  # the session's own transaction
        faults, lines = 0, []
        with raw.cursor() as cursor, cursor.copy(f"COPY {NAME} ({names}) FROM STDIN") as copy:
            for row in rows:
                if row[-1] is None:
                    lines.append(_sound_line(*row))
                else:
                    faults += 1
                    lines.append("\t".join(map(_cell, row)) + "\n")
                if len(lines) == 1000:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))
        return faults

    def _insert(self, rows: Iterable[tuple]) -> int:
        names = [column.name for column in STAGE.columns]
        statement = insert(STAGE)
        rows, faults = iter(rows), 0
        while batch := list(islice(rows, BATCH)):
            faults += sum(1 for row in batch if row[-1] is not None)
            self.connection.execute(statement, [dict(zip(names, row, strict=True))
                                                for row in batch])
        return faults


# COPY's text format: tab between columns, \N for NULL, and these four escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _sound_line(line, ref, account, call_type, destination, moment, minutes, rate, *_):
    """The COPY line of a row without a fault. The call type is one of CALL_TYPES, the
    numbers are Decimals and the instant an aware datetime: only the three texts may
    need escaping, and seldom do."""
    if _NEEDS_ESCAPE(ref) or _NEEDS_ESCAPE(account) or _NEEDS_ESCAPE(destination):
        ref, account, destination = (ref.translate(_ESCAPES), account.translate(_ESCAPES),
                                     destination.translate(_ESCAPES))
    return (f"{line}\t{ref}\t{account}\t{call_type}\t{destination}\t{moment.isoformat()}"
            f"\t{minutes}\t{rate}\t\\N\t\\N\n")


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)

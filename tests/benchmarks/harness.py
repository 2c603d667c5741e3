"""Benchmark plumbing: a throwaway database, an SQL statement log, timing and a table.

Nothing here knows about the portal's pages; the bench_* scripts say what to measure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
URL_ENV = "BENCH_DATABASE_URL"


# --- the throwaway database ---------------------------------------------------------------

def _admin_engine(url: str) -> tuple[sa.Engine, str]:
    """An autocommit engine on the server's maintenance database, and the bench db's name."""
    parsed = sa.make_url(url)
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        raise SystemExit(f"The benchmark needs a PostgreSQL database URL, not {url!r}.")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    return admin, parsed.database


def recreate_database(url: str) -> None:
    admin, name = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    admin, name = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_version(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(sa.text("SHOW server_version")).scalar_one()


# --- the SQL each request issues -----------------------------------------------------------

@dataclass
class Statement:
    sql: str
    parameters: object
    seconds: float
    many: bool


@dataclass
class QueryLog:
    """Every statement sent through an engine's cursors, with how long each one took."""

    statements: list[Statement] = field(default_factory=list)
    enabled: bool = True

    def attach(self, engine: sa.Engine) -> QueryLog:
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        return self

    def reset(self) -> None:
        self.statements = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.enabled:
            elapsed = time.perf_counter() - conn.info.pop("bench_started")
            self.statements.append(Statement(statement, parameters, elapsed, executemany))


# --- timing --------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    seconds: list[float]
    wall: float
    queries: list[int]
    sql_seconds: list[float]
    note: str = ""
    last_statements: list[Statement] = field(default_factory=list)

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1]

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.wall


def measure(name: str, call: Callable[[], object], log: QueryLog, *, warmup: int,
            runs: int, note: str = "") -> Result:
    """Call `warmup` times untimed, then `runs` times timed one after the other."""
    for _ in range(warmup):
        call()
    seconds, queries, sql_seconds = [], [], []
    started = time.perf_counter()
    for _ in range(runs):
        log.reset()
        begin = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - begin)
        queries.append(log.count)
        sql_seconds.append(log.seconds)
    wall = time.perf_counter() - started
    return Result(name, seconds, wall, queries, sql_seconds, note, list(log.statements))


# --- output --------------------------------------------------------------------------------

HEADERS = ("scenario", "n", "mean", "p50", "p95", "max", "req/s", "SQL/req", "SQL ms p50",
           "rows", "p95<goal")


def table(results: list[Result], goal_ms: float) -> str:
    rows = [HEADERS] + [_row(r, goal_ms) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 9) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _row(result: Result, goal_ms: float) -> tuple[str, ...]:
    ms = [s * 1000 for s in result.seconds]
    queries = sorted(set(result.queries))
    count = str(queries[0]) if len(queries) == 1 else f"{queries[0]}-{queries[-1]}"
    p95 = result.percentile(95) * 1000
    return (result.name, str(len(ms)), f"{statistics.fmean(ms):.1f}",
            f"{result.percentile(50) * 1000:.1f}", f"{p95:.1f}", f"{max(ms):.1f}",
            f"{result.per_second:.1f}", count,
            f"{statistics.median(result.sql_seconds) * 1000:.1f}", result.note,
            "yes" if p95 < goal_ms else "NO")


def explain(engine: sa.Engine, statements: list[Statement], min_ms: float) -> str:
    """EXPLAIN ANALYZE of the SELECTs that took at least `min_ms`, with their SQL."""
    parts = []
    with engine.connect() as connection:
        for statement in statements:
            slow = statement.seconds * 1000 >= min_ms
            if not slow or statement.many or not statement.sql.lstrip().startswith("SELECT"):
                continue
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters
            ).scalars()
            parts.append(f"-- {statement.seconds * 1000:.1f} ms in the benchmark\n"
                         f"{statement.sql}\n-- parameters: {statement.parameters}\n"
                         + "\n".join(plan))
        connection.rollback()
    return "\n\n".join(parts) or f"(no SELECT took {min_ms} ms or more)"


def keep_or_drop(url: str, keep: bool) -> None:
    """End of a benchmark: keep the database for inspection, or drop it."""
    if keep:
        print(f"\nKept the database: {url}")
    else:
        drop_database(url)
        print("\nDropped the benchmark database.")

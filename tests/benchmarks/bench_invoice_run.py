"""Throughput of a month's billing on PostgreSQL: a usage import and an invoice run.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_invoice_run [--keep] [--tracemalloc]
        [--customers N] [--usage-rows N] [--profile draft|issue|import ...]

It drops and recreates a throwaway database (default portal_bench_run on the local server;
--database-url or BENCH_DATABASE_URL to change it), migrates it, and then times:

  1. generating 10,000 accounts (a few partners; mostly USD, some CAD, GBP and EUR),
     about six recurring services each, their products, a small tax table, and the
     issued invoices of the three periods before (--history), as in production;
  2. writing a usage CSV of 1,000,000 calls in the documented format, inside the bill
     period before the billed one (usage is billed in arrears);
  3. importing it with `run_import` (one pass: parse, stage, check, merge) and committing;
  4. `draft_period` for the period 2026-12 (26 Nov to 25 Dec 2026) over every account,
     then `issue_period`.

After generating, and after the import, it runs (VACUUM) ANALYZE as autovacuum would; the
development server has autovacuum off, and without statistics the planner's cached plans
go wrong (e.g. a sequential scan of `invoice` for every invoice line's foreign-key check).

For each phase it prints seconds, items per second, SQL statements (counted by a
before_cursor_execute listener; an executemany counts once) and the peak resident set
size of the process during that phase (ru_maxrss, reset at the start of each phase
through /proc/self/clear_refs). --tracemalloc adds the peak of the Python heap, at the
cost of slower phases. The database is dropped afterwards unless --keep.

The product's goals on a 2-core machine: the usage import at 100,000 rows/s or more,
the invoice run (draft and issue) of 10,000 accounts in under 60 s, peak memory < 1 GB.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from billing.core.clock import PROVIDER_TZ, parse_period
from billing.imports import KINDS, run_import
from billing.invoicing.drafting import previous_period
from billing.invoicing.runs import draft_period, issue_period
from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate import analyze
from tests.benchmarks.generate_billing import Sizes, World, generate, write_usage_csv

PERIOD = "2026-12"  # 26 Nov to 25 Dec 2026; bills usage of 26 Oct to 25 Nov 2026
DRAFT_AT = datetime(2026, 11, 26, 6, 0, tzinfo=PROVIDER_TZ)
ISSUE_AT = datetime(2026, 11, 26, 9, 0, tzinfo=PROVIDER_TZ)
GOAL_IMPORT_ROWS_PER_S = 100_000
GOAL_RUN_SECONDS = 60.0
GOAL_PEAK_MB = 1024.0
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
PROFILABLE = ("import", "draft", "issue")
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_run"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL),
                        help=f"throwaway PostgreSQL database (env {harness.URL_ENV})")
    parser.add_argument("--customers", type=int, default=Sizes.customers)
    parser.add_argument("--usage-rows", type=int, default=Sizes.usage_rows)
    parser.add_argument("--history", type=int, default=Sizes.history,
                        help="periods of issued invoices before the billed one")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the Python heap's peak (slows every phase)")
    parser.add_argument("--profile", action="append", default=[], choices=PROFILABLE,
                        help="run this phase under cProfile and print its top functions")
    parser.add_argument("--statements", type=int, default=8,
                        help="how many of each phase's most frequent statements to print")
    return parser.parse_args(argv)


# --- what a phase costs -------------------------------------------------------------------

@dataclass
class SqlCounter:
    """Statements sent through an engine's cursors: how many, how long, and which."""

    count: int = 0
    seconds: float = 0.0
    by_sql: dict = field(default_factory=dict)  # first words of the SQL: [count, seconds]
    _keys: dict = field(default_factory=dict)  # statement text: its first words

    def attach(self, engine: sa.Engine) -> SqlCounter:
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        return self

    def reset(self) -> None:
        self.count, self.seconds, self.by_sql = 0, 0.0, {}

    def top(self, n: int) -> list[tuple[str, int, float]]:
        ranked = sorted(self.by_sql.items(), key=lambda item: -item[1][0])
        return [(sql, count, seconds) for sql, (count, seconds) in ranked[:n]]

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        conn.info["bench_sql_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info.pop("bench_sql_started")
        self.seconds += elapsed
        key = self._keys.get(statement)
        if key is None:
            key = self._keys[statement] = " ".join(statement[:400].split())[:110]
        entry = self.by_sql.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += elapsed


def reset_peak_rss() -> bool:
    """Start a new peak: Linux resets ru_maxrss (VmHWM) on writing 5 to clear_refs."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass
class Phase:
    name: str
    unit: str
    items: int
    seconds: float
    queries: int
    sql_seconds: float
    peak_rss_mb: float
    rss_since_start: bool  # the peak could not be reset: it is the process's so far
    heap_peak_mb: float | None
    top: list = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


@dataclass
class Meter:
    """Measures phases one after another: time, SQL, peak memory, optionally a profile."""

    sql: SqlCounter
    options: argparse.Namespace
    phases: list[Phase] = field(default_factory=list)

    def run(self, name: str, unit: str, call: Callable[[], object],
            count: Callable[[object], int], profile: str | None = None):
        profiler = cProfile.Profile() if profile in self.options.profile else None
        resettable = reset_peak_rss()
        self.sql.reset()
        if self.options.tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = call()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        heap = tracemalloc.get_traced_memory()[1] / 2**20 if self.options.tracemalloc else None
        tracemalloc.stop()
        self.phases.append(Phase(name, unit, count(result), seconds, self.sql.count,
                                 self.sql.seconds, peak_rss_mb(), not resettable, heap,
                                 self.sql.top(self.options.statements)))
        if profiler:
            print_profile(name, profiler)
        return result


def print_profile(name: str, profiler: cProfile.Profile) -> None:
    path = os.path.join(tempfile.gettempdir(), f"bench_invoice_run_{name.split()[0]}.prof")
    profiler.dump_stats(path)
    print(f"\n===== cProfile of {name} (saved to {path}) =====")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)


# --- the phases ---------------------------------------------------------------------------

def build_app(url: str) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})


def import_usage(session, path: str, marks: list[float]):
    """run_import of the usage file, then commit; marks when the file is opened, when the
    import returns and when the commit is done."""
    def opener():
        marks.append(time.perf_counter())
        return open(path, "rb")

    report = run_import(session, KINDS["usage"], opener)
    if not report.saved:
        session.rollback()
        shown = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in report.errors[:5])
        raise SystemExit(f"The usage import refused the file: {shown}")
    marks.append(time.perf_counter())
    session.commit()
    marks.append(time.perf_counter())
    return report


def progress_printer(label: str, every: int = 1000) -> Callable[[int, int], None]:
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            elapsed = time.perf_counter() - started
            print(f"  {label}: {done:,}/{total:,} in {elapsed:.1f} s "
                  f"({done / elapsed:,.0f}/s)", flush=True)

    return progress


def run_phases(app: Flask, args: argparse.Namespace, path: str) -> dict:
    """Every phase in order on the app's session; returns what the report needs."""
    period = parse_period(PERIOD)
    session = db.session
    meter = Meter(SqlCounter().attach(db.engine), args)
    sizes = Sizes(customers=args.customers, usage_rows=args.usage_rows, history=args.history)
    flask_migrate.upgrade()
    print(f"Generating {sizes.customers:,} accounts...", flush=True)
    world: World = meter.run("generate accounts", "accounts",
                             lambda: generate(session, period, sizes), lambda w: len(w.accounts))
    meter.run("VACUUM ANALYZE", "db", lambda: analyze(db.engine), lambda _: 1)
    usage_period = previous_period(period)
    print(f"Writing {sizes.usage_rows:,} calls of {usage_period.start} to {usage_period.end} "
          f"to {path}...", flush=True)
    size = meter.run("write usage CSV", "rows",
                     lambda: write_usage_csv(path, world.accounts, usage_period,
                                             sizes.usage_rows), lambda _: sizes.usage_rows)
    print(f"Importing the usage file ({size / 2**20:.0f} MiB)...", flush=True)
    marks: list[float] = []
    report = meter.run("import usage + commit", "rows",
                       lambda: import_usage(session, path, marks), lambda r: r.rows, "import")
    meter.run("ANALYZE usage_record", "db",
              lambda: analyze_table(session, "usage_record"), lambda _: 1)
    print(f"Drafting period {period.key} ({period.start} to {period.end})...", flush=True)
    result = meter.run("draft_period", "invoices",
                       lambda: draft_period(session, period, started_by="bench", now=DRAFT_AT,
                                            progress=progress_printer("drafted")),
                       lambda r: r.drafted, "draft")
    print("Issuing...", flush=True)
    meter.run("issue_period", "invoices",
              lambda: issue_period(session, period, now=ISSUE_AT,
                                   progress=progress_printer("issued")), lambda n: n, "issue")
    return {"meter": meter, "world": world, "report": report, "result": result,
            "marks": marks, "file_bytes": size, "checks": outcome(session, period)}


def analyze_table(session, table: str) -> None:
    session.execute(sa.text(f"ANALYZE {table}"))
    session.commit()


def outcome(session, period) -> dict:
    """What the run produced, to see that it billed what it should."""
    query = sa.text(
        "SELECT i.status, i.currency, count(*), sum(i.total_minor), "
        "sum((SELECT count(*) FROM invoice_line l WHERE l.invoice_id = i.id)) "
        "FROM invoice i WHERE i.period_end = :end GROUP BY 1, 2 ORDER BY 1, 2")
    rows = session.execute(query, {"end": period.end}).all()
    kinds = session.execute(sa.text(
        "SELECT l.kind, count(*) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id "
        "WHERE i.period_end = :end GROUP BY 1 ORDER BY 2 DESC"), {"end": period.end}).all()
    usage = session.scalar(sa.text("SELECT count(*) FROM usage_record"))
    return {"invoices": rows, "line_kinds": kinds, "usage_records": usage}


# --- the report ---------------------------------------------------------------------------

HEADERS = ("phase", "items", "seconds", "items/s", "SQL", "SQL/item", "SQL s", "peak RSS MB",
           "py heap MB")


def phase_row(p: Phase) -> tuple[str, ...]:
    per_item = f"{p.queries / p.items:.1f}" if p.items > 1 else "-"
    rss = f"{p.peak_rss_mb:,.0f}{'*' if p.rss_since_start else ''}"
    heap = "-" if p.heap_peak_mb is None else f"{p.heap_peak_mb:,.0f}"
    rate = f"{p.per_second:,.0f}" if p.items > 1 else "-"
    return (p.name, f"{p.items:,} {p.unit}" if p.items > 1 else "-", f"{p.seconds:.1f}", rate,
            f"{p.queries:,}", per_item, f"{p.sql_seconds:.1f}", rss, heap)


def format_table(headers: tuple, rows: list[tuple]) -> str:
    table = [headers, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_report(app: Flask, facts: dict, args: argparse.Namespace) -> None:
    meter: Meter = facts["meter"]
    phases = {p.name: p for p in meter.phases}
    run = [phases["draft_period"], phases["issue_period"]]
    with app.app_context():
        version = harness.server_version(db.engine)
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"\nPostgreSQL {version}; {os.cpu_count()} CPUs; load average at the end {load}.")
    print("Rows generated: " + ", ".join(f"{t} {n:,}" for t, n in facts["world"].counts.items())
          + f"; usage file {facts['file_bytes'] / 2**20:.0f} MiB.")
    print("SQL = statements through the engine's cursors (COPY and executemany count once); "
          "peak RSS = ru_maxrss of the process within the phase"
          + (" (* = since the process started: could not reset)" if any(
              p.rss_since_start for p in meter.phases) else "")
          + "; py heap = tracemalloc peak" + ("" if args.tracemalloc else " (not measured)")
          + ".\n")
    total = Phase("invoice run (draft + issue)", "invoices", run[0].items,
                  sum(p.seconds for p in run), sum(p.queries for p in run),
                  sum(p.sql_seconds for p in run), max(p.peak_rss_mb for p in run), False, None)
    print(format_table(HEADERS, [phase_row(p) for p in meter.phases] + [phase_row(total)]))
    print_import_passes(facts["marks"], phases["import usage + commit"])
    print_outcome(facts)
    print_statements(meter.phases, ("import usage + commit", "draft_period", "issue_period"))
    print_goals(phases["import usage + commit"], total, meter.phases)


def print_import_passes(marks: list[float], phase: Phase) -> None:
    if len(marks) == 3:
        imported, commit = marks[1] - marks[0], marks[2] - marks[1]
        print(f"\nUsage import: read, checked and merged in {imported:.1f} s, commit "
              f"{commit:.1f} s ({phase.items:,} rows read once).")


def print_outcome(facts: dict) -> None:
    result, checks = facts["result"], facts["checks"]
    print(f"Run: drafted {result.drafted:,}, skipped {result.skipped:,}, failed "
          f"{len(result.failed):,}; usage records in the database {checks['usage_records']:,}.")
    for account, why in result.failed[:5]:
        print(f"  failed {account}: {why}")
    for status, currency, count, total, lines in checks["invoices"]:
        print(f"  {status} {currency}: {count:,} invoices, {int(lines):,} lines, "
              f"total {total / 100:,.2f}")
    print("  lines by kind: " + ", ".join(f"{kind} {n:,}" for kind, n in checks["line_kinds"]))


def print_statements(phases: list[Phase], names: tuple[str, ...]) -> None:
    for phase in (p for p in phases if p.name in names):
        print(f"\nMost frequent statements in {phase.name} (count, total s, mean ms):")
        for sql, count, seconds in phase.top:
            print(f"  {count:>9,} {seconds:7.1f} {seconds / count * 1000:6.2f}  {sql}")


def print_goals(imported: Phase, run: Phase, phases: list[Phase]) -> None:
    peak = max(p.peak_rss_mb for p in phases)
    checks = [
        (f"usage import >= {GOAL_IMPORT_ROWS_PER_S:,} rows/s (check + save + commit)",
         f"{imported.per_second:,.0f} rows/s", imported.per_second >= GOAL_IMPORT_ROWS_PER_S),
        (f"invoice run (draft + issue) of {run.items:,} accounts < {GOAL_RUN_SECONDS:.0f} s",
         f"{run.seconds:.1f} s", run.seconds < GOAL_RUN_SECONDS),
        (f"peak RSS < {GOAL_PEAK_MB:,.0f} MB (process, every phase)", f"{peak:,.0f} MB",
         peak < GOAL_PEAK_MB),
    ]
    print("\nGoals:")
    for goal, measured, met in checks:
        print(f"  {'met   ' if met else 'MISSED'}  {goal}: {measured}")


def main(argv=None) -> None:
    args = parse_args(argv)
    print(f"Benchmark process id {os.getpid()} (for py-spy --pid).", flush=True)
    harness.recreate_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="bench_usage_") as scratch:
            app = build_app(args.database_url)
            with app.app_context():
                facts = run_phases(app, args, os.path.join(scratch, "usage.csv"))
                db.session.remove()
            print_report(app, facts, args)
            with app.app_context():
                db.engine.dispose()
    finally:
        harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()

"""Latency of a big partner's invoice list: the portal page and the API, on PostgreSQL.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_partner_lists [--keep] [--explain]

It drops and recreates a throwaway database (default portal_bench on the local server;
--database-url or BENCH_DATABASE_URL to change it), migrates it, generates one channel
partner with 5,000 customers and 60,000 invoices plus a few smaller partners, and then
times, in process through the Flask test client (no HTTP server, no network):

  - GET /partner/invoices (first page, the next one by its link, page 600 by an old
    ?page= link, ?period=2026-03), logged in as the partner admin through the real
    login form with its CSRF token;
  - GET /api/v1/invoices (first page, and the next page by its cursor) with a bearer token.

Each scenario gets a warm-up and then timed requests one after another; it prints mean,
p50, p95, max, requests/s, SQL statements per request and SQL time per request, and
drops the database unless --keep. --reuse measures an existing (kept) database as it is,
e.g. after trying an index on it by hand; --explain prints EXPLAIN ANALYZE of the slow
statements each scenario issued.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections.abc import Callable

import flask_migrate
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate import BenchWorld, Sizes, analyze, find_world, generate
from tests.conftest import csrf_token

GOAL_MS = 100.0
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV,
                                                                 harness.DEFAULT_URL),
                        help=f"throwaway PostgreSQL database (env {harness.URL_ENV})")
    parser.add_argument("--customers", type=int, default=Sizes.customers)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the existing database as it is; no drop or generation")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of each scenario's slow SELECTs")
    parser.add_argument("--explain-min-ms", type=float, default=2.0)
    parser.add_argument("--sealing", choices=("inline", "worker"), default="inline",
                        help="AUDIT_SEALING (worker: as the README advises in production)")
    return parser.parse_args(argv)


def build_app(url: str, pdf_dir: str, sealing: str = "inline") -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "PDF_CACHE_DIR": pdf_dir, "AUDIT_SEALING": sealing})


def prepare(app: Flask, args: argparse.Namespace) -> BenchWorld:
    """A migrated database with the benchmark data (or the kept one, with --reuse)."""
    with app.app_context():
        if args.reuse:
            return find_world(db.session)
        flask_migrate.upgrade()
        print(f"Generating data ({args.customers:,} customers for the big partner)...")
        started = time.perf_counter()
        world = generate(db.session, Sizes(customers=args.customers),
                         progress=lambda step: print(f"  {step}", flush=True))
        generated = time.perf_counter() - started
        analyze(db.engine)
        print(f"Generated in {generated:.1f} s; VACUUM ANALYZE done after "
              f"{time.perf_counter() - started:.1f} s.")
        return world


def logged_in_client(app: Flask, world: BenchWorld):
    """A test client logged in as the partner admin through the login form."""
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={
        "csrf_token": token, "email": world.admin_email, "password": world.password})
    if response.status_code != 302:
        raise SystemExit(f"login failed: {response.status_code}")
    return client


def page_call(client, path: str) -> Callable[[], str]:
    def call():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}")
        return response.get_data(as_text=True)

    return call


def api_call(client, path: str, secret: str) -> Callable[[], dict]:
    headers = {"Authorization": f"Bearer {secret}"}

    def call():
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.get_data()[:200]}")
        return response.get_json()

    return call


def page_note(html: str) -> str:
    """'50 of 60,000': invoice rows on the page, and the total the page reports."""
    rows = len(re.findall(r'href="/partner/invoices/\d+"', html))
    total = re.search(r"([\d,]+) results?", html)  # "More than 1,000 results" past the cap
    return f"{rows} of {total.group(1) if total else '?'}"


def scenarios(app: Flask, world: BenchWorld) -> list[tuple[str, Callable, Callable]]:
    """(name, request, note on its answer) for each measured request."""
    client = logged_in_client(app, world)
    api = app.test_client()
    first = api_call(api, "/api/v1/invoices", world.api_token)
    cursor = first()["next_cursor"]
    following = re.search(r'<a rel="next" href="([^"]+)"',
                          page_call(client, "/partner/invoices")())
    second = following.group(1).replace("&amp;", "&") if following else "/partner/invoices"
    return [
        ("page /partner/invoices", page_call(client, "/partner/invoices"), page_note),
        ("page next (?after=)", page_call(client, second), page_note),
        ("page ?page=600 (old link)", page_call(client, "/partner/invoices?page=600"),
         page_note),
        ("page ?period=2026-03", page_call(client, "/partner/invoices?period=2026-03"),
         page_note),
        ("api /api/v1/invoices", first, _api_note),
        ("api ?cursor=<page 2>", api_call(api, f"/api/v1/invoices?cursor={cursor}",
                                          world.api_token), _api_note),
    ]


def _api_note(body: dict) -> str:
    more = "more" if body["next_cursor"] else "last"
    return f"{len(body['data'])}, {more}"


def run(app: Flask, world: BenchWorld, args: argparse.Namespace) -> list[harness.Result]:
    with app.app_context():
        log = harness.QueryLog().attach(db.engine)
    results = []
    for name, call, note in scenarios(app, world):
        print(f"  measuring {name}...", flush=True)
        results.append(harness.measure(name, call, log, warmup=args.warmup,
                                       runs=args.requests, note=note(call())))
    return results


def report(app: Flask, world: BenchWorld, results: list[harness.Result], args) -> None:
    with app.app_context():
        version = harness.server_version(db.engine)
    counts = ", ".join(f"{table} {n:,}" for table, n in world.counts.items())
    print(f"\nIn-process Flask test client (no HTTP server); PostgreSQL {version}; "
          f"{os.cpu_count()} CPUs; {args.warmup} warm-up + {args.requests} timed requests "
          "each, sequential.")
    print(f"Rows: {counts}.")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"Load average (1, 5, 15 min) at the end: {load} (other work on the machine "
          "skews the figures, p95 most).")
    print("Times in ms; SQL/req = statements through the engine's cursors per request; "
          "SQL ms = time inside them.\n")
    print(harness.table(results, GOAL_MS))
    missed = [r.name for r in results if r.percentile(95) * 1000 >= GOAL_MS]
    verdict = f"MISSED by: {', '.join(missed)}" if missed else "met by every scenario"
    print(f"\nGoal p95 < {GOAL_MS:.0f} ms: {verdict}.")
    if args.explain:
        with app.app_context():
            for result in results:
                print(f"\n===== {result.name}: statements of the last timed request =====")
                for s in result.last_statements:
                    print(f"  {s.seconds * 1000:7.2f} ms  {' '.join(s.sql.split())[:110]}")
                print(harness.explain(db.engine, result.last_statements, args.explain_min_ms))


def main(argv=None) -> None:
    args = parse_args(argv)
    if not args.reuse:
        harness.recreate_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory() as pdf_dir:
            app = build_app(args.database_url, pdf_dir, args.sealing)
            world = prepare(app, args)
            results = run(app, world, args)
            report(app, world, results, args)
            with app.app_context():
                db.engine.dispose()
    finally:
        harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()

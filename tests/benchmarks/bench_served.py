"""Served throughput of the big lists: the portal against a bare anchor app, same database.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_served [--seconds 10] [--rounds 3]

It uses the database bench_partner_lists.py generates (one channel partner with 5,000
customers and 60,000 invoices; generated here first if missing, and kept between runs:
--database-url or BENCH_DATABASE_URL), starts the portal under gunicorn with its own
settings (portal/gunicorn_conf.py, 2 sync workers) and the anchor (anchor_app.py: one
SELECT per page, nothing else) under gunicorn with 2 sync workers too, then drives each
list with the same load generator in this process: 16 threads, each sending one request
after another on its own connection, for the same number of seconds. Portal and anchor
take turns (interleaved, the one that starts alternating by round), three rounds. It
prints requests per second, p50/p95/p99 latency and the ratio portal / anchor per list
and round, and the medians over the rounds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import flask_migrate
import requests
import sqlalchemy as sa

from billing.parties.identity import create_user
from billing.parties.models import Customer
from billing.parties.users import User
from portal import create_app
from portal.extensions import db
from tests.benchmarks import anchor_app, bench_partner_lists, harness
from tests.benchmarks.generate import ADMIN_EMAIL, PASSWORD, find_world

SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
AUDIT_KEY = "benchmark-audit-log-key-that-is-long-enough-0123456789"
CUSTOMER_EMAIL = "bench.customer@customers.example"
LISTS = ("/partner/invoices", "/partner/customers", "/customer/invoices", "/api/v1/invoices")
PORTAL_PORT, ANCHOR_PORT, DUTIES_PORT = 8731, 8732, 8733
GOAL = 0.5


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV,
                                                                 harness.DEFAULT_URL))
    parser.add_argument("--seconds", type=float, default=10.0, help="per list, side and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="measure only the lists whose path contains this")
    parser.add_argument("--sealing", choices=("inline", "worker"), default="inline",
                        help="the portal's AUDIT_SEALING (inline: the default; worker: as "
                             "the README advises in production, sealed by `audit seal`)")
    parser.add_argument("--duties", action="store_true",
                        help="serve, in the portal's place, the anchor with a compliant "
                             "page's database duties (ANCHOR_DUTIES=1 of anchor_app.py): how "
                             "near the anchor any page keeping them can come")
    return parser.parse_args(argv)


# --- the data and the logins ---------------------------------------------------------------

@dataclass
class Logins:
    partner_id: int
    customer_id: int
    partner_cookie: str = ""
    customer_cookie: str = ""
    api_token: str = ""


def ensure_data(url: str) -> Logins:
    """The generated database (generating it if absent) and a customer login in it."""
    if not _has_data(url):
        bench_partner_lists.main(["--database-url", url, "--keep", "--requests", "20"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                      "AUDIT_LOG_KEY": AUDIT_KEY})
    with app.app_context():
        flask_migrate.upgrade()  # a kept database from before the latest migrations
        world = find_world(db.session)
        customer_id = _customer_login(db.session, world.partner_id)
        db.session.commit()
        db.engine.dispose()
    return Logins(world.partner_id, customer_id, api_token=world.api_token)


def _has_data(url: str) -> bool:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            found = connection.execute(sa.text('SELECT 1 FROM user_account WHERE email = :e'),
                                       {"e": ADMIN_EMAIL}).first()
    except sa.exc.OperationalError:
        return False
    except sa.exc.ProgrammingError:
        return False
    finally:
        engine.dispose()
    return found is not None


def _customer_login(session, partner_id: int) -> int:
    """A customer admin of the big partner's first customer (made once, then reused)."""
    user = session.scalars(sa.select(User).where(User.email == CUSTOMER_EMAIL)).first()
    if user is not None:
        return user.customer_id
    customer = session.scalars(sa.select(Customer).where(Customer.partner_id == partner_id,
                                                         Customer.parent_id.is_(None))
                               .order_by(Customer.id).limit(1)).one()
    create_user(session, email=CUSTOMER_EMAIL, name="Bench Customer", role="customer_admin",
                password=PASSWORD, customer_id=customer.id)
    return customer.id


def login_cookie(base: str, email: str) -> str:
    """The Cookie header of a session logged in through the real form."""
    web = requests.Session()
    form = web.get(f"{base}/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = web.post(f"{base}/auth/login", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "email": email, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"login of {email} failed: {answer.status_code}")
    return "; ".join(f"{k}={v}" for k, v in web.cookies.items())


# --- the servers ---------------------------------------------------------------------------

@contextmanager
def server(command: list[str], env: dict, port: int):
    """A gunicorn started with `command`, ready on `port`; stopped on leaving."""
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn on port {port} did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def portal_env(url: str, scratch: str) -> dict:
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "AUDIT_LOG_KEY": AUDIT_KEY,
            "AUDIT_CHECKPOINT_DIR": os.path.join(scratch, "checkpoints"),
            "PDF_CACHE_DIR": os.path.join(scratch, "pdf")}


def seal_backlog(url: str, scratch: str) -> None:
    """Seal what earlier runs left unsealed (a run with --sealing worker seals nothing), so
    that no inline sealer of this run pays for another run's disclosures."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit", "seal"],
                   env={**os.environ, **portal_env(url, scratch)}, check=True,
                   stdout=subprocess.DEVNULL)


def portal_server(url: str, workers: int, scratch: str, sealing: str):
    env = {**portal_env(url, scratch), "AUDIT_SEALING": sealing,
           "GUNICORN_WORKERS": str(workers),
           "GUNICORN_BIND": f"127.0.0.1:{PORTAL_PORT}", "GUNICORN_ACCESS_LOG": os.devnull}
    command = [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn_conf",
               "--no-control-socket", "wsgi:app"]
    return server(command, env, PORTAL_PORT)


def anchor_server(url: str, workers: int, logins: Logins, *, duties: bool = False,
                  port: int = ANCHOR_PORT):
    env = {"ANCHOR_DATABASE_URL": url, "ANCHOR_PARTNER_ID": str(logins.partner_id),
           "ANCHOR_CUSTOMER_ID": str(logins.customer_id), "ANCHOR_DUTIES": "1" if duties else ""}
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", str(workers), "-b",
               f"127.0.0.1:{port}", "tests.benchmarks.anchor_app:app"]
    return server(command, env, port)


# --- the load generator --------------------------------------------------------------------

@dataclass
class Leg:
    """One side's run of one list: every answered request's latency."""

    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def percentile(self, p: int) -> float:
        if len(self.seconds) < 2:
            return float("nan")
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[p - 1] * 1000


def drive(base: str, path: str, headers: dict, seconds: float, connections: int) -> Leg:
    """`connections` threads sending GET `path` one after another for `seconds`."""
    host, port = base.removeprefix("http://").split(":")
    leg, lock = Leg(), threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        latencies, errors = [], 0
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.perf_counter() < stop:
            begin = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if ok:
                latencies.append(time.perf_counter() - begin)
            else:
                errors += 1
        connection.close()
        with lock:
            leg.seconds.extend(latencies)
            leg.errors += errors

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    leg.wall = time.perf_counter() - started
    return leg


def headers_for(path: str, logins: Logins) -> dict:
    if path.startswith("/api/"):
        return {"Authorization": f"Bearer {logins.api_token}"}
    cookie = logins.customer_cookie if path.startswith("/customer/") else logins.partner_cookie
    return {"Cookie": cookie}


# --- the run -------------------------------------------------------------------------------

def run(args, logins: Logins, portal: str, anchor: str) -> dict:
    """{(path, round): (portal leg, anchor leg)} after a short warm-up of each."""
    lists = [p for p in LISTS if not args.only or args.only in p]
    for path in lists:
        for base in (portal, anchor):
            drive(base, path, headers_for(path, logins), 2.0, args.connections)
    legs = {}
    for number in range(1, args.rounds + 1):
        for path in lists:
            order = (portal, anchor) if number % 2 else (anchor, portal)
            done = {base: drive(base, path, headers_for(path, logins), args.seconds,
                                args.connections) for base in order}
            legs[path, number] = (done[portal], done[anchor])
            print(f"  round {number} {path}: portal {done[portal].per_second:.1f} req/s, "
                  f"anchor {done[anchor].per_second:.1f} req/s", flush=True)
    return legs


def report(legs: dict, args) -> None:
    header = ("list", "round", "portal req/s", "anchor req/s", "ratio", "portal p50/p95/p99 ms",
              "anchor p50/p95/p99 ms", "errors")
    rows = [header]
    for (path, number), (mine, bare) in legs.items():
        rows.append((path, str(number), f"{mine.per_second:.1f}", f"{bare.per_second:.1f}",
                     f"{mine.per_second / bare.per_second:.2f}x", _ps(mine), _ps(bare),
                     f"{mine.errors}/{bare.errors}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print()
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    if args.duties:
        print("\n'portal' above is the anchor with a compliant page's duties, not the portal.")
    print("\nMedian ratio over the rounds (goal >= 0.5x):")
    for path in dict.fromkeys(p for p, _ in legs):
        ratios = [m.per_second / b.per_second for (p, _), (m, b) in legs.items() if p == path]
        ratio = statistics.median(ratios)
        print(f"  {path:22} {ratio:.2f}x  {'met' if ratio >= GOAL else 'MISSED'}")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"\n{os.cpu_count()} CPUs; {args.workers} sync workers each; {args.connections} "
          f"connections; {args.seconds:g} s per list, side and round; AUDIT_SEALING="
          f"{args.sealing}; load average (1, 5, "
          f"15 min) at the end: {load}.")


def _ps(leg: Leg) -> str:
    return "/".join(f"{leg.percentile(p):.0f}" for p in (50, 95, 99))


def main(argv=None) -> None:
    args = parse_args(argv)
    logins = ensure_data(args.database_url)
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        seal_backlog(args.database_url, scratch)
        portal = stack.enter_context(portal_server(args.database_url, args.workers, scratch,
                                                     args.sealing))
        if args.duties:  # the logins below still go through the real portal
            anchor_app.make_log_table(args.database_url)
            duties = stack.enter_context(anchor_server(args.database_url, args.workers, logins,
                                                       duties=True, port=DUTIES_PORT))
        anchor = stack.enter_context(anchor_server(args.database_url, args.workers, logins))
        logins.partner_cookie = login_cookie(portal, ADMIN_EMAIL)
        logins.customer_cookie = login_cookie(portal, CUSTOMER_EMAIL)
        print(f"Portal on {portal}, anchor on {anchor}; measuring...", flush=True)
        legs = run(args, logins, duties if args.duties else portal, anchor)
    report(legs, args)


if __name__ == "__main__":
    main()

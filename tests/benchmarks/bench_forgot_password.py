"""Forgot-password answer times for a known and an unknown address, measured by hand.

Run from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_forgot_password [--requests N] [--database-url URL]

It builds the app on a throwaway SQLite file (or the database URL given, which must be
empty), migrates it, adds one customer login, starts a local SMTP server (aiosmtpd, in
its own process, as a real mail server would be) for the outbox, and posts the
forgot-password form N times for the known address and N times for an unknown one,
interleaved, each from a fresh browser. Each time is taken from the post to the answer;
the look-up and the mail happen when the answer is closed, outside the time, as they do
after the server has sent it. It prints the median of each and their ratio
(known / unknown), which should be close to 1.
The suite asserts the same thing structurally (tests/web/test_sign_in_limits.py); times
are too noisy on a shared machine to assert.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate

from portal import create_app
from portal.extensions import db
from tests.factories import make_customer, make_user


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed() -> str:
    customer = make_customer(db.session, "AC-BENCH-1", "Bench Customer")
    user = make_user(db.session, "bench@customer.test", "customer_admin",
                     customer_id=customer.id)
    db.session.commit()
    return user.email


def _smtp_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                               f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("The SMTP server did not start.")


def _time_post(app, email: str) -> float:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/auth/forgot", data={"email": email})
    elapsed = time.perf_counter() - started
    response.close()  # sends the queued mail, outside the measured time
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-forgot-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    port = _free_port()
    smtp = _smtp_server(port)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
                      "MAIL_PORT": port, "PDF_CACHE_DIR": str(workdir / "pdf")})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            known = _seed()
        times = {"known": [], "unknown": []}
        for number in range(args.requests):
            times["known"].append(_time_post(app, known))
            times["unknown"].append(_time_post(app, f"nobody{number}@nowhere.test"))
    finally:
        smtp.terminate()
        smtp.wait()
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    print(f"{args.requests} requests each on {url.split(':')[0]}")
    print(f"known address:   median {medians['known']:.2f} ms")
    print(f"unknown address: median {medians['unknown']:.2f} ms")
    print(f"ratio known/unknown: {medians['known'] / medians['unknown']:.2f}")


if __name__ == "__main__":
    main()

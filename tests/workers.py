"""Real Celery workers for the tests: subprocesses on the local Redis and the test database.

`running_workers` (the body of a test module's `workers` fixture) points the test app at
Redis under a key prefix of its own (so parallel test runs never share a queue), starts
workers on demand (`workers.start()`), and stops them all, and empties its keys, when
the test ends. A worker is another
process: it reads the test's database through DATABASE_URL, which is a file for SQLite
and a throwaway database for PostgreSQL (tests/conftest.py), and mails the test's SMTP
server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from portal.tasks import celery_init_app

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 15
ROOT = Path(__file__).resolve().parent.parent
VISIBILITY_SECONDS = 4  # a dead worker's task is handed on after this (and a sweep)
CELERY_KEYS = ("CELERY_BROKER_URL", "CELERY_KEY_PREFIX", "CELERY_VISIBILITY_TIMEOUT")


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Workers:
    """Celery worker processes of one test, each in a process group of its own."""

    def __init__(self, app, log_dir: Path, prefix: str):
        self.app, self.log_dir, self.prefix = app, log_dir, prefix
        self.processes: list[subprocess.Popen] = []

    def start(self, **settings) -> subprocess.Popen:
        """Start a worker (extra settings as environment variables); return once ready."""
        name = f"w{len(self.processes) + 1}"
        log = self.log_dir / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "portal.worker", "worker",
                   "--pool", "solo", "--loglevel", "INFO", "--hostname", f"{name}@test",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log, "wb") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=self._environment(settings),
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        self._wait_ready(process, log)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """Kill a worker at once, as a crash would: no chance to finish or hand back."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def in_flight(self) -> list[str]:
        """Ids of the tasks handed to a worker and not yet acknowledged (kombu keeps them
        in its `unacked` hash until the worker acknowledges them)."""
        import json

        import redis

        with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB) as client:
            held = client.hvals(f"{self.prefix}unacked")
        return [json.loads(entry)[0]["headers"]["id"] for entry in held]

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.log_dir.glob("w*.log")))

    def _environment(self, settings: dict) -> dict:
        config = self.app.config
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": config["SECRET_KEY"],
            "AUDIT_LOG_KEY": config["AUDIT_LOG_KEY"],
            "AUDIT_CHECKPOINT_DIR": config["AUDIT_CHECKPOINT_DIR"],
            "PDF_CACHE_DIR": config["PDF_CACHE_DIR"],
            "STATEMENT_BATCH_DIR": config["STATEMENT_BATCH_DIR"],
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": config["MAIL_SERVER"],
            "SMTP_PORT": str(config["MAIL_PORT"]),
            "PUBLIC_URL": config["PUBLIC_URL"],
            "CELERY_BROKER_URL": config["CELERY_BROKER_URL"],
            "CELERY_KEY_PREFIX": self.prefix,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        })
        env.update({key: str(value) for key, value in settings.items()})
        return env

    def _wait_ready(self, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in log.read_bytes():
                return
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the worker did not start:\n{log.read_text(errors='replace')}")


def running_workers(app, tmp_path: Path):
    """Body of a `workers` fixture: workers on Redis for one test, to which the test app
    sends its jobs meanwhile; all stopped, and the test's keys dropped, at its end."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}; the worker tests "
                    "need it (CI starts one)")
    prefix = f"portal-test-{uuid.uuid4().hex[:12]}:"
    saved = {key: app.config[key] for key in CELERY_KEYS}
    app.config.update(CELERY_BROKER_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
                      CELERY_KEY_PREFIX=prefix, CELERY_VISIBILITY_TIMEOUT=VISIBILITY_SECONDS)
    celery_init_app(app)
    pool = Workers(app, tmp_path, prefix)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.extensions["celery"].close()
        app.config.update(saved)
        celery_init_app(app)
        _forget_keys(prefix)


def _forget_keys(prefix: str) -> None:
    import redis

    with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB) as client:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)

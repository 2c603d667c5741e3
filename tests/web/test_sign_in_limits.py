"""Rate limits on the sign-in forms, HSTS in production, and a forgot-password answer
that does the same work whether or not the address belongs to an account."""

from __future__ import annotations

import socket

import pytest
from flask import Flask

from billing.parties import identity
from portal import create_app
from portal.auth import views
from portal.extensions import db as _db
from portal.extensions import limiter
from tests.conftest import csrf_token
from tests.querycount import counted

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def other_app(database_url, db):
    """Builds a second app on the test database with some settings changed; afterwards
    the shared limiter counts in memory again, as the suite's app expects."""
    built = []

    def build(**settings):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET,
                          "AUDIT_LOG_KEY": SECRET, "TESTING": True, **settings})
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            _db.engine.dispose()
    memory = Flask("memory")
    memory.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(memory)


def _forgot(client, email, token, **kwargs):
    return client.post("/auth/forgot", data={"csrf_token": token, "email": email}, **kwargs)


def test_hsts_in_production_only(client, other_app):
    production = other_app(PORTAL_ENV="production")
    header = production.test_client().get("/auth/login").headers
    assert header["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_the_41st_forgot_request_in_a_minute_gets_429_and_sends_no_mail(client, world,
                                                                        mailbox):
    token = csrf_token(client, "/auth/forgot")
    for number in range(40):
        _forgot(client, f"nobody{number}@nowhere.test", token).close()
    response = _forgot(client, world.users["customer_admin"].email, token)
    response.close()
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_forgot_requests_for_one_address_are_limited_from_any_client(app, world, db,
                                                                     mailbox):
    email = world.users["customer_admin"].email
    answers = []
    for number in range(6):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        response = _forgot(client, email, csrf_token(client, "/auth/forgot"))
        response.close()
        answers.append(response.status_code)
    assert answers == [302] * 5 + [429]
    assert len(mailbox.messages) == 5


def test_login_is_limited_per_client_with_a_json_answer_for_json_callers(client, world):
    token = csrf_token(client, "/auth/login")
    for number in range(40):
        client.post("/auth/login", data={"csrf_token": token,
                                         "email": f"nobody{number}@nowhere.test",
                                         "password": "wrong"})
    response = client.post("/auth/login", json={"email": "x@y.test", "password": "z"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in response.headers


def test_login_is_limited_per_typed_address_and_the_lockout_stays(app, world, db):
    email = world.users["channel_admin"].email
    answers, locked = [], []
    for number in range(11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        response = client.post("/auth/login", data={
            "csrf_token": csrf_token(client, "/auth/login"), "email": email,
            "password": "wrong-password-000"})
        answers.append(response.status_code)
        locked.append("is locked for 15 minutes" in response.get_data(as_text=True))
    assert answers == [401] * 10 + [429]
    assert locked == [False] * 5 + [True] * 5 + [False]  # the lockout still answers first


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_limits_count_in_redis_when_configured(other_app, world):
    import redis

    store = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    store.flushdb()
    app = other_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                    MAIL_DELIVERY="worker")
    client = app.test_client()
    token = csrf_token(client, "/auth/forgot")
    answers = [_forgot(client, f"nobody{n}@nowhere.test", token).status_code
               for n in range(41)]
    assert answers == [302] * 40 + [429]
    assert store.keys("*forgot*")  # the counters live in Redis, shared by every worker
    store.flushdb()


def _spy(monkeypatch, owner, name):
    calls = []
    original = getattr(owner, name)

    def spy(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def _inserts(statements) -> list[str]:
    return sorted(s.split("(")[0].split()[-1] for s in statements
                  if s.lstrip().upper().startswith("INSERT"))


def _reads(statements) -> list[str]:
    return [s for s in statements if not s.lstrip().upper().startswith("INSERT")]


def test_forgot_does_the_same_work_for_known_and_unknown_addresses(app, client, world,
                                                                   mailbox, monkeypatch):
    """Structural, not timed: up to the answer both requests do exactly the same (a
    token made, the message written, no SQL, no password hash, no mail server); after
    the answer both look the address up and compute the token's digest, and a known
    address adds only its two inserts and the mail.
    (tests/benchmarks/bench_forgot_password.py measures the times by hand.)"""
    calls = {name: _spy(monkeypatch, owner, name) for owner, name in (
        (identity, "new_reset_token"), (identity, "_digest"), (identity, "hash_password"),
        (identity, "_verify"), (views, "_reset_mail"))}
    token = csrf_token(client, "/auth/forgot")
    work = {}
    for kind, email in (("known", world.users["customer_admin"].email),
                        ("unknown", "nobody@nowhere.test")):
        for made in calls.values():
            made.clear()
        with app.app_context(), counted(_db.engine) as answering:
            response = _forgot(client, email, token)
        assert response.status_code == 302 and mailbox.messages == []
        before = {name: len(made) for name, made in calls.items()}
        with app.app_context(), counted(_db.engine) as afterwards:
            response.close()
        after = {name: len(made) for name, made in calls.items()}
        work[kind] = (answering, before, after, _reads(afterwards), _inserts(afterwards),
                      len(mailbox.messages))
        mailbox.clear()
    known, unknown = work["known"], work["unknown"]
    assert known[0] == unknown[0] == []  # no SQL before the answer
    assert known[1] == unknown[1] == {"new_reset_token": 1, "_digest": 0,
                                      "hash_password": 0, "_verify": 0, "_reset_mail": 1}
    assert known[2] == unknown[2] == {**known[1], "_digest": 1}
    assert known[3][:1] == unknown[3][:1]  # the same look-up of the address
    assert (known[4], unknown[4]) == (["outbound_mail", "password_reset"], [])
    assert (known[5], unknown[5]) == (1, 0)


def test_forgot_in_worker_mode_leaves_the_link_in_the_outbox(client, world, mailbox,
                                                            session, app):
    from sqlalchemy import select

    from billing.core.models import OutboundMail

    app.config["MAIL_DELIVERY"] = "worker"
    try:
        _forgot(client, world.users["customer_admin"].email,
                csrf_token(client, "/auth/forgot")).close()
    finally:
        app.config["MAIL_DELIVERY"] = "inline"
    queued = session.scalars(select(OutboundMail)).all()
    assert [(m.to_address, m.status, m.kind) for m in queued] == [
        (world.users["customer_admin"].email, "pending", "password_reset_link")]
    assert "/auth/reset/" in queued[0].body and mailbox.messages == []

"""Fixtures: one app per test session on SQLite or PostgreSQL, emptied between tests.

Set TEST_DATABASE_URL to a PostgreSQL server URL to run the suite there: a throwaway
database is created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import os
import re
import socket
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db as _db
from portal.jobs import wait_for_background_jobs
from tests.cleanup import empty_database
from tests.stripe_server import stripe_server  # noqa: F401  (a fixture, used by name)

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_report_header(config):
    if SERVER_URL.startswith("postgresql"):
        return f"database: PostgreSQL, throwaway database on {sa.make_url(SERVER_URL).host}"
    return "database: SQLite (set TEST_DATABASE_URL for PostgreSQL)"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not SERVER_URL.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    server = sa.make_url(SERVER_URL)
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as in production.

    Tests hold an app context for their own database work; without this, requests
    would reuse it and share `g` and the database session with the test and each other.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class MailBox:
    """Collects what the real SMTP server started for the tests receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def clear(self):
        self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    box = MailBox()
    with socket.socket() as probe:  # a free port; the controller cannot be given port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, box
    controller.stop()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory, smtp_server):
    controller, _ = smtp_server
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "TESTING": True,
        "PDF_CACHE_DIR": str(tmp_path_factory.mktemp("pdf")),
        "STATEMENT_BATCH_DIR": str(tmp_path_factory.mktemp("statement-batches")),
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "PUBLIC_URL": "http://portal.test",
        "AUDIT_LOG_KEY": "test-audit-log-key-that-is-long-enough-0123456789",
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        flask_migrate.upgrade()  # the suite runs on the migrated schema, not create_all
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app, tmp_path):
    """The database, emptied after each test; a fresh PDF cache and disclosure log
    checkpoint directory for each test too."""
    from portal.extensions import limiter

    app.config["PDF_CACHE_DIR"] = str(tmp_path / "pdf")
    app.config["STATEMENT_BATCH_DIR"] = str(tmp_path / "statement-batches")
    app.config["AUDIT_CHECKPOINT_DIR"] = str(tmp_path / "audit-checkpoints")
    limiter.reset()  # every test logs in from the same client address
    with app.app_context():
        yield _db
        # A job a page started in a thread must not outlive its test: it would find the
        # next test's rows under the same ids (a run finished by the wrong job).
        wait_for_background_jobs(timeout=30)
        _db.session.rollback()
        _db.session.remove()
        empty_database(_db.engine, _db.metadata)


@pytest.fixture
def session(db):
    return db.session


@pytest.fixture
def mailbox(smtp_server):
    _, box = smtp_server
    box.clear()
    yield box
    box.clear()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def world(db):
    from tests.factories import build_world

    world = build_world(db.session)
    db.session.commit()
    return world


def csrf_token(client, url: str) -> str:
    """Fetch a page as a browser would and read the CSRF token from its form."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, user, password=None):
    """Log in through the login form (and the second factor for staff)."""
    import pyotp

    from tests.factories import PASSWORD

    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={
        "csrf_token": token, "email": user.email, "password": password or PASSWORD})
    if user.is_staff:
        token = csrf_token(client, "/auth/totp")
        code = pyotp.TOTP(user.totp_secret).now()
        response = client.post("/auth/totp", data={"csrf_token": token, "code": code})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client, world):
    """Log the test client in as one of the world's users, by key."""

    def _login(key):
        login(client, world.users[key])
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    """postgres_only tests need row locks and real concurrency: they run in the PostgreSQL pass."""
    if SERVER_URL.startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL; runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)

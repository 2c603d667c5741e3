"""The anchor of the served benchmark: a bare Flask + SQLAlchemy app over the same database.

It answers the four lists the benchmark measures with one SELECT each, a 50-row page,
no login, no access policy, no CPNI logging and no translations: what a page of these
rows costs at the least on this machine. bench_served.py runs it under gunicorn beside
the portal:

    ANCHOR_DATABASE_URL=... ANCHOR_PARTNER_ID=1 ANCHOR_CUSTOMER_ID=7 \
        gunicorn -w 2 tests.benchmarks.anchor_app:app
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, jsonify, render_template_string

PAGE = 50

TABLE = """<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1>
<table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>
{% endfor %}</table>"""

PARTNER_INVOICES = sa.text(
    "SELECT i.id, i.number, c.name, i.period_end, i.status, i.total_minor, i.currency "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.partner_id = :owner "
    "ORDER BY i.period_end DESC, i.id DESC LIMIT :size")
PARTNER_CUSTOMERS = sa.text(
    "SELECT id, account_number, name, city, country FROM customer WHERE partner_id = :owner "
    "ORDER BY name, id LIMIT :size")
CUSTOMER_INVOICES = sa.text(
    "SELECT id, number, period_end, status, total_minor, currency FROM invoice "
    "WHERE customer_id = :owner ORDER BY period_end DESC, id DESC LIMIT :size")


def create_anchor(url: str, partner_id: int, customer_id: int) -> Flask:
    """The bare app: its own engine (a pool per worker), four routes."""
    app = Flask(__name__)
    engine = sa.create_engine(url, pool_size=5)

    def rows(statement, owner: int) -> list:
        with engine.connect() as connection:
            return connection.execute(statement, {"owner": owner, "size": PAGE}).all()

    @app.get("/partner/invoices")
    def partner_invoices():
        return render_template_string(TABLE, title="Invoices",
                                      rows=rows(PARTNER_INVOICES, partner_id))

    @app.get("/partner/customers")
    def partner_customers():
        return render_template_string(TABLE, title="Customers",
                                      rows=rows(PARTNER_CUSTOMERS, partner_id))

    @app.get("/customer/invoices")
    def customer_invoices():
        return render_template_string(TABLE, title="Invoices",
                                      rows=rows(CUSTOMER_INVOICES, customer_id))

    @app.get("/api/v1/invoices")
    def api_invoices():
        data = [{"id": r.id, "number": r.number, "customer": r.name,
                 "period_end": r.period_end.isoformat(), "status": r.status,
                 "total_minor": r.total_minor, "currency": r.currency}
                for r in rows(PARTNER_INVOICES, partner_id)]
        return jsonify(data=data, next_cursor=str(data[-1]["id"]) if data else None)

    return app


def _from_env() -> Flask | None:
    url = os.environ.get("ANCHOR_DATABASE_URL")
    if not url:
        return None
    return create_anchor(url, int(os.environ["ANCHOR_PARTNER_ID"]),
                         int(os.environ["ANCHOR_CUSTOMER_ID"]))


app = _from_env()

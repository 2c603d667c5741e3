"""The anchor of the served benchmark: a bare Flask + SQLAlchemy app over the same database.

It answers the four lists the benchmark measures with one SELECT each, a 50-row page,
no login, no access policy, no CPNI logging and no translations: what a page of these
rows costs at the least on this machine. bench_served.py runs it under gunicorn beside
the portal.

With ANCHOR_DUTIES=1 each answer also does, in plain SQL, what no compliant page of this
portal may skip: read the signed-in user's row, read the page's customers' CPNI
approvals for the partner, log a disclosure per approving customer and commit. The
disclosures go into `bench_anchor_disclosure`, a table made like the real log (its
columns, defaults, indexes and foreign keys), so that the portal's sealer never meets
them. `--duties` of
bench_served.py serves this beside the other two, to show how close to the anchor a page
that keeps these duties can come at all:

    ANCHOR_DATABASE_URL=... ANCHOR_PARTNER_ID=1 ANCHOR_CUSTOMER_ID=7 \
        gunicorn -w 2 tests.benchmarks.anchor_app:app
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, g, jsonify, render_template_string

PAGE = 50

TABLE = """<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1>
<table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>
{% endfor %}</table>"""

PARTNER_INVOICES = sa.text(
    "SELECT i.id, i.number, c.name, i.period_end, i.status, i.total_minor, i.currency, "
    "i.customer_id "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.partner_id = :owner "
    "ORDER BY i.period_end DESC, i.id DESC LIMIT :size")
PARTNER_CUSTOMERS = sa.text(
    "SELECT id, account_number, name, city, country, id AS customer_id FROM customer "
    "WHERE partner_id = :owner "
    "ORDER BY name, id LIMIT :size")
CUSTOMER_INVOICES = sa.text(
    "SELECT id, number, period_end, status, total_minor, currency FROM invoice "
    "WHERE customer_id = :owner ORDER BY period_end DESC, id DESC LIMIT :size")


def create_anchor(url: str, partner_id: int, customer_id: int, duties: bool = False) -> Flask:
    """The bare app: its own engine (a pool per worker), four routes; with `duties`, each
    also does a compliant page's database work (see above)."""
    app = Flask(__name__)
    engine = sa.create_engine(url, pool_size=5)

    def rows(statement, owner: int) -> list:
        with engine.connect() as connection:
            result = connection.execute(statement, {"owner": owner, "size": PAGE})
            found = result.all()
        g.customer_ids = sorted({row.customer_id for row in found}
                                if "customer_id" in result.keys() else ())
        return found

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

    if duties:
        for name, view in list(app.view_functions.items()):
            if name != "static":  # a customer's own invoices are no disclosure
                app.view_functions[name] = _with_duties(view, engine, partner_id,
                                                        logs=name != "customer_invoices")
    return app


APPROVING = sa.text(
    "SELECT DISTINCT a.customer_id FROM cpni_approval a WHERE a.partner_id = :partner "
    "AND a.customer_id IN :ids AND a.revoked_at IS NULL "
    "AND (a.expires_at IS NULL OR a.expires_at > now())"
).bindparams(sa.bindparam("ids", expanding=True))
LOG_TABLE = "bench_anchor_disclosure"
LOG = sa.text(
    f"INSERT INTO {LOG_TABLE} (customer_id, user_id, partner_id, surface, purpose, "
    "subject, occurred_at) SELECT c, :user_id, :partner, 'page', 'partner_access', "
    "'invoice list', now() FROM unnest(CAST(:ids AS integer[])) AS c")


def make_log_table(url: str) -> None:
    """The duties' disclosure table, once, before the workers start (bench_served.py)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table(LOG_TABLE):
                connection.execute(sa.text(
                    f"CREATE TABLE {LOG_TABLE} (LIKE cpni_disclosure INCLUDING ALL)"))
                for column, target in (("customer_id", "customer"),
                                       ("user_id", "user_account"), ("partner_id", "partner")):
                    connection.execute(sa.text(
                        f"ALTER TABLE {LOG_TABLE} ADD FOREIGN KEY ({column}) "
                        f"REFERENCES {target} (id)"))
    finally:
        engine.dispose()


def _with_duties(view, engine, partner_id: int, logs: bool):
    """`view` after the duties: the user's row, then (`logs`) the approvals of the page's
    customers, their disclosures and a commit."""
    def answer():
        body = view()
        with engine.begin() as connection:
            user = connection.execute(sa.text(
                "SELECT id, email, role, partner_id FROM user_account "
                "WHERE partner_id = :owner ORDER BY id LIMIT 1"), {"owner": partner_id}).first()
            if not logs:
                return body
            approving = [row.customer_id for row in connection.execute(
                APPROVING, {"partner": partner_id, "ids": g.customer_ids})]
            if approving:
                connection.execute(LOG, {"user_id": user.id, "partner": partner_id,
                                         "ids": approving})
        return body

    return answer


def _from_env() -> Flask | None:
    url = os.environ.get("ANCHOR_DATABASE_URL")
    if not url:
        return None
    return create_anchor(url, int(os.environ["ANCHOR_PARTNER_ID"]),
                         int(os.environ["ANCHOR_CUSTOMER_ID"]),
                         duties=os.environ.get("ANCHOR_DUTIES") == "1")


app = _from_env()

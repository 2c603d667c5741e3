"""billing.core.bulk: many rows in one go (COPY on PostgreSQL, executemany on SQLite), with
the same results either way: a row already there is skipped, updates hit only their rows."""

from datetime import UTC, datetime

from sqlalchemy import select

from billing.core.bulk import insert_rows, update_rows
from billing.payments.models import StripeCustomer
from tests.factories import make_customer

AT = datetime(2026, 4, 10, 18, tzinfo=UTC)


def stored(session):
    return sorted(session.execute(select(StripeCustomer.stripe_id, StripeCustomer.customer_id,
                                         StripeCustomer.currency)).all())


def test_rows_already_there_are_skipped_the_rest_inserted(session, world):
    one, two = (make_customer(session, f"BULK-{n}", f"Bulk {n}") for n in (1, 2))
    table = StripeCustomer.__table__
    insert_rows(session, table, [dict(customer_id=one.id, currency="USD", stripe_id="cus_A",
                                      created_at=AT)], skip_conflicts_on="stripe_id")
    insert_rows(session, table, [
        dict(customer_id=two.id, currency="USD", stripe_id="cus_A", created_at=AT),
        dict(customer_id=two.id, currency="EUR", stripe_id="cus_B", created_at=AT),
    ], skip_conflicts_on="stripe_id")
    assert stored(session) == [("cus_A", one.id, "USD"), ("cus_B", two.id, "EUR")]


def test_updates_set_each_named_row(session, world):
    one = make_customer(session, "BULK-3", "Bulk 3")
    table = StripeCustomer.__table__
    insert_rows(session, table, [dict(customer_id=one.id, currency=c, stripe_id=f"cus_{c}",
                                      created_at=AT) for c in ("USD", "EUR", "GBP")])
    ids = dict(session.execute(select(StripeCustomer.currency, StripeCustomer.id)).all())
    update_rows(session, table, "id", [dict(id=ids["USD"], stripe_id="cus_new_usd"),
                                       dict(id=ids["GBP"], stripe_id="cus_new_gbp")])
    assert [s for s, *_ in stored(session)] == ["cus_EUR", "cus_new_gbp", "cus_new_usd"]

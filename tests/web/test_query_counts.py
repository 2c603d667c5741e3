"""List pages issue the same number of queries whatever the size of the data."""

from datetime import date

import pytest

from billing.invoicing.models import Invoice
from tests.factories import approve, make_customer
from tests.querycount import counted

LISTS = ["/partner/customers", "/partner/invoices", "/api/v1/invoices", "/api/v1/customers",
         "/partner/invoices?q=qc-0", "/api/v1/invoices?number=QC-0"]


def _grow(session, world, first: int, customers: int, invoices_each: int):
    partner = world.partners["channel"]
    for n in range(first, first + customers):
        customer = make_customer(session, f"QC-{n:05d}", f"Query Customer {n:05d}",
                                 partner=partner)
        if n % 2:
            approve(session, customer, partner)
        session.add_all(
            Invoice(customer=customer, number=f"QC-{n:05d}-{m}", status="issued",
                    period_start=date(2026, m, 1), period_end=date(2026, m, 25),
                    currency="USD", total_minor=1000 + m, bill_to={})
            for m in range(1, invoices_each + 1)
        )
    session.commit()


def _queries(client, db, url, headers):
    with counted(db.engine) as statements:
        assert client.get(url, headers=headers).status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_the_same_for_10_and_1000_rows(login_as, session, world, db, url):
    from billing.core.clock import utcnow
    from billing.parties import identity

    client = login_as("channel_admin")
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="qc", now=utcnow())
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    _grow(session, world, 0, customers=5, invoices_each=2)  # ~10 rows
    client.get(url, headers=headers)  # first use of the token records last_used_at
    small = _queries(client, db, url, headers)
    more = 995 if "customers" in url else 500
    _grow(session, world, 5, customers=more, invoices_each=2)  # ~1,000 rows
    large = _queries(client, db, url, headers)
    assert small == large, f"{url}: {small} queries for ~10 rows, {large} for ~1,000"

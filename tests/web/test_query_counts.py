"""List pages issue the same number of queries whatever the size of the data."""

import re
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
def test_list_query_count_is_the_same_for_100_and_1000_rows(login_as, session, world, db, url):
    from billing.core.clock import utcnow
    from billing.parties import identity

    client = login_as("channel_admin")
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="qc", now=utcnow())
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    _grow(session, world, 0, customers=60, invoices_each=2)  # over a page: ~100 rows
    client.get(url, headers=headers)  # first use of the token records last_used_at
    small = _queries(client, db, url, headers)
    more = 940 if "customers" in url else 440
    _grow(session, world, 60, customers=more, invoices_each=2)  # ~1,000 rows
    large = _queries(client, db, url, headers)
    assert small == large, f"{url}: {small} queries for ~100 rows, {large} for ~1,000"


@pytest.mark.parametrize("url", ["/partner/customers", "/partner/invoices"])
def test_a_list_on_one_page_is_not_counted_again(login_as, session, world, db, url):
    """A first page with no page after it shows its own length as the total and spends no
    query on counting; one more row than a page brings the count (and its total) back."""
    client = login_as("channel_admin")
    _grow(session, world, 0, customers=10, invoices_each=2)
    client.get(url)
    with counted(db.engine) as statements:
        html = client.get(url).get_data(as_text=True)
    rows = len(set(re.findall(rf'href="{url}/(\d+)"', html)))
    assert not any("count(" in sql.lower() for sql in statements)
    assert f"{rows} results" in html and 0 < rows < 50
    _grow(session, world, 10, customers=50, invoices_each=2)
    with counted(db.engine) as statements:
        html = client.get(url).get_data(as_text=True)
    assert sum("count(" in sql.lower() for sql in statements) == 1
    assert "Next" in html

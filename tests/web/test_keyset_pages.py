"""The big lists page by "previous / next" links, each naming where its page starts.

Walking forward and back gives every row exactly once, in the list's order; a tampered
link is a clear 400; the total is exact up to its cap and "more than" beyond; an old
?page=N link still opens that page.
"""

import re
from datetime import date

import pytest

from billing.invoicing.models import Invoice
from billing.parties.models import Customer, Partner
from portal import keyset
from tests.factories import make_customer

INVOICE_LINK = re.compile(r'href="/partner/invoices/(\d+)"')
CUSTOMER_LINK = re.compile(r'href="/partner/customers/(\d+)"')


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


def _invoices(session, world, count: int) -> list[int]:
    """`count` more issued invoices for the channel partner (two per customer, period ends
    shared by many), and the ids of every invoice its list holds, in the list's order:
    period end newest first, then id newest first (worked out here, not by the portal)."""
    partner = world.partners["channel"]
    for n in range(count // 2):
        customer = make_customer(session, f"KS-{n:04d}", f"Keyset {n:04d}", partner=partner)
        session.add_all(Invoice(customer=customer, number=f"KS-{n:04d}-{m}", status="issued",
                                period_start=date(2019, 1, 1), currency="USD",
                                total_minor=100 + n, bill_to={},
                                period_end=date(2019, n % 3 + m, 25)) for m in (1, 4))
    session.commit()
    subtree = [p.id for p in session.query(Partner)
               if p.tree_path.startswith(partner.tree_path)]
    listed = (session.query(Invoice).join(Invoice.customer)
              .filter(Customer.partner_id.in_(subtree), Invoice.status != "draft").all())
    return [inv.id for inv in sorted(listed, key=lambda i: (i.period_end, i.id), reverse=True)]


def _walk(client, first: str, pattern, rel: str = "next"):
    """Follow `rel` links from `first` to the end: the ids of each page visited."""
    pages, url = [], first
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append([int(i) for i in pattern.findall(html)])
        url = _link(html, rel)
    return pages, html


def test_next_links_walk_every_invoice_once_in_order_and_previous_walks_back(
        login_as, session, world):
    listed = _invoices(session, world, 120)
    assert 120 < len(listed) <= 150  # ours and the world's few: three pages
    client = login_as("channel_admin")
    pages, last = _walk(client, "/partner/invoices", INVOICE_LINK)
    assert [len(p) for p in pages] == [50, 50, len(listed) - 100]
    assert [i for page in pages for i in page] == listed
    assert f"{len(listed)} results" in last
    back, first = _walk(client, _link(last, "prev"), INVOICE_LINK, rel="prev")
    assert back == [pages[1], pages[0]]
    assert _link(first, "prev") is None and "Page " not in first


def test_a_single_page_has_no_links(login_as, session, world):
    listed = _invoices(session, world, 2)
    customer_id = session.query(Customer).filter_by(account_number="KS-0000").one().id
    html = login_as("channel_admin").get(
        f"/partner/invoices?customer_id={customer_id}").get_data(as_text=True)
    assert [int(i) for i in INVOICE_LINK.findall(html)] == [i for i in listed if i in set(
        [inv.id for inv in session.query(Invoice).filter_by(customer_id=customer_id)])]
    assert _link(html, "next") is None and _link(html, "prev") is None
    assert "2 results" in html


def test_customers_page_by_name(login_as, session, world):
    partner = world.partners["channel"]
    for n in range(60):  # names sort apart from account numbers: Z-59 first by number
        make_customer(session, f"KC-{n:04d}", f"Keyset {(n * 37) % 60:02d}", partner=partner)
    session.commit()
    client = login_as("channel_admin")
    pages, _ = _walk(client, "/partner/customers?q=Keyset+", CUSTOMER_LINK)
    assert [len(p) for p in pages] == [50, 10]
    names = _names(session, [i for p in pages for i in p])
    assert names == [f"Keyset {n:02d}" for n in range(60)]


def _names(session, ids):
    by_id = {c.id: c.name for c in session.query(Customer).filter(Customer.id.in_(ids))}
    return [by_id[i] for i in ids]


def test_the_total_stops_counting_at_its_cap(login_as, session, world, monkeypatch):
    monkeypatch.setattr(keyset, "TOTAL_CAP", 100)
    listed = _invoices(session, world, 120)
    html = login_as("channel_admin").get("/partner/invoices").get_data(as_text=True)
    assert "More than 100 results" in html and f"{len(listed)} results" not in html


@pytest.mark.parametrize("query", ["after=abc", "after=WzFd", "before=eyJhIjoxfQ",
                                   "after=WyIyMDI2LTEzLTAxIiwxXQ", "after=%C3%A9",
                                   "after=WyIyMDI2LTAxLTAxIiwxXQ&before=WyIyMDI2LTAxLTAxIiwxXQ"])
def test_a_tampered_page_link_is_a_clear_400(login_as, query):
    # WzFd is [1] (one value, two expected); eyJhIjoxfQ is {"a":1}; the fourth names
    # month 13; the last gives both directions at once.
    response = login_as("channel_admin").get(f"/partner/invoices?{query}")
    assert response.status_code == 400
    assert "The page link is not valid" in response.get_data(as_text=True)


def test_an_old_page_number_link_opens_that_page(login_as, session, world):
    listed = _invoices(session, world, 120)
    client = login_as("channel_admin")
    html = client.get("/partner/invoices?page=2").get_data(as_text=True)
    assert [int(i) for i in INVOICE_LINK.findall(html)] == listed[50:100]
    following = client.get(_link(html, "next")).get_data(as_text=True)
    assert [int(i) for i in INVOICE_LINK.findall(following)] == listed[100:]
    back = client.get(_link(html, "prev")).get_data(as_text=True)
    assert [int(i) for i in INVOICE_LINK.findall(back)] == listed[:50]

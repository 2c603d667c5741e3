"""The statement download is linked wherever an account shows: the account lists and
pages of partners and staff, the customer's account page and every invoice page. Each
link goes to that audience's own statement route (which applies the access policy)."""

from __future__ import annotations

import pytest

from tests.pdf.pdftext import pdf_text


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("user", "list_url", "prefix"), [
    ("channel_admin", "/partner/customers", "/partner/customers"),
    ("staff", "/staff/?q=AC-0001", "/staff/customers"),
])
def test_account_lists_link_each_accounts_statement(login_as, world, user, list_url, prefix):
    html = page(login_as(user), list_url)
    assert f'href="{prefix}/{world.customers["channel"].id}/statement.pdf"' in html


@pytest.mark.parametrize(("user", "account_url"), [
    ("channel_admin", "/partner/customers/{id}"),
    ("staff", "/staff/customers/{id}"),
    ("customer_admin", "/customer/accounts/{id}"),
])
def test_account_pages_offer_the_statement_for_a_chosen_month(login_as, world, user,
                                                              account_url):
    customer_id = world.customers["channel"].id
    html = page(login_as(user), account_url.format(id=customer_id))
    statement = account_url.format(id=customer_id) + "/statement.pdf"
    assert f'action="{statement}"' in html and 'name="month"' in html


@pytest.mark.parametrize(("user", "prefix", "account_prefix"), [
    ("channel_admin", "/partner", "/partner/customers"),
    ("staff", "/staff", "/staff/customers"),
    ("customer_admin", "/customer", "/customer/accounts"),
])
def test_invoice_pages_link_the_accounts_statement(login_as, world, user, prefix,
                                                   account_prefix):
    invoice, customer_id = world.invoices["channel"], world.customers["channel"].id
    html = page(login_as(user), f"{prefix}/invoices/{invoice.id}")
    assert f'href="{account_prefix}/{customer_id}/statement.pdf"' in html


def test_the_partners_link_serves_the_statement_without_amounts(login_as, world):
    """The form's empty month is last month; no approval, so no amounts."""
    client = login_as("channel_admin")
    response = client.get(f"/partner/customers/{world.customers['channel'].id}/statement.pdf"
                          "?month=")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Amounts withheld" in " ".join(pdf_text(response.data).split())

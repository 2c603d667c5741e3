"""The brand on an account's documents: the rebiller's for its end customers only."""

from billing.parties.branding import document_brand
from tests.factories import add_rebiller_books


def test_a_rebillers_end_customer_carries_the_rebillers_brand(session, world):
    assert document_brand(world.customers["wholesale"]) == {"name": "Rebill Voice",
                                                            "color": "#0b7a75"}


def test_the_rebillers_own_wholesale_account_comes_from_the_provider(session, world):
    rebiller = add_rebiller_books(session, world)
    assert document_brand(rebiller.account) is None


def test_channel_and_direct_customers_carry_no_partner_brand(world):
    assert document_brand(world.customers["channel"]) is None
    assert document_brand(world.customers["direct"]) is None

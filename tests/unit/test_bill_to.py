"""The bill-to rule: a corporate pays for its locations; a split-out location for itself."""

from __future__ import annotations

from sqlalchemy import select

from billing.parties.bill_to import bill_to, billed_on_parent, receives_own_invoice
from billing.parties.models import Customer
from tests.factories import make_customer


def _split_out(session, world):
    return make_customer(session, "AC-0102", "Channel Customer Warehouse",
                         partner=world.partners["channel"], parent=world.customers["channel"],
                         pays_own_charges=True)


def test_a_location_is_billed_to_its_corporate_account(session, world):
    assert bill_to(world.customers["location"]) is world.customers["channel"]


def test_a_location_split_out_to_pay_its_own_charges_is_its_own_bill_to(session, world):
    warehouse = _split_out(session, world)
    assert bill_to(warehouse) is warehouse


def test_an_account_without_a_parent_is_its_own_bill_to(session, world):
    corporate = world.customers["channel"]
    assert bill_to(corporate) is corporate


def test_the_sql_form_of_the_rule_agrees_with_the_python_form(session, world):
    _split_out(session, world)
    session.flush()
    everyone = session.scalars(select(Customer)).all()
    own = set(session.scalars(select(Customer.id).where(receives_own_invoice())))
    on_parent = set(session.scalars(select(Customer.id).where(billed_on_parent())))
    assert own == {c.id for c in everyone if bill_to(c) is c}
    assert on_parent == {c.id for c in everyone if bill_to(c) is not c}
    assert on_parent == {world.customers["location"].id}

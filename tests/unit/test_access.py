"""The access policy: tenancy by role, and CPNI visibility by approval state."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.core.errors import NotFound
from billing.parties.models import Customer
from portal import access
from tests.factories import NOW, another_period_end, approve, make_invoice


def visible_accounts(session, user):
    return {c.name for c in session.scalars(access.customers_query(session, user))}


def test_channel_partner_sees_only_its_customers(session, world):
    names = visible_accounts(session, world.users["channel_admin"])
    assert names == {"Channel Customer", "Channel Customer Location"}


def test_agency_sees_its_whole_sub_agent_tree(session, world):
    names = visible_accounts(session, world.users["agency_admin"])
    assert names == {"Agency Customer", "Sub Customer", "Subsub Customer"}


def test_sub_agent_sees_only_its_own_branch(session, world):
    assert visible_accounts(session, world.users["subsub_admin"]) == {"Subsub Customer"}
    assert "Agency Customer" not in visible_accounts(session, world.users["sub_admin"])


def test_customer_sees_itself_and_its_sub_accounts(session, world):
    assert visible_accounts(session, world.users["customer_admin"]) == {
        "Channel Customer", "Channel Customer Location"}
    assert visible_accounts(session, world.users["location_admin"]) == {
        "Channel Customer Location"}


def test_staff_see_every_account(session, world):
    assert len(visible_accounts(session, world.users["staff"])) == len(world.customers)


def test_foreign_ids_are_not_found(session, world):
    user = world.users["channel_admin"]
    with pytest.raises(NotFound):
        access.get_customer(session, user, world.customers["other"].id)
    with pytest.raises(NotFound):
        access.get_invoice(session, user, world.invoices["other"].id)
    for junk in ("abc", "-1", "0", "99999999999999999999999"):
        with pytest.raises(NotFound):
            access.get_invoice(session, user, junk)


def test_drafts_are_hidden_from_partners_and_customers(session, world):
    invoice = make_invoice(session, world.customers["channel"], None, status="draft",
                           period_end=another_period_end())
    for key in ("channel_admin", "customer_admin"):
        with pytest.raises(NotFound):
            access.get_invoice(session, world.users[key], invoice.id)
    assert access.get_invoice(session, world.users["staff"], invoice.id) is invoice


@pytest.mark.parametrize("state, visible", [
    ("none", False), ("active", True), ("revoked", False), ("expired", False),
])
def test_partner_cpni_follows_the_approval_state(session, world, state, visible):
    customer = world.customers["channel"]
    if state != "none":
        approve(session, customer, world.partners["channel"], state)
    grant = access.cpni_access(session, world.users["channel_admin"], customer, NOW)
    assert grant.visible is visible
    assert grant.reason == (None if visible else "no_approval")


def test_approval_for_another_partner_does_not_count(session, world):
    customer = world.customers["sub"]
    approve(session, customer, world.partners["agency"])  # the agency, not the sub-agent
    assert not access.cpni_access(session, world.users["sub_admin"], customer, NOW).visible
    assert access.cpni_access(session, world.users["agency_admin"], customer, NOW).visible


def test_corporate_approval_covers_its_sub_accounts(session, world):
    approve(session, world.customers["channel"], world.partners["channel"])
    location = world.customers["location"]
    assert access.cpni_access(session, world.users["channel_admin"], location, NOW).visible


def test_staff_need_a_stated_purpose(session, world):
    customer, staff = world.customers["other"], world.users["staff"]
    assert access.cpni_access(session, staff, customer, NOW).reason == "purpose_required"
    grant = access.cpni_access(session, staff, customer, NOW, purpose="support")
    assert grant.visible and grant.purpose == "support"
    assert not access.cpni_access(session, staff, customer, NOW, purpose="marketing").visible


def test_customer_sees_its_own_cpni_without_a_disclosure(session, world):
    grant = access.cpni_access(session, world.users["customer_admin"],
                               world.customers["location"], NOW)
    assert grant.visible and grant.purpose is None


def test_withheld_access_lets_no_cpni_field_through(session, world):
    grant = access.cpni_access(session, world.users["channel_admin"],
                               world.customers["channel"], NOW)
    assert "total" not in access.visible_fields("invoice", grant)
    assert "lines" not in access.visible_fields("invoice", grant)
    assert "services" not in access.visible_fields("customer", grant)


@pytest.mark.parametrize("state, expected", [
    ("active", {"Channel Customer", "Channel Customer Location"}),
    ("none", set()),
])
def test_list_filter_by_approval_state(session, world, state, expected):
    approve(session, world.customers["channel"], world.partners["channel"])
    user = world.users["channel_admin"]
    query = access.customers_query(session, user).where(
        access.approval_filter(user, state, NOW))
    assert {c.name for c in session.scalars(query)} == expected


def test_expiry_is_checked_against_the_time_asked(session, world):
    approval = approve(session, world.customers["channel"], world.partners["channel"])
    approval.expires_at = NOW + timedelta(days=1)
    session.flush()
    user, customer = world.users["channel_admin"], world.customers["channel"]
    assert access.cpni_access(session, user, customer, NOW).visible
    assert not access.cpni_access(session, user, customer, NOW + timedelta(days=2)).visible


def test_instants_come_back_aware_utc(session, world):
    customer = session.scalars(select(Customer).limit(1)).one()
    session.expire(customer)
    assert customer.created_at.utcoffset() == timedelta(0)

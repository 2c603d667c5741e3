"""CPNI consent in the domain: granting, replacing, revoking, and the states a list shows."""

from datetime import timedelta

import pytest

from billing.core.errors import InvalidInput, NotFound
from billing.cpni import approvals as cpni
from tests.factories import NOW, approve


def test_granting_again_replaces_the_approval_in_force(session, world):
    customer, partner = world.customers["channel"], world.partners["channel"]
    admin = world.users["customer_admin"]
    first = cpni.grant_approval(session, customer=customer, partner=partner, scope="billing",
                                by=admin, now=NOW)
    second = cpni.grant_approval(session, customer=customer, partner=partner,
                                 scope="billing_usage", by=admin, now=NOW + timedelta(minutes=1))
    assert first.revoked_at == NOW + timedelta(minutes=1)
    assert cpni.approval_in_force(session, customer.id, partner.id, NOW + timedelta(hours=1)) \
        is second
    assert [a.id for a in cpni.approval_history(session, customer.id)] == [second.id, first.id]


def test_revocation_is_immediate_and_recorded(session, world):
    customer, partner = world.customers["channel"], world.partners["channel"]
    approve(session, customer, partner)
    revoked = cpni.revoke_approval(session, customer=customer, partner=partner,
                                   by=world.users["customer_admin"], now=NOW)
    assert revoked.revoked_at == NOW and revoked.revoked_by_id == world.users["customer_admin"].id
    assert cpni.approval_in_force(session, customer.id, partner.id, NOW) is None
    with pytest.raises(InvalidInput):
        cpni.revoke_approval(session, customer=customer, partner=partner,
                             by=world.users["customer_admin"], now=NOW)


def test_only_partners_that_serve_the_customer_can_be_approved(session, world):
    with pytest.raises(NotFound):
        cpni.grant_approval(session, customer=world.customers["channel"],
                            partner=world.partners["other"], scope="billing",
                            by=world.users["customer_admin"], now=NOW)


def test_the_serving_chain_runs_from_sub_agent_up_to_the_agency(session, world):
    chain = cpni.partners_serving(session, world.customers["subsub"])
    assert [p.code for p in chain] == ["AG-SS", "AG-S", "AG"]
    assert cpni.partners_serving(session, world.customers["direct"]) == []


@pytest.mark.parametrize("scope, expires", [("everything", None), ("billing", -1)])
def test_bad_scope_or_past_end_date_is_refused(session, world, scope, expires):
    with pytest.raises(InvalidInput):
        cpni.grant_approval(
            session, customer=world.customers["channel"], partner=world.partners["channel"],
            scope=scope, by=world.users["customer_admin"], now=NOW,
            expires_at=None if expires is None else NOW + timedelta(days=expires))


def test_states_for_a_page_of_customers(session, world):
    partner = world.partners["agency"]
    approve(session, world.customers["agency"], partner, "revoked")
    approve(session, world.customers["sub"], partner, "expired")
    approve(session, world.customers["subsub"], partner, "active")
    ids = [world.customers[k].id for k in ("agency", "sub", "subsub", "direct")]
    states = cpni.approval_states(session, partner.id, ids, NOW)
    assert list(states.values()) == ["revoked", "expired", "active", "none"]


def test_disclosures_refuse_unknown_surfaces(session, world):
    with pytest.raises(InvalidInput):
        cpni.record_disclosures(session, user=world.users["channel_admin"], customer_ids=[1],
                                surface="fax", purposes={1: "billing"}, subject="x", now=NOW)

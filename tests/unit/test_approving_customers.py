"""The partner dashboard's set-based CPNI paths: customers counted by approval state in
one query (against the per-customer reference, on seeded random approval histories), and
the approving customers' disclosures logged with one INSERT that the sealer chains."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.core.errors import InvalidInput
from billing.cpni import approvals
from billing.cpni.models import CpniApproval, CpniDisclosure
from billing.parties.models import Customer
from portal import access, access_sets
from tests.audit_helpers import seal, verify
from tests.factories import NOW, make_customer
from tests.querycount import counted


def _reference_counts(session, user, now) -> dict[str, int]:
    """The states as the dashboard counted them customer by customer: in force as the
    policy's grants say, else the latest approval's state; never approved: none."""
    accounts = [c for c in session.scalars(access.customers_query(session, user))
                if not (c.is_wholesale and c.partner_id == user.partner_id)]
    grants = access.cpni_access_many(session, user, accounts, now)
    holders = {c.id: access.consent_holder_id(c) for c in accounts}
    states = approvals.approval_states(session, user.partner_id, set(holders.values()), now)
    counts = dict.fromkeys(approvals.APPROVAL_STATES, 0)
    for account in accounts:
        state = "active" if grants[account.id].visible else states[holders[account.id]]
        counts["none" if state == "active" and not grants[account.id].visible else state] += 1
    return counts


def _counts(session, user, now) -> dict[str, int]:
    return access_sets.approval_state_counts(session, user, now)


def _random_history(session, customer, partner, rng: random.Random) -> None:
    """Up to four approvals one after another, each ended or not in its own way (ended
    ones more often, so that many customers have only ended ones, of different kinds)."""
    for n in range(rng.randint(0, 4)):
        ending = rng.choices(["in force", "revoked", "expired", "expires later"],
                             weights=[1, 3, 3, 1])[0]
        session.add(CpniApproval(
            customer=customer, partner=partner, scope="billing", method="online",
            approved_by_name="Random", approved_at=NOW - timedelta(days=40 - n * 5),
            revoked_at=NOW - timedelta(days=1) if ending == "revoked" else None,
            expires_at={"expired": NOW - timedelta(hours=n + 1),
                        "expires later": NOW + timedelta(days=3)}.get(ending)))


@pytest.mark.parametrize("seed", range(5))
def test_random_approval_histories_count_as_the_per_customer_reference(session, world, seed):
    rng = random.Random(seed)
    partner, user = world.partners["channel"], world.users["channel_admin"]
    corporates = []
    for n in range(12):
        parent = rng.choice(corporates) if corporates and rng.random() < 0.3 else None
        customer = make_customer(session, f"APR-{n:02d}", f"Approvals {n}", partner=partner,
                                 parent_id=parent.id if parent else None)
        corporates += [] if parent else [customer]
        _random_history(session, customer, partner, rng)
    session.commit()
    expected = _reference_counts(session, user, NOW)
    assert _counts(session, user, NOW) == expected
    assert sum(expected.values()) == session.query(Customer).filter(
        access.customer_scope(session, user)).count()


def test_counting_takes_one_query(session, world):
    user = world.users["channel_admin"]
    scope = access.customer_scope(session, user)
    with counted(session.get_bind()) as statements:
        approvals.state_counts(session, user.partner_id, NOW, scope)
    assert len(statements) == 1


def test_each_approving_customer_is_logged_once_in_id_order_and_the_chain_holds(
        session, world):
    user, partner = world.users["channel_admin"], world.partners["channel"]
    for n in range(4):
        customer = make_customer(session, f"LOG-{n}", f"Logged {n}", partner=partner)
        if n % 2:
            session.add(CpniApproval(customer=customer, partner=partner, scope="billing",
                                     method="online", approved_by_name="Test",
                                     approved_at=NOW - timedelta(days=1)))
    session.flush()
    approving = access_sets.approving_customers(session, user, NOW)
    expected = sorted(session.scalars(approving))
    assert len(expected) == 2
    added = access_sets.record_approving_disclosures(session, user, approving, surface="page",
                                                subject="dashboard", now=NOW)
    rows = session.execute(select(
        CpniDisclosure.customer_id, CpniDisclosure.user_id, CpniDisclosure.partner_id,
        CpniDisclosure.surface, CpniDisclosure.purpose, CpniDisclosure.subject,
        CpniDisclosure.occurred_at, CpniDisclosure.sequence).order_by(CpniDisclosure.id)).all()
    assert added == 2
    assert rows == [(cid, user.id, partner.id, "page", "partner_access", "dashboard", NOW, None)
                    for cid in expected]
    assert seal(session) == 2
    verdict = verify(session)
    assert verdict.ok and verdict.entries == 2


def test_an_unknown_purpose_is_refused_and_nothing_is_logged(session, world):
    user = world.users["channel_admin"]
    with pytest.raises(InvalidInput):
        approvals.record_disclosures_of(session, user=user, customer_ids=select(Customer.id),
                                        surface="page", purpose="curiosity", subject="x",
                                        now=NOW)
    assert session.scalars(select(CpniDisclosure)).all() == []

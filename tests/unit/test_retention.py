"""Records the CPNI rules say to keep cannot be deleted early, one at a time or in bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni.compliance_models import CpniBreach, MarketingExport
from billing.cpni.models import CpniApproval
from billing.cpni.retention import years_before
from tests.factories import make_customer, make_user


@pytest.fixture
def officer(session):
    return make_user(session, "compliance@staff.test", "admin")


@pytest.fixture
def account(session):
    return make_customer(session, "AC-0950", "Kept Records Inc")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def add_breach(session, officer, account, recorded_at):
    breach = CpniBreach(discovered_at=recorded_at, determined_at=recorded_at,
                        description="Lost laptop", recorded_by_id=officer.id,
                        recorded_at=recorded_at, customers=[account] if account else [])
    session.add(breach)
    session.commit()
    return breach


def add_approval(session, account, partner=None, **ends):
    from billing.parties.partners import create_partner

    partner = partner or create_partner(session, code="RT", name="Retained", kind="channel")
    approval = CpniApproval(customer=account, partner=partner, scope="billing",
                            method="online", approved_by_name="Admin",
                            approved_at=utcnow() - timedelta(days=900), **ends)
    session.add(approval)
    session.commit()
    return approval


def add_export(session, officer, account, exported_at):
    export = MarketingExport(campaign="Spring offer", exported_by_id=officer.id,
                             exported_at=exported_at, customers=[account])
    session.add(export)
    session.commit()
    return export


def refused_delete(session, obj, message):
    session.delete(obj)
    with pytest.raises(InvalidInput, match=message):
        session.flush()
    session.rollback()


def test_a_breach_younger_than_two_years_cannot_be_deleted(session, officer, account):
    breach = add_breach(session, officer, account, years_before(utcnow(), 2) + timedelta(days=1))
    refused_delete(session, breach, "must be kept for 2 years")
    assert count(session, CpniBreach) == 1


def test_a_breach_older_than_two_years_can_be_deleted(session, officer, account):
    breach = add_breach(session, officer, account, years_before(utcnow(), 2) - timedelta(days=1))
    session.delete(breach)
    session.commit()
    assert count(session, CpniBreach) == 0


@pytest.mark.parametrize("ends, message", [
    ({}, "still in force"),
    ({"revoked_at": utcnow() - timedelta(days=200)}, "must be kept for 1 year"),
    ({"expires_at": utcnow() - timedelta(days=30)}, "must be kept for 1 year"),
])
def test_an_approval_in_force_or_ended_within_a_year_cannot_be_deleted(session, account,
                                                                      ends, message):
    approval = add_approval(session, account, **ends)
    refused_delete(session, approval, message)
    assert count(session, CpniApproval) == 1


@pytest.mark.parametrize("ends", [
    {"revoked_at": utcnow() - timedelta(days=400)},
    {"expires_at": utcnow() - timedelta(days=400)},
    # Revoked long ago, though it was due to run for years more.
    {"revoked_at": utcnow() - timedelta(days=400), "expires_at": utcnow() + timedelta(days=900)},
])
def test_an_approval_ended_over_a_year_ago_can_be_deleted(session, account, ends):
    session.delete(add_approval(session, account, **ends))
    session.commit()
    assert count(session, CpniApproval) == 0


def test_a_marketing_export_is_kept_a_year(session, officer, account):
    recent = add_export(session, officer, account, utcnow() - timedelta(days=300))
    old = add_export(session, officer, account, utcnow() - timedelta(days=370))
    refused_delete(session, recent, "must be kept for 1 year")
    session.delete(old)
    session.commit()
    assert [e.id for e in session.scalars(select(MarketingExport))] == [recent.id]


def test_a_bulk_delete_touching_a_kept_record_deletes_nothing(session, officer):
    add_breach(session, officer, None, utcnow() - timedelta(days=3000))
    add_breach(session, officer, None, utcnow() - timedelta(days=10))
    with pytest.raises(InvalidInput, match="nothing was deleted"):
        session.execute(delete(CpniBreach))
    session.rollback()
    assert count(session, CpniBreach) == 2
    old_only = CpniBreach.recorded_at < utcnow() - timedelta(days=1000)
    session.execute(delete(CpniBreach).where(old_only).execution_options(
        synchronize_session=False))
    session.commit()
    assert count(session, CpniBreach) == 1


def test_a_bulk_delete_of_approvals_in_force_is_refused(session, account):
    add_approval(session, account)
    with pytest.raises(InvalidInput, match="nothing was deleted"):
        session.execute(delete(CpniApproval))
    session.rollback()
    assert count(session, CpniApproval) == 1

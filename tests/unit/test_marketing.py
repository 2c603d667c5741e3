"""Marketing opt-outs and campaign exports in the domain."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.errors import Forbidden, InvalidInput
from billing.cpni import marketing
from billing.cpni.compliance_models import MarketingExport, MarketingOptOut
from billing.parties.models import Customer
from billing.parties.users import User
from tests.factories import NOW, add_rebiller_books, approve

LATER = NOW + timedelta(days=400)


def numbers(customers):
    return [c.account_number for c in customers]


def test_an_opt_out_stands_until_the_customer_revokes_it(session, world):
    customer, admin = world.customers["channel"], world.users["customer_admin"]
    recorded, created = marketing.opt_out(session, customer=customer, by=admin, now=NOW)
    again, created_again = marketing.opt_out(session, customer=customer, by=admin,
                                             now=NOW + timedelta(days=2))
    assert created and not created_again and again is recorded
    assert session.scalar(select(func.count()).select_from(MarketingOptOut)) == 1
    assert "AC-0001" not in numbers(marketing.eligible_customers(session, now=LATER))

    marketing.revoke_opt_out(session, customer=customer, by=admin, now=LATER)
    assert "AC-0001" in numbers(marketing.eligible_customers(session, now=LATER))
    assert marketing.standing_opt_out(session, customer.id, LATER) is None
    [entry] = marketing.opt_out_history(session, customer.id)
    assert (entry.opted_out_at, entry.revoked_at) == (NOW, LATER)
    assert entry.opted_out_by == entry.revoked_by == admin.name
    with pytest.raises(InvalidInput):
        marketing.revoke_opt_out(session, customer=customer, by=admin, now=LATER)


def test_opting_out_again_after_a_revocation_starts_a_new_entry(session, world):
    customer, admin = world.customers["channel"], world.users["customer_admin"]
    marketing.opt_out(session, customer=customer, by=admin, now=NOW)
    marketing.revoke_opt_out(session, customer=customer, by=admin, now=NOW + timedelta(days=1))
    marketing.opt_out(session, customer=customer, by=admin, now=NOW + timedelta(days=2))
    history = marketing.opt_out_history(session, customer.id)
    assert [h.revoked_at for h in history] == [None, NOW + timedelta(days=1)]
    assert marketing.is_opted_out(session, customer, LATER)


def test_a_corporate_opt_out_covers_its_sub_accounts(session, world):
    corporate, location = world.customers["channel"], world.customers["location"]
    marketing.opt_out(session, customer=corporate, by=world.users["customer_admin"], now=NOW)
    listed = numbers(marketing.eligible_customers(session, now=NOW))
    assert corporate.account_number not in listed and location.account_number not in listed
    assert "AC-0002" in listed and "AC-0100" in listed
    assert marketing.is_opted_out(session, location, NOW)
    assert not marketing.is_opted_out(session, world.customers["other"], NOW)


def test_a_sub_accounts_own_opt_out_leaves_its_corporate_listed(session, world):
    location = world.customers["location"]
    marketing.opt_out(session, customer=location, by=world.users["location_admin"], now=NOW)
    listed = numbers(marketing.eligible_customers(session, now=NOW))
    assert location.account_number not in listed and "AC-0001" in listed


@pytest.mark.parametrize("state, listed", [
    ("active", ["AC-0001", "AC-0101"]),
    ("revoked", []),
    ("expired", []),
    ("other_partner", []),
])
def test_a_partner_campaign_needs_an_approval_for_that_partner_in_force(
        session, world, state, listed):
    customer, partner = world.customers["channel"], world.partners["channel"]
    if state == "other_partner":
        approve(session, customer, world.partners["other"])
    else:
        approve(session, customer, partner, state=state)
    assert numbers(marketing.eligible_customers(session, partner, now=NOW)) == listed


def test_a_narrow_approval_is_still_an_approval_for_marketing(session, world):
    approve(session, world.customers["channel"], world.partners["channel"], scope="billing")
    assert "AC-0001" in numbers(
        marketing.eligible_customers(session, world.partners["channel"], now=NOW))


def test_an_opt_out_wins_over_an_approval(session, world):
    customer, partner = world.customers["channel"], world.partners["channel"]
    approve(session, customer, partner)
    marketing.opt_out(session, customer=customer, by=world.users["customer_admin"], now=NOW)
    assert marketing.eligible_customers(session, partner, now=NOW) == []


def test_a_partner_campaign_lists_its_own_customers_not_its_sub_agents(session, world):
    agency = world.partners["agency"]
    approve(session, world.customers["agency"], agency)
    approve(session, world.customers["sub"], agency)  # the sub-agent's customer
    approve(session, world.customers["channel"], agency)  # approval alone is not enough
    listed = numbers(marketing.eligible_customers(session, agency, now=NOW))
    assert listed == [world.customers["agency"].account_number]


def test_wholesale_accounts_are_never_marketing_targets(session, world):
    rebiller = add_rebiller_books(session, world)
    approve(session, rebiller.account, world.partners["wholesale"])
    approve(session, rebiller.end_customer, world.partners["wholesale"])
    provider_list = numbers(marketing.eligible_customers(session, now=NOW))
    partner_list = numbers(marketing.eligible_customers(session, world.partners["wholesale"],
                                                         now=NOW))
    assert "WS-0001" not in provider_list and "AC-0200" in provider_list
    assert partner_list == ["AC-0200"]


def test_an_export_records_exactly_the_customers_it_listed(session, world):
    staff = world.users["staff"]
    marketing.opt_out(session, customer=world.customers["other"],
                      by=world.users["other_customer"], now=NOW)
    export = marketing.export_campaign(session, campaign="  Spring   offers ", partner=None,
                                       by=staff, now=NOW)
    expected = numbers(marketing.eligible_customers(session, now=NOW))
    session.commit()
    marketing.opt_out(session, customer=world.customers["direct"], by=staff,
                      now=NOW + timedelta(hours=1))  # after the export: it does not change
    session.commit()
    session.expire_all()

    stored = session.get(MarketingExport, export.id)
    assert numbers(stored.customers) == expected and "AC-0002" not in expected
    assert (stored.campaign, stored.partner_id, stored.exported_by_id, stored.exported_at) == (
        "Spring offers", None, staff.id, NOW)
    assert marketing.export_sizes(session, [export.id]) == {export.id: len(expected)}


def test_a_partner_export_keeps_the_partner_and_only_its_approved_customers(session, world):
    partner = world.partners["channel"]
    approve(session, world.customers["channel"], partner)
    export = marketing.export_campaign(session, campaign="Upgrade", partner=partner,
                                       by=world.users["staff"], now=NOW)
    session.commit()
    session.expire_all()
    stored = session.get(MarketingExport, export.id)
    assert stored.partner_id == partner.id and numbers(stored.customers) == ["AC-0001", "AC-0101"]


def test_an_export_that_finds_no_one_is_still_recorded(session, world):
    export = marketing.export_campaign(session, campaign="Nobody approved",
                                       partner=world.partners["other"],
                                       by=world.users["staff"], now=NOW)
    assert export.customers == []
    assert marketing.export_sizes(session, [export.id]) == {export.id: 0}
    assert session.scalar(select(func.count()).select_from(MarketingExport)) == 1


@pytest.mark.parametrize("campaign", ["", "   ", "x" * 201])
def test_an_export_needs_a_campaign_name(session, world, campaign):
    with pytest.raises(InvalidInput):
        marketing.export_campaign(session, campaign=campaign, partner=None,
                                  by=world.users["staff"], now=NOW)
    assert session.scalar(select(func.count()).select_from(MarketingExport)) == 0


def test_only_staff_export(session, world):
    with pytest.raises(Forbidden):
        marketing.export_campaign(session, campaign="Mine", partner=None,
                                  by=world.users["channel_admin"], now=NOW)


@pytest.mark.postgres_only
def test_two_opt_outs_at_once_record_one(session, world, db):
    customer_id, admin_id = world.customers["channel"].id, world.users["customer_admin"].id
    session.commit()
    engine, barrier = db.engine, threading.Barrier(2)

    def click():
        with Session(engine) as own:
            customer, admin = own.get(Customer, customer_id), own.get(User, admin_id)
            barrier.wait()
            marketing.opt_out(own, customer=customer, by=admin, now=NOW)
            own.commit()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.scalar(select(func.count()).select_from(MarketingOptOut)) == 1

"""The dunning policy page (admins and billing managers only; checked, all or nothing)
and the customer's autopay opt-in and opt-out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.collections import policy
from billing.collections.models import AutopayEnrolment, DunningExemption
from billing.payments import online
from billing.payments import stripe as adapter
from tests.conftest import csrf_token, login
from tests.factories import make_billing_staff
from tests.web.test_autopay import stripe_on  # noqa: F401 (a fixture, used by name)

URL = "/staff/collections/policy"
GOOD = {"reminder_offsets": "-5, 0, 10", "autopay_lead_days": "4", "retry_days": "2, 4",
        "grace_days": "3", "late_fee_mode": "fixed", "late_fee_percent": "",
        "fixed_usd": "25.00", "fixed_cad": "", "fixed_gbp": "", "fixed_eur": "20",
        "exempt_accounts": "AC-0100", "exempt_partners": "CH2"}


@pytest.fixture
def manager(client, world, db):
    user = make_billing_staff(db.session, "billing_manager")
    db.session.commit()
    login(client, user)
    return client


def test_a_billing_manager_edits_the_policy(manager, db, world):
    page = manager.get(URL)
    assert page.status_code == 200 and 'value="-3, 0, 7, 14"' in page.get_data(as_text=True)
    answer = manager.post(URL, data={**GOOD, "csrf_token": csrf_token(manager, URL)})
    assert answer.status_code == 302
    db.session.expire_all()
    saved = policy.current(db.session)
    assert (saved.reminder_offsets, saved.autopay_lead_days, saved.retry_days,
            saved.grace_days, saved.late_fee_mode) == ([-5, 0, 10], 4, [2, 4], 3, "fixed")
    assert saved.late_fee_fixed == {"EUR": 2000, "USD": 2500}
    assert policy.exemptions(db.session) == (["AC-0100"], ["CH2"])


@pytest.mark.parametrize(("changes", "message"), [
    ({"reminder_offsets": "three days before"}, "Write whole numbers of days"),
    ({"late_fee_mode": "percent", "late_fee_percent": "0"}, "needs a percent above zero"),
    ({"late_fee_mode": "fixed", "fixed_usd": "", "fixed_eur": ""}, "at least one currency"),
    ({"fixed_usd": "12,50"}, "Use the form 1,234.56."),
    ({"retry_days": "5, 3"}, "increasing"),
    # A signalling NaN once reached NumberRange, which cannot compare it: a 500.
    ({"late_fee_mode": "percent", "late_fee_percent": "sNaN"}, "Not a valid decimal value"),
    ({"late_fee_mode": "percent", "late_fee_percent": "Infinity"}, "Not a valid decimal"),
    ({"exempt_accounts": "AC-0100 NOPE-1"}, "No such account: NOPE-1"),
])
def test_a_bad_policy_is_refused_and_nothing_saved(manager, db, changes, message):
    answer = manager.post(URL, data={**GOOD, **changes, "csrf_token": csrf_token(manager, URL)})
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    db.session.expire_all()
    assert policy.current(db.session).reminder_offsets == [-3, 0, 7, 14]
    assert db.session.scalar(select(DunningExemption.id)) is None


def test_without_the_csrf_token_nothing_is_saved(manager, db):
    assert manager.post(URL, data=GOOD).status_code == 400
    db.session.expire_all()
    assert policy.current(db.session).late_fee_percent == Decimal("1.5")


@pytest.mark.parametrize("key", ["staff", "customer_admin", "channel_admin"])
def test_others_do_not_find_the_policy_page(login_as, key):
    assert login_as(key).get(URL).status_code == 404


def test_a_customer_admin_turns_autopay_on_and_off(db, world, login_as, stripe_on):  # noqa: F811
    customer = world.customers["channel"]
    stripe_id = online.stripe_customer_id(db.session, stripe_on, customer, "USD")
    setup = adapter.create_setup_intent(stripe_on, customer_id=stripe_id)
    card = adapter.confirm_setup_intent(stripe_on, setup.id, "pm_card_visa").payment_method_id
    db.session.commit()
    client = login_as("customer_admin")
    assert "Autopay is off." in client.get("/customer/autopay").get_data(as_text=True)
    token = csrf_token(client, "/customer/autopay")
    assert client.post("/customer/autopay", data={"csrf_token": token,
                                                  "method": card}).status_code == 302
    enrolment = db.session.scalars(select(AutopayEnrolment)).one()
    assert (enrolment.customer_id, enrolment.payment_method_id, enrolment.is_active) == (
        customer.id, card, True)
    assert "Autopay is on" in client.get("/customer/autopay").get_data(as_text=True)
    token = csrf_token(client, "/customer/autopay")
    assert client.post("/customer/autopay/off", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(AutopayEnrolment, enrolment.id).is_active


def test_another_accounts_card_is_refused(db, world, login_as, stripe_on):  # noqa: F811
    other = world.customers["other"]
    stripe_id = online.stripe_customer_id(db.session, stripe_on, other, "USD")
    setup = adapter.create_setup_intent(stripe_on, customer_id=stripe_id)
    card = adapter.confirm_setup_intent(stripe_on, setup.id, "pm_card_visa").payment_method_id
    db.session.commit()
    client = login_as("customer_admin")
    token = csrf_token(client, "/customer/autopay")
    answer = client.post("/customer/autopay", data={"csrf_token": token, "method": card})
    assert answer.status_code in (400, 404)
    assert db.session.scalar(select(AutopayEnrolment.id)) is None


def test_only_a_customer_admin_has_autopay(login_as, stripe_on):  # noqa: F811
    assert login_as("customer_user").get("/customer/autopay").status_code == 404

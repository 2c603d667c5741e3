"""Staff commission pages: run a month, review, approve, download payables; admins edit
plans; nobody else reaches them."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from billing.commissions.models import CommissionPlan
from billing.payments.recording import Receipt, record_payment
from tests.conftest import csrf_token, login
from tests.factories import make_customer, make_invoice, make_user

PAID = datetime(2026, 3, 10, 18, tzinfo=UTC)


def staff_client(app, session, role):
    user = make_user(session, f"{role}@staff.test", role,
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=PAID)
    session.commit()
    client = app.test_client()
    login(client, user)
    return client


def test_run_review_approve_and_export_payables(app, session, world):
    session.add(CommissionPlan(partner=world.partners["channel"], effective_from=date(2026, 1, 1),
                               recurring_rate=Decimal(10), usage_rate=Decimal(0),
                               one_time_rate=Decimal(0)))
    customer = make_customer(session, "STF-0001", "Staff Co", world.partners["channel"])
    make_invoice(session, customer, "STF-1", period_end=date(2026, 2, 25), amount_minor=12_500)
    record_payment(session, Receipt(currency="USD", amount_minor=12_500, received_at=PAID,
                                    method="wire", reference="W", source="staff",
                                    customer_id=customer.id), PAID)
    session.commit()
    client = staff_client(app, session, "billing_specialist")
    ran = client.post("/staff/commissions", data={
        "csrf_token": csrf_token(client, "/staff/commissions"), "month": "2026-03"})
    assert ran.status_code == 302
    review = client.get("/staff/commissions/2026-03").get_data(as_text=True)
    # recurring 10_000 x 10 % = 1_000; usage 2_500 at 0 %
    assert "Channel One" in review and "$10.00" in review and "Payable so far" in review
    client.post("/staff/commissions/2026-03/approve", data={
        "csrf_token": csrf_token(client, "/staff/commissions/2026-03")})
    csv = client.get("/staff/commissions/2026-03/payables.csv")
    assert csv.status_code == 200
    assert csv.get_data(as_text=True).splitlines()[1] == "2026-03,CH,Channel One,USD,10.00"


def test_admins_edit_plans_and_only_they_do(app, session, world, login_as):
    admin = staff_client(app, session, "admin")
    saved = admin.post("/staff/commissions/plans", data={
        "csrf_token": csrf_token(admin, "/staff/commissions/plans"), "partner_code": "AG",
        "effective_from": "2026-04-01", "recurring_rate": "20", "usage_rate": "7.5",
        "one_time_rate": "0"})
    assert saved.status_code == 302
    plan = session.scalars(select(CommissionPlan)).one()
    assert (plan.partner.code, plan.usage_rate) == ("AG", Decimal("7.5"))
    refused = admin.post("/staff/commissions/plans", data={
        "csrf_token": csrf_token(admin, "/staff/commissions/plans"), "partner_code": "WS",
        "effective_from": "2026-04-01", "recurring_rate": "5", "usage_rate": "0",
        "one_time_rate": "0"})
    assert "earns no commission" in refused.get_data(as_text=True)
    specialist = staff_client(app, session, "billing_specialist")
    assert specialist.get("/staff/commissions/plans").status_code == 404
    assert login_as("agency_admin").get("/staff/commissions").status_code == 404

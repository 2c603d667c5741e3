"""Billing staff record offline payments, refund them and work the suspense queue
through the pages; every refusal says why and saves nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.invoicing.models import Invoice
from billing.payments.models import Payment, PaymentReversal
from billing.payments.recording import Receipt, record_payment
from tests.conftest import csrf_token
from tests.web.payment_helpers import YESTERDAY, counts, record_form, text_of


def invoice_status(session, invoice) -> str:
    session.expire_all()
    return session.get(Invoice, invoice.id).status


def the_payment(session) -> Payment:
    session.expire_all()
    return session.scalars(select(Payment)).one()


def test_a_cheque_for_the_whole_invoice_pays_it_and_sends_a_receipt(
        login_as, session, world, mailbox):
    client = login_as("staff")
    invoice = world.invoices["channel"]
    response = client.post("/staff/payments/new", data=record_form(
        client, invoices=invoice.number), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The payment is recorded." in page and "Matched" in page
    assert invoice.number in page and "$8,642.19" in page
    assert invoice_status(session, invoice) == "paid"
    payment = the_payment(session)
    assert payment.source == "staff" and payment.recorded_by_id == world.users["staff"].id
    assert "specialist@staff.test" in page  # who recorded it
    [mail] = mailbox.messages
    assert mail["To"] == "ac-0001@customer.test"
    assert "$8,642.19" in text_of(mail) and invoice.number in text_of(mail)


def test_a_part_payment_leaves_the_invoice_partly_paid(login_as, session, world):
    client = login_as("staff")
    response = client.post("/staff/payments/new", data=record_form(client, amount="1,000.00"),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Partial" in page and "$1,000.00" in page
    assert invoice_status(session, world.invoices["channel"]) == "partially_paid"


def test_more_than_is_owed_keeps_the_rest_as_unapplied_credit(login_as, session, world):
    client = login_as("staff")
    page = client.post("/staff/payments/new", data=record_form(client, amount="9000.00"),
                       follow_redirects=True).get_data(as_text=True)
    assert "Overpaid" in page and "$357.81" in page  # 9,000.00 - 8,642.19


def test_a_double_click_records_the_payment_once(login_as, session, world):
    client = login_as("staff")
    data = record_form(client)
    first = client.post("/staff/payments/new", data=data)
    second = client.post("/staff/payments/new", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert "already recorded; nothing changed" in second.get_data(as_text=True)
    assert counts(session)[0] == 1


def test_an_invoice_of_another_account_is_refused_and_nothing_is_saved(login_as, session, world):
    client = login_as("staff")
    response = client.post("/staff/payments/new", data=record_form(
        client, invoices=world.invoices["other"].number))
    assert response.status_code == 400
    assert "Not an invoice of this account" in response.get_data(as_text=True)
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("field, value", [
    ("amount", "0"), ("amount", "-5.00"), ("amount", "1" * 30), ("amount", "12,50"),
    ("amount", "ten"), ("currency", "XYZ"), ("reference", "CHQ\x001"), ("reference", ""),
    ("method", "card"), ("account_number", "AC-9999"), ("received_on", "2026-13-01"),
    ("token", "not-a-token"),
])
def test_bad_input_is_refused_and_nothing_is_saved(login_as, session, world, field, value):
    client = login_as("staff")
    response = client.post("/staff/payments/new", data=record_form(client, **{field: value}))
    assert 400 <= response.status_code < 500, (field, value)
    assert counts(session) == (0, 0, 0)


def test_a_payment_received_tomorrow_is_refused(login_as, session, world):
    client = login_as("staff")
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    response = client.post("/staff/payments/new", data=record_form(client, received_on=tomorrow))
    assert response.status_code == 400 and "future" in response.get_data(as_text=True)
    assert counts(session) == (0, 0, 0)


def test_without_csrf_nothing_is_recorded(login_as, session, world):
    client = login_as("staff")
    data = record_form(client)
    del data["csrf_token"]
    assert client.post("/staff/payments/new", data=data).status_code == 400
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("user", ["customer_user", "customer_admin", "channel_admin"])
def test_only_billing_staff_record_or_refund(login_as, session, world, user):
    payment = _recorded(session, world)
    client = login_as(user)
    token = csrf_token(client, "/auth/password")  # a valid token: the guard answers
    assert client.get("/staff/payments/new").status_code == 404
    assert client.post("/staff/payments/new", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/staff/payments/{payment.id}/refund", data={
        "csrf_token": token, "amount": "1.00", "reason": "x"}).status_code == 404
    assert counts(session)[2] == 0


def test_a_refund_above_what_is_refundable_is_refused_and_changes_nothing(
        login_as, session, world):
    payment = _recorded(session, world, amount_minor=50000)
    client = login_as("staff")
    before = counts(session)
    url = f"/staff/payments/{payment.id}"
    response = client.post(f"{url}/refund", data={
        "csrf_token": csrf_token(client, url), "amount": "500.01", "reason": "Paid twice"})
    assert response.status_code == 400
    assert "at most what the payment still holds: 500.00 USD" in response.get_data(as_text=True)
    assert counts(session) == before
    assert invoice_status(session, world.invoices["channel"]) == "partially_paid"


def test_a_refund_is_recorded_with_who_and_why(login_as, session, world):
    payment = _recorded(session, world, amount_minor=50000)
    client = login_as("staff")
    url = f"/staff/payments/{payment.id}"
    response = client.post(f"{url}/refund", data={
        "csrf_token": csrf_token(client, url), "amount": "200.00", "reason": "Paid twice"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The refund is recorded." in page and "Paid twice" in page
    assert "specialist@staff.test" in page
    reversal = session.scalars(select(PaymentReversal)).one()
    assert (reversal.amount_minor, reversal.recorded_by_id) == (20000, world.users["staff"].id)


def test_a_refund_needs_a_reason(login_as, session, world):
    payment = _recorded(session, world)
    client = login_as("staff")
    url = f"/staff/payments/{payment.id}"
    response = client.post(f"{url}/refund", data={
        "csrf_token": csrf_token(client, url), "amount": "1.00", "reason": " "})
    assert response.status_code == 400 and counts(session)[2] == 0


def test_a_stripe_payment_is_not_refunded_without_stripe(login_as, session, world):
    payment = _recorded(session, world, source="stripe", method="card")
    client = login_as("staff")
    url = f"/staff/payments/{payment.id}"
    response = client.post(f"{url}/refund", data={
        "csrf_token": csrf_token(client, url), "amount": "1.00", "reason": "Asked"})
    assert response.status_code == 400
    assert "not configured" in response.get_data(as_text=True)
    assert counts(session)[2] == 0


def test_staff_assign_a_suspense_payment_with_a_reason(login_as, session, world, mailbox):
    payment, _ = record_payment(session, Receipt(
        "USD", 864219, utcnow() - timedelta(days=1), "wire", "WIRE-77", "staff",
        payer_note="ACME HOLDINGS REF 0001"), utcnow())
    session.commit()
    client = login_as("staff")
    queue = client.get("/staff/payments/suspense").get_data(as_text=True)
    assert "ACME HOLDINGS REF 0001" in queue and "WIRE-77" in queue
    url = f"/staff/payments/{payment.id}/assign"
    token = csrf_token(client, "/staff/payments/suspense")
    refused = client.post(url, data={"csrf_token": token, "account_number": "AC-0001",
                                     "reason": ""})
    assert refused.status_code == 400 and the_payment(session).customer_id is None
    response = client.post(url, data={
        "csrf_token": token, "account_number": "AC-0001",
        "invoices": world.invoices["channel"].number,
        "reason": "Payer note names the account"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Payer note names the account" in page and "specialist@staff.test" in page
    assert the_payment(session).customer_id == world.customers["channel"].id
    assert invoice_status(session, world.invoices["channel"]) == "paid"
    assert "Nothing waits" in client.get("/staff/payments/suspense").get_data(as_text=True)
    assert [m["To"] for m in mailbox.messages] == ["ac-0001@customer.test"]


def test_the_list_filters_by_account_class_method_and_date(login_as, session, world):
    _recorded(session, world, reference="CHQ-CHANNEL")
    _recorded(session, world, customer="other", reference="WIRE-OTHER", method="wire")
    client = login_as("staff")

    def listed(query: str) -> str:
        response = client.get(f"/staff/payments?{query}")
        assert response.status_code == 200, query
        return response.get_data(as_text=True)

    assert "CHQ-CHANNEL" in listed("") and "WIRE-OTHER" in listed("")
    only_other = listed("account=AC-0002")
    assert "WIRE-OTHER" in only_other and "CHQ-CHANNEL" not in only_other
    assert "CHQ-CHANNEL" not in listed("method=wire")
    assert "CHQ-CHANNEL" in listed("class=partial")
    assert "CHQ-CHANNEL" not in listed(f"from={YESTERDAY[:8]}01&to=2001-01-01")
    assert client.get("/staff/payments?class=nonsense").status_code == 400
    assert client.get("/staff/payments?from=yesterday").status_code == 400


def _recorded(session, world, *, customer="channel", amount_minor=10000, source="staff",
              method="cheque", reference="CHQ-1") -> Payment:
    payment, _ = record_payment(session, Receipt(
        "USD", amount_minor, utcnow() - timedelta(days=1), method, reference, source,
        customer_id=world.customers[customer].id,
        external_id=f"{source}:{customer}:{reference}"), utcnow())
    session.commit()
    return payment


def test_the_receipt_mail_is_written_in_the_accounts_language(login_as, session, world, mailbox):
    world.customers["channel"].locale = "fr"
    session.commit()
    client = login_as("staff")
    assert client.post("/staff/payments/new", data=record_form(client)).status_code == 302
    [mail] = mailbox.messages
    text = text_of(mail).replace("\u202f", " ").replace("\xa0", " ")
    assert "8 642,19 $US" in text  # French number format

"""Statement PDFs opened and read: figures for the customer, withheld without approval.

The world's channel customer has one invoice, 8,642.19, issued 26 Feb 2026. Here it also
gets an SLA credit for January 2026 (3 hours on its seats: 3 x 54.00 / 31 = 5.23),
approved on 3 Feb, so February's statement closes at 8,642.19 - 5.23 = 8,636.96.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ
from billing.cpni.models import CpniDisclosure
from billing.sla.credits import decide_request, open_ticket, record_outage, request_credit
from tests.conftest import csrf_token
from tests.factories import CPNI_MARKERS, approve, make_user
from tests.pdf.pdftext import pdf_text

FEBRUARY = "month=2026-02"


@pytest.fixture
def sla_credit(session, world):
    customer = world.customers["channel"]
    seats = session.scalars(select(Service).filter_by(customer_id=customer.id)).one()
    seats.product.sla_family = "voice"
    start = datetime(2026, 1, 6, 9, tzinfo=PROVIDER_TZ).astimezone(UTC)
    outage = record_outage(session, ref="INC-STMT", started_at=start, cause="provider",
                           ended_at=start + timedelta(minutes=150), summary="SBC failover",
                           platform="voice")
    open_ticket(session, customer=customer, opened_at=start + timedelta(hours=1),
                summary="No calls", source="portal", outage=outage)
    decided = datetime(2026, 2, 3, 12, tzinfo=PROVIDER_TZ).astimezone(UTC)
    request = request_credit(session, service=seats, month=date(2026, 1, 1), user=None,
                             now=decided)
    decide_request(session, request.id, approve=True, reason="", user=world.users["staff"],
                   now=decided)
    session.commit()
    return request.credit_note.number


def _text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    return " ".join(pdf_text(response.data).split())


def _url(world, audience="partner", key="channel", query=FEBRUARY):
    path = {"customer": "/customer/accounts", "partner": "/partner/customers",
            "staff": "/staff/customers"}[audience]
    return f"{path}/{world.customers[key].id}/statement.pdf?{query}"


def test_customer_statement_carries_every_figure(login_as, world, sla_credit):
    text = _text(login_as("customer_admin"), _url(world, "customer"))
    for expected in ("AC-0001", "Channel Customer", world.invoices["channel"].number,
                     "Opening balance", "$0.00", "$8,642.19", "$8,636.96", sla_credit,
                     "January 2026", "Voice seat", "$5.23", "SLA credit", "Ageing"):
        assert expected in text, expected


def test_unapproved_partner_gets_only_the_account_and_period(login_as, session, world,
                                                             sla_credit):
    text = _text(login_as("channel_admin"), _url(world))
    assert "AC-0001" in text and "Channel Customer" in text and "Feb 1, 2026" in text
    assert "Amounts withheld" in text and "has not approved access" in text
    for hidden in (*CPNI_MARKERS, "5.23", "8,636.96", sla_credit, "Voice seat",
                   world.invoices["channel"].number, "Opening balance"):
        assert hidden not in text, hidden
    assert session.scalars(select(CpniDisclosure)).all() == []


def test_approved_partner_sees_the_figures_and_the_disclosure_is_logged(login_as, session,
                                                                        world, sla_credit):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    text = _text(login_as("channel_admin"), _url(world))
    assert "$8,642.19" in text and "$5.23" in text and sla_credit in text
    logged = session.scalars(select(CpniDisclosure)).one()
    assert (logged.surface, logged.purpose, logged.customer_id) == (
        "pdf", "partner_access", world.customers["channel"].id)
    assert "statement AC-0001 2026-02-01 to 2026-02-28" == logged.subject


def test_revoked_approval_withholds_again(login_as, session, world, sla_credit):
    approve(session, world.customers["channel"], world.partners["channel"], "revoked")
    session.commit()
    text = _text(login_as("channel_admin"), _url(world))
    assert "8,642.19" not in text and "Amounts withheld" in text


@pytest.mark.parametrize("user, audience, key", [
    ("channel_admin", "partner", "other"), ("channel_admin", "partner", "direct"),
    ("customer_admin", "customer", "other"), ("location_admin", "customer", "channel"),
])
def test_a_statement_out_of_reach_is_not_found(login_as, world, user, audience, key):
    assert login_as(user).get(_url(world, audience, key)).status_code == 404


def test_staff_see_figures_only_after_stating_a_purpose(login_as, session, world, sla_credit):
    client = login_as("staff")
    before = _text(client, _url(world, "staff"))
    assert "State the purpose" in before and "8,642.19" not in before
    page = f"/staff/customers/{world.customers['channel'].id}"
    client.post(f"{page}/cpni", data={"csrf_token": csrf_token(client, page),
                                      "purpose": "billing"})
    assert "$8,636.96" in _text(client, _url(world, "staff"))
    pdfs = session.scalars(select(CpniDisclosure).filter_by(surface="pdf")).all()
    assert [(d.purpose, d.user_id) for d in pdfs] == [("billing", world.users["staff"].id)]


def test_a_rebillers_end_customer_gets_the_rebillers_brand(app, session, world):
    end_customer = world.customers["wholesale"]
    user = make_user(session, "end@rebilled.test", "customer_admin", customer=end_customer)
    user.locale = "de"
    session.commit()
    from tests.conftest import login

    client = app.test_client()
    login(client, user)
    text = _text(client, f"/customer/accounts/{end_customer.id}/statement.pdf?{FEBRUARY}")
    assert text.index("Rebill Voice") < text.index("Northwind")
    assert "8.642,19" in text.replace("\xa0", " ")  # German figures


@pytest.mark.parametrize("query, message", [
    ("month=2026-13", "not a month"),
    ("from=2026-03-01&to=2026-02-01", "start before it ends"),
    ("from=2026-03-01&to=2099-01-01", "days that have passed"),
    ("from=yesterday&to=2026-02-01", "YYYY-MM-DD"),
])
def test_a_bad_period_is_refused(login_as, world, query, message):
    response = login_as("customer_admin").get(_url(world, "customer", query=query))
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_statements_page_shows_balances_and_links_the_pdf(login_as, world, sla_credit):
    client = login_as("customer_admin")
    page = client.get(f"/customer/statements?account={world.customers['location'].id}"
                      f"&{FEBRUARY}").get_data(as_text=True)
    assert "Channel Customer Location" in page and "statement.pdf?from=2026-02-01" in page
    page = client.get(f"/customer/statements?account={world.customers['channel'].id}"
                      f"&{FEBRUARY}").get_data(as_text=True)
    assert "$8,636.96" in page
    response = client.get(f"/customer/statements?account={world.customers['other'].id}")
    assert response.status_code == 404


@pytest.fixture
def paid_in_february(session, world):
    """A 1,000.00 cheque received 27 Feb 2026 for the channel customer's invoice, and
    100.00 of it refunded on 28 Feb."""
    from billing.payments.recording import Receipt, record_payment
    from billing.payments.refunds import refund_payment

    received = datetime(2026, 2, 27, 12, tzinfo=PROVIDER_TZ).astimezone(UTC)
    payment, _ = record_payment(session, Receipt(
        currency="USD", amount_minor=100_000, received_at=received, method="cheque",
        reference="CHQ-PDF-5521", source="staff", customer_id=world.customers["channel"].id),
        received)
    refund_payment(session, payment.id, 10_000, received + timedelta(days=1))
    session.commit()


def test_the_statement_lists_dated_payments_and_refunds(login_as, world, paid_in_february):
    text = _text(login_as("customer_admin"), _url(world, "customer"))
    assert "Feb 27, 2026 Cheque CHQ-PDF-5521 $1,000.00" in text
    assert "Feb 28, 2026 Refund CHQ-PDF-5521 $100.00" in text
    assert "dated payment records will follow" not in text
    # 0 + 8,642.19 - 1,000.00 paid + 100.00 refunded = 7,742.19
    assert "Closing balance $7,742.19" in text


def test_an_unapproved_partner_sees_no_payment(login_as, world, paid_in_february):
    text = _text(login_as("channel_admin"), _url(world))
    assert "Amounts withheld" in text
    for hidden in ("CHQ-PDF-5521", "1,000.00", "100.00", "7,742.19", "Feb 27, 2026"):
        assert hidden not in text, hidden


def test_the_statements_page_lists_the_payments(login_as, world, paid_in_february):
    page = login_as("customer_admin").get(
        f"/customer/statements?account={world.customers['channel'].id}&{FEBRUARY}"
    ).get_data(as_text=True)
    for expected in ("CHQ-PDF-5521", "Cheque", "$1,000.00", "Refund", "$100.00", "$7,742.19"):
        assert expected in page, expected

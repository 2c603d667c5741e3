"""The SLA credit preview reads as a customer expects: money rounded as money, no request
offered when no credit is due, and a month already requested refused on the form."""

from __future__ import annotations

from datetime import date

from billing.core.clock import utcnow
from billing.core.money import to_minor
from billing.sla.credits import preview_credit
from billing.sla.models import SlaCreditRequest
from tests.web import test_sla_requests as sla_pages
from tests.web.test_sla_requests import LAST_MONTH, choice, count, dollars, form

seats = sla_pages.seats  # the guaranteed voice seats with last month's counted outage
a_request = sla_pages.a_request


def month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def preview(client, service, month: date):
    return client.post("/customer/sla/preview", data=form(
        client, "/customer/sla", **choice(service, f"{month:%Y-%m}")))


def test_the_daily_rate_is_shown_rounded_as_money(login_as, session, seats):
    exact = preview_credit(session, seats, LAST_MONTH, utcnow()).daily_rate
    text = preview(login_as("customer_admin"), seats, LAST_MONTH).get_data(as_text=True)
    assert f"<dd>{dollars(to_minor(exact, 'USD'))}</dd>" in text
    assert f"{exact:.6f}" not in text and " USD</dd>" not in text


def test_no_request_is_offered_when_no_credit_is_due(login_as, session, seats):
    client = login_as("customer_admin")
    quiet = month_before(LAST_MONTH)  # no outage that month
    response = preview(client, seats, quiet)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No credit is due for this service" in text and "Confirm the request" not in text
    confirm = client.post("/customer/sla/confirm", data=form(
        client, "/customer/sla", **choice(seats, f"{quiet:%Y-%m}")))
    assert confirm.status_code == 400
    assert "No credit is due" in confirm.get_data(as_text=True)
    assert count(session, SlaCreditRequest) == 0


def test_a_month_already_requested_is_refused_on_the_form(login_as, session, world, seats):
    a_request(session, seats, world)
    response = preview(login_as("customer_admin"), seats, LAST_MONTH)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "has already been requested: see it among your requests below" in text
    assert "Confirm the request" not in text and "Calculation" not in text
    assert count(session, SlaCreditRequest) == 1


def test_another_month_of_the_same_service_can_still_be_previewed(login_as, session, world,
                                                                   seats):
    a_request(session, seats, world)
    response = preview(login_as("customer_admin"), seats, month_before(LAST_MONTH))
    assert response.status_code == 200 and "already been requested" not in response.get_data(
        as_text=True)

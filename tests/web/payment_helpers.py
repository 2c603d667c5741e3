"""Shared steps of the payment page tests: the record form filled as staff would."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from billing.core.clock import provider_date, utcnow
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from tests.conftest import csrf_token

YESTERDAY = (provider_date(utcnow()) - timedelta(days=1)).isoformat()


def record_form(client, **values) -> dict:
    """The record form as the page renders it (its CSRF and idempotency tokens), filled."""
    html = client.get("/staff/payments/new").get_data(as_text=True)
    token = re.search(r'id="token" name="token" type="hidden" value="([0-9a-f]{32})"', html)
    assert token, "no idempotency token on the record form"
    data = {"csrf_token": csrf_token(client, "/staff/payments/new"), "token": token.group(1),
            "account_number": "AC-0001", "received_on": YESTERDAY, "amount": "8642.19",
            "currency": "USD", "method": "cheque", "reference": "CHQ-100234",
            "invoices": "", "note": ""}
    data.update(values)
    return data


def counts(session) -> tuple[int, int, int]:
    """Payments, allocation rows and reversals stored."""
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Payment, PaymentAllocation, PaymentReversal))


def text_of(message) -> str:
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return f"{message['Subject']}\n{body}"

"""Stripe's JSON reads the same into views whether related objects come as ids or expanded."""

from datetime import UTC, datetime

from billing.payments.provider import decline_message
from billing.payments.stripe_objects import intent_view, method_view

INTENT = {
    "id": "pi_1", "status": "requires_payment_method", "amount": 5000, "currency": "usd",
    "customer": "cus_1", "metadata": {"account_number": "100-200", "invoice_numbers": "A B"},
    "created": 1_796_400_000, "client_secret": "pi_1_secret_x",
}


def test_a_charge_given_by_id_or_expanded_reads_the_same():
    by_id = intent_view({**INTENT, "latest_charge": "ch_1"})
    expanded = intent_view({**INTENT, "latest_charge": {"id": "ch_1", "object": "charge"}})
    assert by_id.charge_id == expanded.charge_id == "ch_1"
    assert by_id.currency == "USD" and by_id.invoice_numbers == ["A", "B"]
    assert by_id.created == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def test_the_banks_decline_code_wins_over_the_generic_error_code():
    view = intent_view({**INTENT, "last_payment_error": {
        "code": "card_declined", "decline_code": "insufficient_funds", "message": "Declined"}})
    assert view.last_error_message == decline_message("insufficient_funds")
    assert (view.last_error_code, view.decline_code) == ("card_declined", "insufficient_funds")


def test_a_sepa_debit_method_shows_its_last_four_digits():
    method = method_view({"id": "pm_1", "type": "sepa_debit", "sepa_debit": {"last4": "3000"}})
    assert (method.type, method.last4, method.brand) == ("sepa_debit", "3000", None)

"""The Stripe adapter against a real fake: localstripe on 127.0.0.1, fresh for the run."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("localstripe", reason="localstripe is not installed (pip install .[test])")

from billing.core.errors import InvalidInput  # noqa: E402
from billing.payments import stripe as adapter  # noqa: E402
from billing.payments.provider import (  # noqa: E402
    PaymentDeclined,
    PaymentProviderError,
    StripeSettings,
    decline_message,
)

WEBHOOK_SECRET = "whsec_test_portal"
CARD_OK = "pm_card_visa"  # 4242 4242 4242 4242
CARD_DECLINED = "4000000000000341"  # attaches, then every charge is declined
CARD_3DS = "4000002500003155"  # the bank asks the payer to authenticate


@pytest.fixture
def settings(stripe_server):
    return StripeSettings(
        api_key=stripe_server.api_key, api_base=stripe_server.url,
        webhook_secret=WEBHOOK_SECRET, publishable_key=stripe_server.publishable_key,
        js_url=stripe_server.js_url,
    )


@pytest.fixture
def customer(settings):
    return adapter.ensure_customer(settings, account_number="100-200", currency="USD",
                                   email="ap@acme.test", name="Acme Dental")


def _intent(settings, customer, amount=12_345, invoices=("INV-2026-0001", "INV-2026-0002")):
    return adapter.create_payment_intent(
        settings, customer_id=customer, amount_minor=amount, currency="USD",
        account_number="100-200", invoice_numbers=list(invoices),
    )


def _paid(settings, customer, amount=12_345):
    return adapter.confirm_payment_intent(settings, _intent(settings, customer, amount).id,
                                          CARD_OK)


def test_the_stored_customer_is_reused_and_a_vanished_one_replaced(settings, customer):
    again = adapter.ensure_customer(settings, account_number="100-200", currency="USD",
                                    email="ap@acme.test", name="Acme Dental",
                                    existing_id=customer)
    replaced = adapter.ensure_customer(settings, account_number="100-200", currency="USD",
                                       email="ap@acme.test", name="Acme Dental",
                                       existing_id="cus_gone")
    assert customer.startswith("cus_") and again == customer
    assert replaced.startswith("cus_") and replaced != customer


def test_a_good_card_pays_the_intent_and_keeps_the_named_invoices(settings, customer):
    created = _intent(settings, customer)
    assert created.status == "requires_payment_method" and created.client_secret

    paid = adapter.confirm_payment_intent(settings, created.id, CARD_OK)

    assert paid.status == "succeeded"
    assert (paid.amount_minor, paid.currency, paid.customer_id) == (12_345, "USD", customer)
    assert paid.charge_id.startswith("ch_")
    assert paid.account_number == "100-200"
    assert paid.invoice_numbers == ["INV-2026-0001", "INV-2026-0002"]
    assert paid.payment_method_type == "card" and paid.last_error_message is None


def test_a_declined_card_is_refused_in_plain_words(settings, customer, stripe_server):
    created = _intent(settings, customer)

    with pytest.raises(PaymentDeclined) as refused:
        adapter.confirm_payment_intent(settings, created.id,
                                       stripe_server.create_card(CARD_DECLINED))

    assert refused.value.message == decline_message("card_declined")
    assert "declined" in refused.value.message and "stripe" not in refused.value.message.lower()
    assert refused.value.intent_id == created.id
    after = adapter.retrieve_payment_intent(settings, created.id)
    assert after.status == "requires_payment_method"
    assert after.last_error_code == "card_declined"
    assert after.last_error_message == decline_message("card_declined")


def test_a_card_with_3d_secure_waits_for_the_payer(settings, customer, stripe_server):
    created = _intent(settings, customer)

    waiting = adapter.confirm_payment_intent(settings, created.id,
                                             stripe_server.create_card(CARD_3DS))

    assert waiting.status == "requires_action" and waiting.charge_id is None


def test_part_of_a_payment_is_refunded(settings, customer):
    paid = _paid(settings, customer, amount=10_000)

    refund = adapter.create_refund(settings, payment_intent_id=paid.id, amount_minor=2_500)

    assert (refund.status, refund.amount_minor, refund.currency) == ("succeeded", 2_500, "USD")
    assert refund.payment_intent_id == paid.id and refund.charge_id == paid.charge_id
    recent = adapter.list_recent_refunds(settings, refund.created)
    assert refund.id in [seen.id for seen in recent]


def test_a_refund_must_be_positive_and_for_a_known_reason(settings, customer):
    paid = _paid(settings, customer)
    with pytest.raises(InvalidInput):
        adapter.create_refund(settings, payment_intent_id=paid.id, amount_minor=0)
    with pytest.raises(InvalidInput):
        adapter.create_refund(settings, payment_intent_id=paid.id, amount_minor=1,
                              reason="because")


def test_recent_intents_are_listed_across_pages_from_an_instant(settings, customer,
                                                                  monkeypatch):
    monkeypatch.setattr(adapter, "PAGE_SIZE", 2)
    since = datetime.now(UTC) - timedelta(seconds=1)
    made = [_intent(settings, customer, amount=100 + n).id for n in range(3)]

    recent = adapter.list_recent_payment_intents(settings, since)
    later = adapter.list_recent_payment_intents(settings, datetime.now(UTC) + timedelta(hours=1))

    assert set(made) <= {intent.id for intent in recent}
    assert [intent.created for intent in recent] == sorted(i.created for i in recent)
    assert later == []


def test_a_card_is_saved_listed_charged_and_forgotten(settings, customer):
    setup = adapter.create_setup_intent(settings, customer_id=customer)
    assert setup.status == "requires_payment_method" and setup.client_secret

    saved = adapter.confirm_setup_intent(settings, setup.id, CARD_OK)
    methods = adapter.list_payment_methods(settings, customer)

    assert saved.status == "succeeded"
    assert [(m.id, m.brand, m.last4, m.exp_month, m.exp_year) for m in methods] == [
        (saved.payment_method_id, "visa", "4242", 12, 2030)
    ]
    charged = adapter.charge_saved_method(
        settings, customer_id=customer, payment_method_id=saved.payment_method_id,
        amount_minor=4_200, currency="USD", account_number="100-200",
        invoice_numbers=["INV-2026-0003"],
    )
    assert charged.status == "succeeded" and charged.invoice_numbers == ["INV-2026-0003"]

    adapter.detach_payment_method(settings, saved.payment_method_id)
    assert adapter.list_payment_methods(settings, customer) == []


def test_autopay_on_a_card_that_is_refused_says_so(settings, customer, stripe_server):
    setup = adapter.create_setup_intent(settings, customer_id=customer)
    saved = adapter.confirm_setup_intent(settings, setup.id,
                                         stripe_server.create_card(CARD_DECLINED))

    with pytest.raises(PaymentDeclined) as refused:
        adapter.charge_saved_method(
            settings, customer_id=customer, payment_method_id=saved.payment_method_id,
            amount_minor=4_200, currency="USD", account_number="100-200", invoice_numbers=[],
        )
    assert refused.value.message == decline_message("card_declined")


def test_an_unknown_intent_and_an_unreachable_provider_are_plain_errors(settings):
    with pytest.raises(PaymentProviderError) as unknown:
        adapter.retrieve_payment_intent(settings, "pi_nothing")
    assert unknown.value.message == "The payment provider refused the request."

    with socket_closed_port() as port:
        nowhere = StripeSettings(api_key=settings.api_key, api_base=f"http://127.0.0.1:{port}")
        with pytest.raises(PaymentProviderError) as unreachable:
            adapter.retrieve_payment_intent(nowhere, "pi_nothing")
    assert "could not be reached" in unreachable.value.message


@contextlib.contextmanager
def socket_closed_port():
    """A port on 127.0.0.1 that nothing listens on, while the block runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        yield probe.getsockname()[1]


def _signed(payload: bytes, secret: str, at: int) -> str:
    digest = hmac.new(secret.encode(), b"%d." % at + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def _event_body(created: int) -> bytes:
    return json.dumps({
        "id": "evt_test_1", "object": "event", "type": "payment_intent.succeeded",
        "created": created, "data": {"object": {"id": "pi_abc", "object": "payment_intent",
                                                "amount": 500}},
    }).encode()


def test_a_signed_webhook_is_accepted_as_a_plain_event(settings):
    now = int(time.time())
    body = _event_body(now)

    event = adapter.verify_webhook(settings, body, _signed(body, WEBHOOK_SECRET, now))

    assert (event.id, event.type, event.object_id) == ("evt_test_1", "payment_intent.succeeded",
                                                       "pi_abc")
    assert event.created == datetime.fromtimestamp(now, UTC)
    assert event.object == {"id": "pi_abc", "object": "payment_intent", "amount": 500}


@pytest.mark.parametrize("secret, age", [("whsec_forged", 0), (WEBHOOK_SECRET, 301)],
                         ids=["forged signature", "stale timestamp"])
def test_a_forged_or_stale_webhook_is_refused(settings, secret, age):
    at = int(time.time()) - age
    body = _event_body(at)

    with pytest.raises(InvalidInput) as refused:
        adapter.verify_webhook(settings, body, _signed(body, secret, at))
    assert refused.value.message == "The webhook's signature is missing, wrong or too old."


def test_a_webhook_without_signature_is_refused(settings):
    with pytest.raises(InvalidInput):
        adapter.verify_webhook(settings, _event_body(int(time.time())), "")


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver(stripe_server):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stripe_server.register_webhook(f"http://127.0.0.1:{server.server_address[1]}/stripe",
                                   WEBHOOK_SECRET, events=["payment_intent.succeeded"])
    yield server.received
    stripe_server.forget_webhook()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_localstripe_sends_a_signed_payment_intent_succeeded(settings, customer,
                                                             webhook_receiver):
    paid = _paid(settings, customer)

    deadline = time.monotonic() + 15
    events = []
    while time.monotonic() < deadline:
        events = [adapter.verify_webhook(settings, body, signature)
                  for body, signature in list(webhook_receiver)]
        if any(event.object_id == paid.id for event in events):
            break
        time.sleep(0.1)
    mine = [event for event in events if event.object_id == paid.id]
    assert [event.type for event in mine] == ["payment_intent.succeeded"]
    assert mine[0].object["metadata"]["invoice_numbers"] == "INV-2026-0001 INV-2026-0002"


def test_the_elements_mock_is_served_where_the_page_would_load_stripe_js(stripe_server):
    with urllib.request.urlopen(stripe_server.js_url, timeout=10) as answer:
        script = answer.read().decode()
        kind = answer.headers["Content-Type"]

    assert stripe_server.js_url.startswith("http://127.0.0.1:")
    assert kind.startswith("application/javascript")
    assert "confirmCardPayment" in script and "confirmCardSetup" in script

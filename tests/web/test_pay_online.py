"""Paying online through Stripe (localstripe), webhooks and the sync: each payment is
recorded once, whatever brings it, in whatever order, however often."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.request
from datetime import timedelta

import pytest

from billing.core.clock import utcnow
from billing.core.models import OutboundMail
from billing.invoicing.models import Invoice
from billing.payments import stripe as adapter
from billing.payments.models import Payment, PaymentReversal, StripeEvent
from billing.payments.online import refund_through_stripe, start_payment
from billing.payments.stripe_sync import record_intent, sync_recent
from portal.payments.settings import stripe_settings
from tests.conftest import csrf_token, login

pytest.importorskip("localstripe", reason="localstripe is not installed (test extra)")

SECRET = "whsec_portal_tests"
CARD_DECLINED = "4000000000000341"
CARD_3DS = "4000002500003155"


@pytest.fixture
def stripe_on(app, stripe_server):
    keys = {"STRIPE_SECRET_KEY": stripe_server.api_key,
            "STRIPE_PUBLISHABLE_KEY": stripe_server.publishable_key,
            "STRIPE_API_BASE": stripe_server.url, "STRIPE_JS_URL": stripe_server.js_url,
            "STRIPE_WEBHOOK_SECRET": SECRET}
    before = {key: app.config.get(key) for key in keys}
    app.config.update(keys)
    with app.app_context():
        yield stripe_settings()
    app.config.update(before)


def count(db, model) -> int:
    return db.session.query(model).count()


def start(client, invoice) -> str:
    """Choose the invoice on the pay page; the intent id the card page confirms."""
    token = csrf_token(client, "/customer/pay")
    page = client.post("/customer/pay", data={"csrf_token": token, "invoice": invoice.id})
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    html = page.get_data(as_text=True)
    assert 'data-setup-secret="seti_' in html
    return re.search(r"/customer/pay/(pi_\w+)/confirm", html).group(1), html


def confirm(client, intent_id, card, html, settings, keep=True):
    """Save the card through the page's SetupIntent (as Stripe.js would, completing the
    bank's check when it asks for one), then pay with it."""
    secret = re.search(r'data-setup-secret="([^"]+)"', html).group(1)
    setup_id = secret.split("_secret_")[0]
    saved = adapter.confirm_setup_intent(settings, setup_id, card)
    if saved.status == "requires_action":
        saved = authenticated_setup(settings, setup_id, secret)
    method = saved.payment_method_id
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    return client.post(f"/customer/pay/{intent_id}/confirm",
                       json={"payment_method": method, "keep": keep},
                       headers={"X-CSRFToken": token})


def authenticated_setup(settings, setup_id: str, secret: str):
    """What the Elements mock does when the payer completes the bank's check."""
    request = urllib.request.Request(
        f"{settings.api_base}/v1/setup_intents/{setup_id}/confirm", method="POST",
        data=json.dumps({"key": settings.publishable_key, "use_stripe_sdk": True,
                         "client_secret": secret}).encode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        body = json.load(answer)
    assert body["status"] == "succeeded", body
    # Stripe attaches the method to the intent's customer once the check passes; the fake
    # does so only without a check, so the test attaches it as Stripe would have.
    attach = urllib.request.Request(
        f"{settings.api_base}/v1/payment_methods/{body['payment_method']}/attach",
        method="POST", data=f"customer={body['customer']}".encode(),
        headers={"Authorization": f"Bearer {settings.api_key}"})
    urllib.request.urlopen(attach, timeout=10).close()
    return adapter.SetupView(id=body["id"], status=body["status"], customer_id=body["customer"],
                             client_secret=secret, payment_method_id=body["payment_method"])


def test_without_stripe_the_page_says_online_payment_is_not_offered(login_as):
    client = login_as("customer_admin")
    page = client.get("/customer/pay").get_data(as_text=True)
    assert "Online payment is not offered" in page
    token = csrf_token(client, "/customer/invoices")
    assert client.post("/customer/pay", data={"csrf_token": token}).status_code == 404


def test_a_card_payment_pays_the_invoice_once(db, world, login_as, stripe_on):
    client = login_as("customer_admin")
    invoice = world.invoices["channel"]
    intent_id, html = start(client, invoice)
    answer = confirm(client, intent_id, "pm_card_visa", html, stripe_on)
    assert answer.json["status"] == "succeeded"
    outcome = client.get(answer.json["next"])
    assert "your payment of $8,642.19 has been received" in outcome.get_data(as_text=True)
    client.get(answer.json["next"])  # a reload records nothing twice
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "paid"
    [payment] = db.session.query(Payment).filter_by(external_id=intent_id).all()
    assert (payment.amount_minor, payment.source, payment.payment_class) == \
        (864219, "stripe", "matched")


def test_a_declined_card_says_why_and_records_nothing(db, world, login_as, stripe_on,
                                                      stripe_server):
    client = login_as("customer_admin")
    intent_id, html = start(client, world.invoices["channel"])
    answer = confirm(client, intent_id, stripe_server.create_card(CARD_DECLINED), html,
                     stripe_on)
    assert answer.status_code == 402
    assert answer.json["status"] == "declined" and "declined" in answer.json["message"]
    assert "Your bank declined" in client.get(f"/customer/pay/{intent_id}").get_data(
        as_text=True)
    assert count(db, Payment) == 0
    assert db.session.get(Invoice, world.invoices["channel"].id).status == "issued"


def test_a_3d_secure_card_asks_the_browser_to_complete_the_check(db, world, login_as,
                                                                 stripe_on, stripe_server):
    client = login_as("customer_admin")
    intent_id, html = start(client, world.invoices["channel"])
    answer = confirm(client, intent_id, stripe_server.create_card(CARD_3DS), html, stripe_on)
    assert answer.json["status"] == "requires_action"
    assert answer.json["client_secret"].startswith(f"{intent_id}_secret_")
    assert count(db, Payment) == 0


def test_another_accounts_intent_is_not_found(db, world, client, stripe_on):
    intent = start_payment(db.session, stripe_on, world.customers["other"],
                           [world.invoices["other"].id], utcnow())
    db.session.commit()
    login(client, world.users["customer_admin"])
    assert client.get(f"/customer/pay/{intent.id}").status_code == 404
    assert client.get("/customer/pay/not-an-intent").status_code == 404


def test_only_a_customer_admin_pays(login_as, stripe_on):
    assert login_as("customer_user").get("/customer/pay").status_code == 404


def signed(event: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    at = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={at},v1={digest}"


def event(event_id: str, kind: str, intent_id: str) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()),
            "data": {"object": {"id": intent_id, "object": "payment_intent"}}}


def paid_elsewhere(db, settings, world) -> str:
    """A payment made in Stripe that the portal has not been told about."""
    intent = start_payment(db.session, settings, world.customers["channel"],
                           [world.invoices["channel"].id], utcnow())
    db.session.commit()
    adapter.confirm_payment_intent(settings, intent.id, "pm_card_visa")
    return intent.id


def post_event(client, body: dict, **signing):
    payload, signature = signed(body, **signing)
    return client.post("/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": signature,
                                "Content-Type": "application/json"})


def test_a_webhook_replayed_a_hundred_times_gives_one_payment(db, world, client, stripe_on):
    intent_id = paid_elsewhere(db, stripe_on, world)
    body = event("evt_replayed", "payment_intent.succeeded", intent_id)
    answers = {post_event(client, body).status_code for _ in range(100)}
    assert answers == {200}
    assert count(db, Payment) == 1 and count(db, StripeEvent) == 1


def test_events_in_reverse_order_give_the_state_stripe_has(db, world, client, stripe_on):
    intent_id = paid_elsewhere(db, stripe_on, world)
    assert post_event(client, event("evt_2", "payment_intent.succeeded", intent_id)).json[
        "outcome"].startswith("payment")
    late = post_event(client, event("evt_1", "payment_intent.created", intent_id))
    assert late.status_code == 200
    assert count(db, Payment) == 1
    assert db.session.get(Invoice, world.invoices["channel"].id).status == "paid"


@pytest.mark.parametrize("signing", [{"secret": "whsec_forged"},
                                     {"at": int(time.time()) - 3600}])
def test_a_forged_or_stale_webhook_is_refused_and_records_nothing(db, world, client,
                                                                  stripe_on, signing):
    intent_id = paid_elsewhere(db, stripe_on, world)
    answer = post_event(client, event("evt_forged", "payment_intent.succeeded", intent_id),
                        **signing)
    assert answer.status_code == 400
    assert count(db, Payment) == 0 and count(db, StripeEvent) == 0


def test_the_sync_records_what_no_webhook_brought_once(db, world, stripe_on):
    since = utcnow() - timedelta(minutes=5)
    intent_id = paid_elsewhere(db, stripe_on, world)
    first = sync_recent(db.session, stripe_on, since, utcnow())
    db.session.commit()
    again = sync_recent(db.session, stripe_on, since, utcnow())
    db.session.commit()
    # localstripe serves the whole run: earlier tests' intents are listed too.
    [mine] = db.session.query(Payment).filter_by(external_id=intent_id).all()
    assert mine.id in first.payments and again.payments == [] and again.problems == []


def test_a_refund_through_stripe_is_recorded_once(db, world, stripe_on):
    since = utcnow() - timedelta(minutes=5)
    intent_id = paid_elsewhere(db, stripe_on, world)
    payment = record_intent(db.session, adapter.retrieve_payment_intent(stripe_on, intent_id),
                            utcnow())
    refund_through_stripe(db.session, stripe_on, payment, 10_000, "goodwill",
                          world.users["staff"].id, utcnow())
    db.session.commit()
    assert db.session.get(Invoice, world.invoices["channel"].id).status == "partially_paid"
    sync_recent(db.session, stripe_on, since, utcnow())  # meets the same refund in Stripe
    # (the fake serves the whole run: other tests' payments and refunds are synced too)
    assert db.session.query(PaymentReversal).filter_by(payment_id=payment.id).count() == 1


def test_a_card_not_kept_is_forgotten_after_paying(db, world, login_as, stripe_on):
    client = login_as("customer_admin")
    intent_id, html = start(client, world.invoices["channel"])
    assert confirm(client, intent_id, "pm_card_visa", html, stripe_on,
                   keep=False).json["status"] == "succeeded"
    assert "No payment method is saved" in client.get("/customer/payment-methods").get_data(
        as_text=True)


def test_saved_cards_are_listed_reused_and_removed(db, world, login_as, stripe_on):
    client = login_as("customer_admin")
    intent_id, html = start(client, world.invoices["channel"])
    confirm(client, intent_id, "pm_card_visa", html, stripe_on)
    page = client.get("/customer/payment-methods").get_data(as_text=True)
    assert "Visa •••• 4242" in page
    method = re.search(r'name="method" value="(pm_\w+)"', page).group(1)
    other = start_payment(db.session, stripe_on, world.customers["other"],
                          [world.invoices["other"].id], utcnow())
    db.session.commit()
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    foreign = client.post(f"/customer/pay/{other.id}/confirm", json={"payment_method": method},
                          headers={"X-CSRFToken": token})
    assert foreign.status_code == 404  # not this user's intent
    token = csrf_token(client, "/customer/payment-methods")
    removed = client.post("/customer/payment-methods/remove",
                          data={"csrf_token": token, "method": method})
    assert removed.status_code == 302
    assert "No payment method is saved" in client.get("/customer/payment-methods").get_data(
        as_text=True)
    token = csrf_token(client, "/customer/payment-methods")
    assert client.post("/customer/payment-methods/remove",
                       data={"csrf_token": token, "method": method}).status_code == 404


def test_the_sync_command_records_a_missed_payment_and_sends_its_receipt(
        app, db, world, stripe_on):
    intent_id = paid_elsewhere(db, stripe_on, world)
    result = app.test_cli_runner().invoke(args=["payments", "sync", "--hours", "1"])
    assert result.exit_code == 0, result.output
    assert "Recorded" in result.output
    payment = db.session.query(Payment).filter_by(external_id=intent_id).one()
    assert db.session.get(Invoice, world.invoices["channel"].id).status == "paid"
    again = app.test_cli_runner().invoke(args=["payments", "sync", "--hours", "1"])
    assert "Recorded 0 payments" in again.output
    assert db.session.query(Payment).filter_by(external_id=intent_id).count() == 1
    # (earlier tests' intents in the shared fake are recorded too, each with its receipt)
    receipt = db.session.query(OutboundMail).filter_by(
        dedup_key=f"payment-receipt-{payment.id}").one()
    assert receipt.to_address == payment.customer.email_of_record


def test_the_sync_command_says_when_stripe_is_not_configured(app, db):
    result = app.test_cli_runner().invoke(args=["payments", "sync"])
    assert result.exit_code != 0 and "not configured" in result.output

"""Resolving each kind of payment reconciliation exception: the money moves through the
payments domain, the resolution is kept with who, when and why, and the run's figures move."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.core.errors import InvalidInput
from billing.payments.models import Payment, PaymentReversal
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.payment_resolutions import Resolution, resolve_exception
from tests.reconciliation_report import (
    EXPECTED_FIGURES,
    RECONCILIATION,
    make_books,
    reconcile_bytes,
    usd,
)
from tests.stripe_report import NOW

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def run(session, world):
    made, invoices = make_books(session, world)
    found, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    session.commit()
    return found, made, invoices


def exception_of(session, bt_id):
    return session.scalars(select(ReconciliationException).join(ReconciliationItem).where(
        ReconciliationItem.balance_transaction_id == bt_id)).one()


def resolve(session, bt_id, how, reason="Checked with the customer", **extra):
    resolved = resolve_exception(session, exception_of(session, bt_id).id,
                                 Resolution(how, reason, "lead@staff.test", **extra), LATER)
    session.commit()
    return resolved


def figures_with(run, **changes):
    """The fixture's figures with some classes changed (None: gone)."""
    expected = {cls: entry for cls, entry in EXPECTED_FIGURES.items() if cls not in changes}
    expected.update({cls: entry for cls, entry in changes.items() if entry is not None})
    return expected


def test_an_unmatched_payment_is_assigned_to_an_account(session, run):
    found, made, invoices = run
    resolved = resolve(session, "txn_1RptUnmatch01", "assigned", customer_id=made[2].id,
                       invoice_numbers=("R-2",))
    assert (resolved.status, resolved.resolution, resolved.resolved_by, resolved.resolved_at,
            resolved.reason) == ("resolved", "assigned", "lead@staff.test", LATER,
                                 "Checked with the customer")
    session.refresh(invoices[2])
    assert invoices[2].paid_minor == 7_500  # 50.00 before, and the 25.00
    assert resolved.item.item_class == "partial"  # R-2 (200.00) is still open
    session.refresh(found)
    assert found.figures == figures_with(found, unmatched=None, partial=usd(2, 7_500))


def test_a_duplicate_is_refunded_whole(session, run):
    found, *_ = run
    resolved = resolve(session, "txn_1RptDuplic001", "refunded")
    refund = session.scalars(select(PaymentReversal).where(
        PaymentReversal.payment_id == resolved.item.payment_id)).one()
    assert (refund.kind, refund.amount_minor) == ("refund", 10_000)
    session.refresh(found)
    assert found.figures == figures_with(found, duplicate=None, refunded=usd(1, 10_000))


def test_an_unknown_charge_is_recorded_on_the_account_chosen(session, run):
    found, made, invoices = run
    resolved = resolve(session, "txn_RecUnknown01", "recorded", customer_id=made[2].id,
                       invoice_numbers=("R-2",))
    payment = session.get(Payment, resolved.item.payment_id)
    assert (payment.external_id, payment.amount_minor, payment.customer_id,
            payment.payment_class) == ("pi_RecUnknown01", 4_000, made[2].id, "partial")
    session.refresh(found)
    assert found.figures == figures_with(found, unknown_charge=None, partial=usd(2, 9_000))


def test_a_refund_of_a_payment_never_seen_cannot_be_refunded_but_written_off(session, run):
    found, *_ = run
    with pytest.raises(InvalidInput, match="no payment"):
        resolve(session, "txn_RecRefUnk01", "refunded")
    session.rollback()
    resolved = resolve(session, "txn_RecRefUnk01", "written_off",
                       reason="Refund made by hand in the Stripe dashboard")
    assert resolved.item.item_class == "written_off"
    session.refresh(found)
    assert found.figures == figures_with(found, unknown_reversal=None,
                                         written_off=usd(1, -2_000))


def test_a_payout_that_does_not_add_up_is_explained(session, run):
    found, *_ = run
    resolve(session, "txn_RecPayout02", "explained", reason="Includes a manual top-up")
    session.refresh(found)
    assert found.figures == figures_with(found, payout_mismatch=None,
                                         explained=usd(1, -2_500))


def test_a_missed_refund_of_a_known_payment_is_recorded(session, world):
    """The portal knows the payment but never heard of its refund: refunding records it."""
    made_books = make_books(session, world)
    text = RECONCILIATION.read_text().replace("re_1RptRefund001", "re_RecMissed001")
    found, _ = reconcile_bytes(session, text.encode())
    session.commit()
    assert made_books and exception_of(session, "txn_1RptRefund001").kind == "unknown_reversal"
    resolved = resolve(session, "txn_1RptRefund001", "refunded")
    reversal = session.get(PaymentReversal, resolved.item.reversal_id)
    assert (reversal.external_id, reversal.amount_minor) == ("re_RecMissed001", 1_500)
    assert resolved.item.item_class == "refund"


@pytest.mark.parametrize("how, extra, says", [
    ("assigned", {}, "Choose the account"),
    ("written_off", {}, "cannot be resolved that way"),  # a payment is not written off
    ("explained", {"reason": "  "}, "Say why"),
])
def test_a_resolution_that_does_not_fit_is_refused(session, run, how, extra, says):
    found, *_ = run
    extra = {"reason": "because", **extra}
    with pytest.raises(InvalidInput, match=says):
        resolve(session, "txn_1RptUnmatch01", how, **extra)
    session.rollback()
    assert exception_of(session, "txn_1RptUnmatch01").status == "open"
    session.refresh(found)
    assert found.figures == EXPECTED_FIGURES


def test_an_exception_is_resolved_once(session, run):
    resolve(session, "txn_RecPayout02", "explained")
    with pytest.raises(InvalidInput, match="resolved already"):
        resolve(session, "txn_RecPayout02", "written_off")

"""The world the Stripe report fixture (tests/data/stripe_balance_report.csv) speaks of,
and what importing it must give, computed by hand."""

from datetime import UTC, date, datetime
from pathlib import Path

from billing.payments.models import StripeCustomer
from billing.payments.recording import Receipt, record_payment
from tests.factories import another_period_end, make_customer, make_invoice

NOW = datetime(2026, 4, 10, 18, tzinfo=UTC)
REPORT = Path(__file__).parent / "data" / "stripe_balance_report.csv"

# Hand-computed from tests/data/stripe_balance_report.csv and the invoices of `accounts`.
EXPECTED = [
    # R-1 is 100.00, the charge names it and pays exactly that.
    ("txn_1RptMatched01", "charge", "matched", "RPT-0001", "R-1", "100.00", "0.00", "USD"),
    # R-2 is 200.00; 50.00 leaves 150.00 open.
    ("txn_1RptPartial01", "charge", "partial", "RPT-0002", "R-2", "50.00", "0.00", "USD"),
    # R-3 is 30.00; 45.00 - 30.00 = 15.00 unapplied credit.
    ("txn_1RptOverpd001", "charge", "overpaid", "RPT-0003", "R-3", "30.00", "15.00", "USD"),
    # R-1 is already paid and RPT-0001 owes nothing else: all 100.00 unapplied.
    ("txn_1RptDuplic001", "charge", "duplicate", "RPT-0001", "R-1", "0.00", "100.00", "USD"),
    # NOPE-999 is no account: suspense, nothing allocated.
    ("txn_1RptUnmatch01", "charge", "unmatched", "NOPE-999", "", "0.00", "25.00", "USD"),
    # No metadata; cus_RptFour is RPT-0004's Stripe customer; R-4 is 80.00, oldest due.
    ("txn_1RptByCust001", "charge", "matched", "RPT-0004", "", "80.00", "0.00", "USD"),
    # pi_1RptWebhook01 was recorded by the webhook before: nothing new.
    ("txn_1RptWebhook01", "charge", "replayed", "RPT-0005", "R-5", "0.00", "0.00", "USD"),
    # 15.00 back out of the overpayment: taken from its 15.00 unapplied credit first.
    ("txn_1RptRefund001", "refund", "refund", "RPT-0003", "R-3", "0.00", "-15.00", "USD"),
    # The 80.00 chargeback undoes the 80.00 on R-4.
    ("txn_1RptDispute01", "dispute", "chargeback", "RPT-0004", "", "-80.00", "0.00", "USD"),
    # Won: 80.00 comes back and pays R-4 again.
    ("txn_1RptDispRev01", "dispute_reversal", "chargeback_reversal", "RPT-0004", "",
     "80.00", "0.00", "USD"),
    ("txn_1RptFee00001", "fee", "fee", "", "", "0.00", "0.00", "USD"),
    ("txn_1RptNetCost1", "network_cost", "fee", "", "", "0.00", "0.00", "USD"),
    ("txn_1RptPayout001", "payout", "payout", "", "", "0.00", "0.00", "USD"),
]


def invoice(session, customer, number, amount, due=date(2026, 2, 28)):
    made = make_invoice(session, customer, number, period_end=another_period_end(),
                        amount_minor=amount, status="draft")
    made.due_date, made.status = due, "issued"
    session.flush()
    return made


def make_report_accounts(session, world):
    """Five accounts with one invoice each; RPT-0004 pays through its Stripe customer and
    RPT-0005's payment came in by webhook before the report."""
    made = {n: make_customer(session, f"RPT-000{n}", f"Report Payer {n}",
                             world.partners["channel"]) for n in range(1, 6)}
    invoices = {n: invoice(session, made[n], f"R-{n}", amount)
                for n, amount in enumerate((10_000, 20_000, 3_000, 8_000, 6_000), start=1)}
    session.add(StripeCustomer(customer_id=made[4].id, currency="USD", stripe_id="cus_RptFour"))
    record_payment(session, Receipt(
        "USD", 6_000, datetime(2026, 3, 6, 7, 5, tzinfo=UTC), "card", "pi_1RptWebhook01",
        "stripe", made[5].id, ("R-5",), external_id="pi_1RptWebhook01"), NOW)
    session.flush()
    return made, invoices

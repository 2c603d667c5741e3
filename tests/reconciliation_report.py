"""The world the payment reconciliation fixture (tests/data/stripe_reconciliation_report.csv)
speaks of, and what reconciling it must give, computed by hand.

The books: the accounts of tests/stripe_report.py with the balance-change report
tests/data/stripe_balance_report.csv imported (its charges, refund, chargeback and
reversal recorded). The reconciliation report repeats those transactions (paid out by
po_RecPayoutA01) and adds what the books lack.
"""

import io
import time
from datetime import timedelta
from pathlib import Path

from billing.core.clock import utcnow
from billing.payments.report_import import import_rows
from billing.payments.report_rows import read_report
from billing.reconciliation.payment_input import file_key
from billing.reconciliation.payment_runs import reconcile_file, start_payment_run
from tests.stripe_report import NOW, REPORT, make_report_accounts

RECONCILIATION = Path(__file__).parent / "data" / "stripe_reconciliation_report.csv"

# (balance transaction, category, class, gross in minor units), one per row of the file.
EXPECTED_ITEMS = [
    ("txn_1RptMatched01", "charge", "matched", 10_000),  # its payment closed R-1
    ("txn_1RptPartial01", "charge", "partial", 5_000),  # left R-2 open
    ("txn_1RptOverpd001", "charge", "overpaid", 4_500),  # left 15.00 unapplied
    ("txn_1RptDuplic001", "charge", "duplicate", 10_000),  # named R-1, already paid
    ("txn_1RptUnmatch01", "charge", "unmatched", 2_500),  # NOPE-999: in suspense
    ("txn_1RptByCust001", "charge", "matched", 8_000),  # via cus_RptFour, closed R-4
    ("txn_1RptWebhook01", "charge", "matched", 6_000),  # the webhook's payment
    ("txn_1RptRefund001", "refund", "refund", -1_500),  # re_1RptRefund001 is recorded
    ("txn_1RptDispute01", "dispute", "chargeback", -8_000),  # du_1RptDispute01 recorded
    ("txn_1RptDispRev01", "dispute_reversal", "chargeback_reversal", 8_000),
    ("txn_1RptFee00001", "fee", "fee", -200),
    ("txn_1RptNetCost1", "network_cost", "fee", -35),
    ("txn_RecUnknown01", "charge", "unknown_charge", 4_000),  # pi_RecUnknown01: never seen
    ("txn_RecRefUnk01", "refund", "unknown_reversal", -2_000),  # of a payment never seen
    ("txn_RecAdjust01", "other_adjustment", "adjustment", -100),
    # Nets of po_RecPayoutA01's 12 rows: 96.80 + 48.25 + 43.39 + 96.80 + 23.97 + 77.38
    # + 57.96 - 15.00 - 95.00 + 95.00 - 2.00 - 0.35 = 427.20: it adds up.
    ("txn_RecPayout01", "payout", "payout", -42_720),
    # Nets of po_RecPayoutB01's 3 rows: 38.54 - 20.00 - 1.00 = 17.54, but 25.00 was paid out.
    ("txn_RecPayout02", "payout", "payout_mismatch", -2_500),
    ("txn_RecPayRev01", "payout_reversal", "payout_reversal", 500),
    ("txn_RecFeeApr01", "fee", "fee", -50),  # 2026-04-01 03:00 UTC is March 31 in Denver
    ("txn_RecFeeApr02", "fee", "fee", -25),
]

# (kind, balance transaction, amount at stake in minor units)
EXPECTED_EXCEPTIONS = [
    ("duplicate", "txn_1RptDuplic001", 10_000),
    ("unmatched", "txn_1RptUnmatch01", 2_500),
    ("unknown_charge", "txn_RecUnknown01", 4_000),
    ("unknown_reversal", "txn_RecRefUnk01", -2_000),
    ("payout_mismatch", "txn_RecPayout02", 1_754 - 2_500),  # its nets less what it paid out
]


def usd(count, amount):
    return {"USD": {"count": count, "amount_minor": amount}}


EXPECTED_FIGURES = {
    "matched": usd(3, 24_000), "partial": usd(1, 5_000), "overpaid": usd(1, 4_500),
    "duplicate": usd(1, 10_000), "unmatched": usd(1, 2_500), "refund": usd(1, -1_500),
    "chargeback": usd(1, -8_000), "chargeback_reversal": usd(1, 8_000),
    "fee": usd(4, -310),  # 2.00 + 0.35 + 0.50 + 0.25
    "unknown_charge": usd(1, 4_000), "unknown_reversal": usd(1, -2_000),
    "adjustment": usd(1, -100), "payout": usd(1, -42_720),
    "payout_mismatch": usd(1, -2_500), "payout_reversal": usd(1, 500),
}

# Fee expense per currency and month (provider's months): Stripe's fees on the rows
# 3.20 + 1.75 + 1.61 + 3.20 + 1.03 + 2.62 + 2.04 + 15.00 - 15.00 + 1.46 = 16.91, and the
# fee rows 2.00 + 0.35 + 0.50 = 2.85, in March; 0.25 in April.
EXPECTED_FEES = [("USD", "2026-03", 1_976), ("USD", "2026-04", 25)]


def make_books(session, world):
    """The accounts, with the balance-change report imported into them."""
    made = make_report_accounts(session, world)
    report = read_report(io.BytesIO(REPORT.read_bytes()), NOW)
    import_rows(session, report.rows, NOW)
    session.flush()
    return made


def reconcile_bytes(session, data: bytes, *, by="finance@example.test", now=NOW):
    """Start (or find) the run of this file and reconcile it, as the CLI does."""
    stream = io.BytesIO(data)
    key, lines = file_key(stream)
    started = start_payment_run(session, input_key=key, input_label="report.csv",
                                started_by=by, now=now, total=max(lines - 1, 0))
    if not started.created:
        return started.run, None
    staged = reconcile_file(session, started.run, stream, now)
    return started.run, staged


def fresh_second():
    """The next whole second, once it has begun: Stripe's times are whole seconds, and
    what other tests made on the same fake server before it stays out of the window."""
    start = utcnow().replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max((start - utcnow()).total_seconds(), 0))
    return start

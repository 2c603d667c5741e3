"""The common charges of a Stripe report, recorded and allocated in set-based SQL (PostgreSQL).

`import_rows` hands this module the fresh rows of a chunk; `apply_common` takes the
charges it can apply with the same result as the general Python path
(`batch_recording.record_payments` over `allocation.allocate`) and returns their stored
records; the caller applies every other row the general way. The allocation rule
itself stays in `allocation.allocate`: the SQL here is a second expression of it, for the
one case it covers, and tests/integration/test_report_import_sets.py runs generated
reports through both and compares the results and the allocation rows.

Which charges (the "common" ones):

- the chunk has no refund, dispute or reversal (a reversal may undo a charge of the same
  chunk: those chunks go the general way whole);
- the charge's PaymentIntent (or charge) id appears once among the chunk's charges, and
  `record_payment` would take it (an amount above zero, received by `now`);
- either no account is known (unmatched: nothing allocated), or the PaymentIntent was
  recorded before (replayed: nothing changes), or, for all the chunk's charges of that
  paying account and currency, the invoices each names (issued, partially paid or paid,
  of that account and currency) have room for the whole amount and no invoice is named
  by two of them. `allocate` then pays the named invoices in the order named, each up to
  its open amount, and stops there: the oldest-due rule (and its number order) is never
  reached, and no charge of the account sees what another paid. The class is `partial`
  when the last invoice paid stays open, else `matched`.

The chunk's rows are copied (COPY) into a temporary staging table, already checked by
`report_rows`; the matching (replays by outside id, invoices named), the choice above and
the allocation (running sums over the named invoices, `sum() over (...)`) are a few
statements over it, and the payments, allocations, invoices' paid amounts and statuses and
the balance-transaction records are written by INSERT ... SELECT and one UPDATE.

Locks: the caller (`import_rows`) has locked the paying accounts of every row of the
chunk, lowest id first (`lock_accounts`), before anything here runs; every change of money
on an account takes that lock first, so the open amounts read here cannot move until the
transaction ends. The invoices paid are then locked lowest id first, before any is
written, as `posting` does. The general path run afterwards in the same transaction locks
its own invoices; none is one of these (an account's charges in one currency all go one
way), and their accounts' locks are held as well, so nobody can hold one of them and
wait for ours.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from billing.core.clock import utcnow
from billing.core.money import MAX_MINOR
from billing.invoicing.models import Invoice
from billing.payments.ledger import BILLED
from billing.payments.report_models import StripeBalanceTransaction
from billing.payments.report_rows import ReportRow

STAGE = "report_stage"
NAMED = "report_named"
REVERSING = ("refund", "dispute", "dispute_reversal")

_STAGE_COLUMNS = (
    ("ord", "integer"), ("balance_transaction_id", "text"), ("reporting_category", "text"),
    ("currency", "text"), ("gross_minor", "bigint"), ("fee_minor", "bigint"),
    ("net_minor", "bigint"), ("created_utc", "timestamptz"),
    ("available_on_utc", "timestamptz"), ("source_id", "text"), ("charge_id", "text"),
    ("payment_intent_id", "text"), ("stripe_customer_id", "text"),
    ("automatic_payout_id", "text"), ("automatic_payout_effective_at", "timestamptz"),
    ("account_number", "text"), ("invoice_numbers", "text"), ("numbers", "text[]"),
    ("named_json", "json"), ("amount_currency", "text"), ("amount_minor", "bigint"),
    ("method", "text"), ("payer_id", "integer"), ("external_id", "text"),
    ("reference", "text"), ("payer_note", "text"), ("note", "text"),
)
_COPIED = ", ".join(name for name, _ in _STAGE_COLUMNS)
_BILLED = ", ".join(f"'{status}'" for status in BILLED)


def apply_common(session: Session, rows: Sequence[ReportRow],
                 payer_of: Callable[[ReportRow], int | None], now: datetime) -> dict[str, Row]:
    """Record, allocate and keep the common charges among these fresh rows (see the
    module's docstring); returns their stored records (the columns of
    `StripeBalanceTransaction` by name) by balance transaction id. Flushes, never commits;
    the caller holds the locks of every paying account the rows name. `payer_of` gives
    the paying account of a charge (`report_import`'s matching), None when unknown."""
    staged = _candidates(rows, payer_of, now)
    if not staged:
        return {}
    session.flush()
    connection = session.connection()
    _stage(connection, staged)
    run = connection.exec_driver_sql
    common = run(_MATCH_REPLAYS).rowcount
    run(_MATCH_NAMED)
    common += run(_CHOOSE).rowcount
    locked = [i for (i,) in run(_LOCK_INVOICES)]
    run(_INSERT_PAYMENTS, {"created": utcnow()})
    run(_CONCURRENT_REPLAYS)
    run(_INSERT_ALLOCATIONS, {"now": now})
    run(_MOVE_INVOICES)
    kept = {stored.balance_transaction_id: stored for stored in run(_KEEP, {"now": now})}
    for invoice_id in locked:  # as `posting.post_many`: what the session holds reloads
        held = session.identity_map.get(identity_key(Invoice, invoice_id))
        if held is not None:
            session.expire(held, ["paid_minor", "status"])
    if len(kept) < common:  # a concurrent import stored some first: as it stored them
        table = StripeBalanceTransaction.__table__
        missed = [bt for (bt,) in run(f"SELECT balance_transaction_id FROM {STAGE} WHERE fast")
                  if bt not in kept]
        kept.update((stored.balance_transaction_id, stored) for stored in session.execute(
            select(*table.c).where(table.c.balance_transaction_id.in_(missed))))
    return kept


def _candidates(rows: Sequence[ReportRow], payer_of, now: datetime) -> list[tuple]:
    """The staging rows of the charges that may be common: a chunk with a reversal in it,
    and the charges of an account (or, unmatched, of nobody) in a currency where some
    outside id appears twice, or where some charge is one `record_payment` refuses (no
    amount, received after `now`), are left to the general path, which says why."""
    if any(row.reporting_category in REVERSING for row in rows):
        return []
    charges = [row for row in rows if row.reporting_category == "charge"]
    refs = Counter(row.payment_ref for row in charges)
    keyed = [(row, payer_of(row)) for row in charges]
    twice = {(payer, row.amount_currency) for row, payer in keyed
             if refs[row.payment_ref] > 1 or not 0 < row.amount_minor <= MAX_MINOR
             or row.created > now}
    return [_staged(ord_, row, payer) for ord_, (row, payer) in enumerate(keyed)
            if (payer, row.amount_currency) not in twice]


def _staged(ord_: int, row: ReportRow, payer: int | None) -> tuple:
    """One staging row: the report's figures and the payment's fields as
    `report_import._receipt` and `batch_recording._insert` make them."""
    note = f"Stripe metadata names account {row.account_number}, which the portal does " \
        "not know." if row.account_number and payer is None else ""
    return (ord_, row.balance_transaction_id, row.reporting_category, row.currency,
            row.gross_minor, row.fee_minor, row.net_minor, row.created, row.available_on,
            row.source_id, row.charge_id, row.payment_intent_id, row.stripe_customer_id,
            row.payout_id, row.payout_at, row.account_number, " ".join(row.invoice_numbers),
            list(row.invoice_numbers), json.dumps(list(row.invoice_numbers)),
            row.amount_currency, row.amount_minor, row.method, payer, row.payment_ref,
            (row.charge_id or row.balance_transaction_id).strip(), note[:300],
            f"Stripe balance transaction {row.balance_transaction_id}"[:500])


def _stage(connection, staged: list[tuple]) -> None:
    """Empty (or create) the session's staging tables and COPY the rows in."""
    columns = ", ".join(f"{name} {kind}" for name, kind in _STAGE_COLUMNS)
    run = connection.exec_driver_sql
    # Temporary: each connection has its own, and COMMIT empties them.
    run(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ({columns}, payment_id integer, "
        "result_class text, allocated_minor bigint NOT NULL DEFAULT 0, "
        "fast boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS")
    run(f"CREATE TEMPORARY TABLE IF NOT EXISTS {NAMED} (ord integer, pos bigint, "
        "invoice_id integer, open_minor bigint, share_minor bigint) ON COMMIT DELETE ROWS")
    # The planner's estimates over the staging tables put some of the statements below
    # above jit_above_cost; compiling them took ten times as long as running them.
    run("SET LOCAL jit = off")
    run(f"TRUNCATE {STAGE}, {NAMED}")
    raw = connection.connection.driver_connection  # the session's own transaction
    with raw.cursor() as cursor, cursor.copy(f"COPY {STAGE} ({_COPIED}) FROM STDIN") as copy:
        for row in staged:
            copy.write_row(row)
    run(f"ANALYZE {STAGE}")  # never analysed for us; without it the joins below may scan


# A charge whose outside id the portal already recorded (by webhook, sync, an earlier
# import): nothing changes, as `record_payments` answers it. (The ids as an array: the
# planner then probes the unique index instead of scanning the payments.)
_MATCH_REPLAYS = f"""
UPDATE {STAGE} s SET payment_id = p.id, result_class = 'replayed', fast = true
FROM payment p
WHERE p.external_id = ANY(ARRAY(SELECT external_id FROM {STAGE}))
  AND p.external_id = s.external_id"""

# The invoices each charge names that `allocate` may pay (the paying account's, in the
# charge's currency, issued, partially paid or paid), each once at its first position,
# with its open amount (never below zero), and what `allocate` pays on it when it pays
# the named invoices in the order named: what is left of the amount after the ones
# before it (a running sum), up to its open amount.
_MATCH_NAMED = f"""
INSERT INTO {NAMED} (ord, pos, invoice_id, open_minor, share_minor)
SELECT ord, pos, invoice_id, open_minor,
       least(open_minor, amount_minor - coalesce(sum(open_minor) OVER (
           PARTITION BY ord ORDER BY pos
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))
FROM (
    SELECT s.ord, min(n.pos) AS pos, i.id AS invoice_id, s.amount_minor,
           max(greatest(i.total_minor - i.paid_minor, 0)) AS open_minor
    FROM {STAGE} s
    CROSS JOIN LATERAL unnest(s.numbers) WITH ORDINALITY AS n(number, pos)
    JOIN invoice i ON i.number = n.number AND i.customer_id = s.payer_id
        AND i.currency = s.amount_currency AND i.status IN ({_BILLED})
    WHERE s.payer_id IS NOT NULL AND s.result_class IS NULL
      AND i.number = ANY(ARRAY(SELECT unnest(numbers) FROM {STAGE}))
    GROUP BY s.ord, i.id, s.amount_minor) named"""

# Common: unmatched, or every charge of the account and currency fits in its named
# invoices and names none another one names. Such a charge pays its named invoices in
# full, and is `partial` when the last it pays stays open.
_CHOOSE = f"""
WITH room AS (
    SELECT s.ord, s.payer_id, s.amount_currency, s.amount_minor,
           coalesce(sum(n.open_minor), 0) AS open_minor,
           coalesce(bool_or(n.share_minor > 0 AND n.share_minor < n.open_minor),
                    false) AS left_open
    FROM {STAGE} s LEFT JOIN {NAMED} n ON n.ord = s.ord
    WHERE s.result_class IS NULL
    GROUP BY s.ord, s.payer_id, s.amount_currency, s.amount_minor),
general AS (
    SELECT payer_id, amount_currency FROM room
    WHERE payer_id IS NOT NULL AND open_minor < amount_minor
    UNION
    SELECT s.payer_id, s.amount_currency FROM {NAMED} n JOIN {STAGE} s ON s.ord = n.ord
    GROUP BY n.invoice_id, s.payer_id, s.amount_currency HAVING count(*) > 1)
UPDATE {STAGE} s SET fast = true,
    result_class = CASE WHEN r.payer_id IS NULL THEN 'unmatched'
                        WHEN r.left_open THEN 'partial' ELSE 'matched' END,
    allocated_minor = CASE WHEN r.payer_id IS NULL THEN 0 ELSE r.amount_minor END
FROM room r
WHERE r.ord = s.ord AND (r.payer_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM general g
    WHERE g.payer_id = r.payer_id AND g.amount_currency = r.amount_currency))"""

_LOCK_INVOICES = f"""
SELECT id FROM invoice WHERE id IN (
    SELECT n.invoice_id FROM {NAMED} n JOIN {STAGE} s ON s.ord = n.ord
    WHERE s.fast AND n.share_minor > 0)
ORDER BY id FOR NO KEY UPDATE"""

# A concurrent import may have recorded the same outside id since (only an unmatched
# payment can be: a matched one waited for its account's lock); that row is then a
# replay, as `batch_recording._insert` answers it.
_INSERT_PAYMENTS = f"""
WITH made AS (
    INSERT INTO payment (customer_id, currency, amount_minor, received_at, method,
                         reference, source, external_id, named_invoices, payment_class,
                         payer_note, note, recorded_by_id, created_at)
    SELECT payer_id, amount_currency, amount_minor, created_utc, method, reference,
           'report', external_id, named_json, result_class, payer_note, note, NULL,
           %(created)s
    FROM {STAGE} WHERE fast AND payment_id IS NULL ORDER BY ord
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, external_id)
UPDATE {STAGE} s SET payment_id = made.id FROM made WHERE made.external_id = s.external_id"""

_CONCURRENT_REPLAYS = f"""
UPDATE {STAGE} s SET payment_id = p.id, result_class = 'replayed', allocated_minor = 0
FROM payment p WHERE s.fast AND s.payment_id IS NULL AND p.external_id = s.external_id"""

_PAID = f"""
    FROM {NAMED} n JOIN {STAGE} s ON s.ord = n.ord
    WHERE s.fast AND s.result_class IN ('matched', 'partial') AND n.share_minor > 0"""

_INSERT_ALLOCATIONS = f"""
INSERT INTO payment_allocation (payment_id, invoice_id, amount_minor, at, reversal_id)
SELECT s.payment_id, n.invoice_id, n.share_minor, %(now)s, NULL {_PAID}
ORDER BY s.ord, n.pos"""

# `allocation.invoice_status` of the new paid amount; the moves (issued or partially
# paid to partially paid or paid) are all in the status table, and its trigger checks.
_MOVE_INVOICES = f"""
UPDATE invoice i SET paid_minor = i.paid_minor + t.paid,
    status = CASE WHEN i.paid_minor + t.paid <= 0 THEN 'issued'
                  WHEN i.paid_minor + t.paid >= i.total_minor THEN 'paid'
                  ELSE 'partially_paid' END
FROM (SELECT n.invoice_id, sum(n.share_minor) AS paid {_PAID} GROUP BY n.invoice_id) t
WHERE i.id = t.invoice_id"""

# As `report_import._record`: the account number the row names, else the payment's.
_KEEP = f"""
INSERT INTO stripe_balance_transaction (
    balance_transaction_id, reporting_category, result_class, currency, gross_minor,
    fee_minor, net_minor, created_utc, available_on_utc, source_id, charge_id,
    payment_intent_id, stripe_customer_id, automatic_payout_id,
    automatic_payout_effective_at, account_number, invoice_numbers, amount_currency,
    allocated_minor, unapplied_minor, payment_id, reversal_id, outcome, imported_at)
SELECT s.balance_transaction_id, s.reporting_category, s.result_class, s.currency,
       s.gross_minor, s.fee_minor, s.net_minor, s.created_utc, s.available_on_utc,
       s.source_id, s.charge_id, s.payment_intent_id, s.stripe_customer_id,
       s.automatic_payout_id, s.automatic_payout_effective_at,
       CASE WHEN s.account_number <> '' THEN s.account_number
            ELSE coalesce(c.account_number, '') END,
       s.invoice_numbers, s.amount_currency, s.allocated_minor,
       CASE WHEN s.result_class = 'replayed' THEN 0
            ELSE s.amount_minor - s.allocated_minor END,
       s.payment_id, NULL, '', %(now)s
FROM {STAGE} s
LEFT JOIN payment p ON p.id = s.payment_id
LEFT JOIN customer c ON c.id = p.customer_id
WHERE s.fast ORDER BY s.ord
ON CONFLICT (balance_transaction_id) DO NOTHING
RETURNING stripe_balance_transaction.*"""

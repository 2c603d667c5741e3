"""Applying Stripe's balance-change report: each balance transaction once.

`import_rows(session, rows, now)` takes rows checked by `report_rows.read_report` (a file
with a bad row never gets here) and, for each balance transaction not seen before:

- `charge`: records the payment (`record_payments`, source "report"), its outside id the
  PaymentIntent id (else the charge id), so a payment the webhook or the sync already
  recorded is recognised and classed `replayed` with nothing new allocated. Its account
  is `payment_metadata[account_number]`, else the account whose Stripe customer it is;
  none known leaves it unmatched, in the suspense queue. The invoices it pays are
  `payment_metadata[invoice_numbers]`. Its class is the payment's.
- `refund`, `dispute`: money back out of that payment (`refund_payment`, kind refund or
  chargeback, outside id `source_id`, the refund or dispute id).
- `dispute_reversal`: the dispute won, the money allocated again (`reverse_chargeback`,
  outside id the balance transaction's own id: it shares `source_id` with its dispute).
- payouts (`payout`, `payout_reversal`, ...) are classed `payout`, every other category
  (`fee`, `network_cost`, `other_adjustment`, ...) `fee`; nothing is allocated.

A refund or dispute whose payment the portal does not know, or that the payment cannot
cover, is kept with its reason in `outcome` and nothing moved: reconciliation shows it.

On PostgreSQL the common charges of each call (see `report_sets`) are matched, allocated
and kept in set-based SQL first, with the same results; the rest go the way above.

Each balance transaction is kept in `stripe_balance_transaction` with its result; one
seen before returns its stored result and changes nothing, so importing a file twice
writes the same results and records nothing twice. Every row is idempotent, so the
caller may commit after any number of rows (the CLI commits every `CHUNK`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.db import among
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_accounts
from billing.core.money import MINOR_DIGITS
from billing.parties.bill_to import paying_account
from billing.parties.models import Customer
from billing.payments.batch_recording import record_payments
from billing.payments.models import Payment, PaymentAllocation, StripeCustomer
from billing.payments.recording import Receipt
from billing.payments.refunds import refund_payment, reverse_chargeback
from billing.payments.report_models import StripeBalanceTransaction
from billing.payments.report_rows import ReportRow
from billing.payments.report_sets import REVERSING, apply_common

CHUNK = 1_000  # rows per transaction in the CLI
RESULT_COLUMNS = ("balance_transaction_id", "reporting_category", "class", "account_number",
                  "invoice_numbers", "allocated", "unapplied", "currency")


@dataclass(frozen=True)
class Outcome:
    """What one balance transaction did; amounts in minor units of `currency`."""

    result_class: str
    currency: str
    allocated_minor: int = 0
    unapplied_minor: int = 0
    payment_id: int | None = None
    reversal_id: int | None = None
    note: str = ""


def import_rows(session: Session, rows: Sequence[ReportRow], now: datetime, *,
                set_based: bool | None = None) -> list[Row]:
    """Apply these rows (each balance transaction once); returns the stored record of each,
    in the rows' order. Flushes, never commits.

    On PostgreSQL the common charges are applied first in set-based SQL (`report_sets`),
    with the same results; the rest as below. `set_based=False` sends every row the
    general way (the tests compare the two); True needs PostgreSQL.

    Lookups are made once for all the rows (the accounts named, the balance transactions
    already seen); each run of charges is recorded together (`record_payments`, the rules
    of `record_payment`), refunds and disputes one by one in file order, and the records
    are written together at the end. Every account the rows change is locked first,
    lowest id first: the transaction holds them all until it ends, and two imports (or an
    import and a refund) taking them in different orders could otherwise deadlock. Once
    they are held, any import that touched them before has committed, so the balance
    transactions it stored are seen here and returned as stored.
    """
    accounts = _accounts(session, rows)
    _lock(session, rows, accounts)
    known = _stored(session, [row.balance_transaction_id for row in rows])
    done = _common(session, [row for row in rows if row.balance_transaction_id not in known],
                   accounts, now, set_based)
    fresh, charges = [], []
    for row in rows:
        if row.balance_transaction_id in known or row.balance_transaction_id in done:
            continue
        if row.reporting_category == "charge":
            charges.append(row)
            continue
        fresh += _charges(session, charges, accounts, now)  # before a refund of them
        charges = []
        fresh.append((row, _apply(session, row, now)))
    fresh += _charges(session, charges, accounts, now)
    known.update(done)
    known.update(_keep(session, fresh, now))
    return [known[row.balance_transaction_id] for row in rows]


def result_row(stored: StripeBalanceTransaction) -> tuple[str, ...]:
    """The results-file row of one balance transaction (amounts in major units)."""
    return (stored.balance_transaction_id, stored.reporting_category, stored.result_class,
            stored.account_number, stored.invoice_numbers,
            major_text(stored.allocated_minor, stored.amount_currency),
            major_text(stored.unapplied_minor, stored.amount_currency),
            stored.amount_currency)


def major_text(minor: int, currency: str) -> str:
    """Minor units as a plain major-unit amount ("-12.30"), as Stripe writes them."""
    places = MINOR_DIGITS[currency]
    sign, whole = ("-" if minor < 0 else ""), abs(minor)
    return f"{sign}{whole // 10 ** places}.{whole % 10 ** places:0{places}d}"


def _stored(session: Session, ids: Iterable[str]) -> dict[str, Row]:
    """The stored records of these balance transactions, as plain rows (the columns of
    `StripeBalanceTransaction` by name), not ORM objects: nothing changes them."""
    ids = list(ids)
    table = StripeBalanceTransaction.__table__
    return {stored.balance_transaction_id: stored for stored in session.execute(
        select(*table.c).where(among(session, table.c.balance_transaction_id, ids)))} if ids else {}


def _accounts(session: Session, rows: Sequence[ReportRow]) -> dict:
    """The accounts the rows name, by ("number", account number) and ("stripe", Stripe
    customer id), in two queries for all the rows; under "payers", {account id: the id
    of the account that pays for it} (`bill_to`)."""
    numbers = {row.account_number for row in rows if row.account_number}
    stripe_ids = {row.stripe_customer_id for row in rows if row.stripe_customer_id}
    found: dict = {}
    if stripe_ids:
        found.update((("stripe", stripe_id), customer_id) for stripe_id, customer_id in
                     session.execute(select(StripeCustomer.stripe_id,
                                            StripeCustomer.customer_id)
                                     .where(among(session, StripeCustomer.stripe_id, stripe_ids))))
    ids = set(found.values())
    named = session.execute(select(Customer.id, Customer.account_number, paying_account())
                            .where(among(session, Customer.account_number, numbers)
                                   | among(session, Customer.id, ids))).all() \
        if numbers or ids else []
    found.update((("number", number), customer_id) for customer_id, number, _ in named)
    found["payers"] = {customer_id: payer for customer_id, _, payer in named}
    return found


def _lock(session: Session, rows: Sequence[ReportRow], accounts: dict) -> None:
    """Lock the bill-to accounts of the charges and of the payments the refunds, disputes
    and reversals reverse, lowest id first."""
    refs = {ref for row in rows if row.reporting_category in REVERSING
            for ref in (row.payment_intent_id, row.charge_id) if ref}
    paying = set(session.scalars(select(Payment.customer_id).where(
        among(session, Payment.external_id, refs), Payment.customer_id.is_not(None)
    ))) if refs else set()
    lock_accounts(session, paying | set(accounts["payers"].values()))


def _common(session: Session, fresh: list[ReportRow], accounts: dict, now: datetime,
            set_based: bool | None) -> dict[str, Row]:
    """The stored records of the charges `report_sets` applied, by balance transaction id."""
    if set_based is None:
        set_based = session.get_bind().dialect.name == "postgresql"
    if not set_based:
        return {}
    return apply_common(session, fresh,
                        lambda row: accounts["payers"].get(_account_of(row, accounts)), now)


def _apply(session: Session, row: ReportRow, now: datetime) -> Outcome:
    if row.reporting_category in REVERSING:
        return _reversal(session, row, now)
    return Outcome("payout" if row.reporting_category.startswith("payout") else "fee",
                   row.currency)


def _charges(session: Session, rows: list[ReportRow], accounts: dict,
             now: datetime) -> list[tuple[ReportRow, Outcome]]:
    """Record the payments of these charges together (`record_payments`)."""
    if not rows:
        return []
    recorded = record_payments(session, [_receipt(row, accounts) for row in rows], now)
    return [(row, Outcome(done.payment_class, row.amount_currency, done.allocated_minor,
                          row.amount_minor - done.allocated_minor, done.payment_id)
             if done.is_new else Outcome("replayed", row.amount_currency,
                                         payment_id=done.payment_id))
            for row, done in zip(rows, recorded, strict=True)]


def _receipt(row: ReportRow, accounts: dict) -> Receipt:
    customer_id = _account_of(row, accounts)
    note = f"Stripe metadata names account {row.account_number}, which the portal does " \
        "not know." if row.account_number and customer_id is None else ""
    return Receipt(
        currency=row.amount_currency, amount_minor=row.amount_minor, received_at=row.created,
        method=row.method, reference=row.charge_id or row.balance_transaction_id,
        source="report", customer_id=customer_id, named_numbers=row.invoice_numbers,
        external_id=row.payment_ref, payer_note=note,
        note=f"Stripe balance transaction {row.balance_transaction_id}")


def _account_of(row: ReportRow, accounts: dict) -> int | None:
    """The account the metadata names, else the one whose Stripe customer paid."""
    return accounts.get(("number", row.account_number)) or \
        accounts.get(("stripe", row.stripe_customer_id))


def _reversal(session: Session, row: ReportRow, now: datetime) -> Outcome:
    payment = session.scalars(select(Payment).where(
        Payment.external_id.in_({row.payment_intent_id, row.charge_id} - {""}))).first()
    kind = {"refund": "refund", "dispute": "chargeback"}.get(row.reporting_category,
                                                            "chargeback_reversal")
    if payment is None:
        return Outcome(kind, row.amount_currency,
                       note=f"No payment recorded for {row.payment_ref}.")
    before = _allocated(session, payment.id)
    try:
        with session.begin_nested():
            reversal, is_new = _reverse(session, row, payment.id, kind, now)
    except (InvalidInput, NotFound) as refused:
        return Outcome(kind, row.amount_currency, payment_id=payment.id,
                       note=refused.message[:300])
    if not is_new:
        return Outcome("replayed", row.amount_currency, payment_id=payment.id,
                       reversal_id=reversal.id)
    moved = _allocated(session, payment.id) - before
    signed = reversal.amount_minor if kind == "chargeback_reversal" else -reversal.amount_minor
    return Outcome(kind, row.amount_currency, moved, signed - moved, payment.id, reversal.id)


def _reverse(session: Session, row: ReportRow, payment_id: int, kind: str, now: datetime):
    why = f"Stripe balance transaction {row.balance_transaction_id}"
    if kind == "chargeback_reversal":
        return reverse_chargeback(session, payment_id, row.amount_minor, now, reason=why,
                                  external_id=row.balance_transaction_id)
    return refund_payment(session, payment_id, row.amount_minor, now, kind=kind,
                          reason=why, external_id=row.source_id)


def _allocated(session: Session, payment_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(PaymentAllocation.amount_minor), 0))
                              .where(PaymentAllocation.payment_id == payment_id)))


def _keep(session: Session, fresh: list[tuple[ReportRow, Outcome]],
          now: datetime) -> dict[str, Row]:
    """Store the balance transactions and their results in bulk (COPY on PostgreSQL). One that a
    concurrent import stored first is left as it stored it (the money moves above were
    idempotent on their outside ids); returns what is stored for each."""
    if not fresh:
        return {}
    insert_rows(session, StripeBalanceTransaction.__table__,
                [_record(session, row, outcome, now) for row, outcome in fresh],
                skip_conflicts_on="balance_transaction_id")
    return _stored(session, [row.balance_transaction_id for row, _ in fresh])


def _record(session: Session, row: ReportRow, outcome: Outcome, now: datetime) -> dict:
    return dict(
        balance_transaction_id=row.balance_transaction_id,
        reporting_category=row.reporting_category, result_class=outcome.result_class,
        currency=row.currency, gross_minor=row.gross_minor, fee_minor=row.fee_minor,
        net_minor=row.net_minor, created_utc=row.created, available_on_utc=row.available_on,
        source_id=row.source_id, charge_id=row.charge_id,
        payment_intent_id=row.payment_intent_id, stripe_customer_id=row.stripe_customer_id,
        automatic_payout_id=row.payout_id, automatic_payout_effective_at=row.payout_at,
        account_number=row.account_number or _number_of(session, outcome.payment_id),
        invoice_numbers=" ".join(row.invoice_numbers), amount_currency=outcome.currency,
        allocated_minor=outcome.allocated_minor, unapplied_minor=outcome.unapplied_minor,
        payment_id=outcome.payment_id, reversal_id=outcome.reversal_id,
        outcome=outcome.note, imported_at=now)


def _number_of(session: Session, payment_id: int | None) -> str:
    """The account number of the payment's account, when the row itself names none."""
    payment = session.get(Payment, payment_id) if payment_id else None
    return payment.customer.account_number if payment and payment.customer else ""

"""Tying a run's items to the books, in set-based SQL (DESIGN section 8).

Each step is one statement over all the run's items, joined to the portal's tables by
the outside ids Stripe and the portal share; no item passes through Python. A
reconciliation moves no money: what it cannot tie becomes an exception for staff.

- charges, refunds, disputes and dispute reversals find their payment by the PaymentIntent
  id (else the charge id); a charge counts in its payment's class (matched, partial,
  overpaid, duplicate, unmatched), one the portal never recorded is `unknown_charge`;
- refunds and disputes find their reversal by the refund's or dispute's id (`source_id`),
  a dispute reversal by its own balance transaction id (as the report import records
  them); one the portal never recorded is `unknown_reversal`;
- fees (`fee`, `network_cost`) count as `fee`; payouts as `payout`, unless the nets of the
  transactions carrying the payout's id do not add up to what it paid out
  (`payout_mismatch`); a `payout_reversal` as such; anything else as `adjustment`.

Exceptions: unmatched and duplicate payments, unknown charges and reversals, payouts
that do not add up.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from billing.payments.models import Payment, PaymentReversal
from billing.reconciliation.payment_models import (
    EXCEPTION_KINDS,
    ReconciliationException,
    ReconciliationItem,
)

ITEM = ReconciliationItem.__table__
PAID_IN = ("charge", "refund", "dispute", "dispute_reversal")
FEE_CATEGORIES = ("fee", "network_cost")
REVERSAL_CLASSES = {"refund": "refund", "dispute": "chargeback",
                    "dispute_reversal": "chargeback_reversal"}


def tie_items(session: Session, run_id: int) -> None:
    """Tie every item of the run and give it its class; then record its exceptions."""
    _tie_payments(session, run_id)
    _tie_reversals(session, run_id)
    _class_items(session, run_id)
    _check_payouts(session, run_id)
    _open_exceptions(session, run_id)


def _of_run(run_id: int, *categories: str):
    where = ITEM.c.run_id == run_id
    return and_(where, ITEM.c.reporting_category.in_(categories)) if categories else where


def _tie_payments(session: Session, run_id: int) -> None:
    """A charge takes its payment's class in the same statement: one pass over the items."""
    payment = Payment.__table__
    for outside_id in (ITEM.c.payment_intent_id, ITEM.c.charge_id):
        session.execute(update(ITEM).where(
            _of_run(run_id, *PAID_IN), ITEM.c.payment_id.is_(None), outside_id != "",
            payment.c.external_id == outside_id,
        ).values(payment_id=payment.c.id, item_class=case(
            (ITEM.c.reporting_category == "charge", payment.c.payment_class),
            else_=ITEM.c.item_class)))


def _tie_reversals(session: Session, run_id: int) -> None:
    reversal = PaymentReversal.__table__
    for categories, outside_id in ((("refund", "dispute"), ITEM.c.source_id),
                                   (("dispute_reversal",), ITEM.c.balance_transaction_id)):
        session.execute(update(ITEM).where(
            _of_run(run_id, *categories), outside_id != "",
            reversal.c.external_id == outside_id).values(reversal_id=reversal.c.id))


def _class_items(session: Session, run_id: int) -> None:
    """Every item not classed yet (all but the charges tied to a payment)."""
    category = ITEM.c.reporting_category
    session.execute(update(ITEM).where(ITEM.c.run_id == run_id, ITEM.c.item_class == "")
                    .values(item_class=case(
                        (category == "charge", "unknown_charge"),
                        (category.in_(REVERSAL_CLASSES) & ITEM.c.reversal_id.is_(None),
                         "unknown_reversal"),
                        *((category == name, cls) for name, cls in REVERSAL_CLASSES.items()),
                        (category.in_(FEE_CATEGORIES), "fee"),
                        (category == "payout", "payout"),
                        (category == "payout_reversal", "payout_reversal"),
                        else_="adjustment")))


def paid_out(run_id: int, payout_id):
    """The sum of the nets of the run's transactions that carry this payout's id."""
    paid = aliased(ITEM)
    return select(func.coalesce(func.sum(paid.c.net_minor), 0)).where(
        paid.c.run_id == run_id, paid.c.payout_id == payout_id,
        paid.c.reporting_category != "payout").scalar_subquery()


def _check_payouts(session: Session, run_id: int) -> None:
    """A payout's gross is what left the balance (negative): it must be minus the sum of
    the nets it paid out."""
    session.execute(update(ITEM).where(
        _of_run(run_id, "payout"), ITEM.c.gross_minor + paid_out(run_id, ITEM.c.source_id) != 0,
    ).values(item_class="payout_mismatch"))


def _open_exceptions(session: Session, run_id: int) -> None:
    at_stake = case((ITEM.c.item_class == "payout_mismatch",
                     paid_out(run_id, ITEM.c.source_id) + ITEM.c.gross_minor),
                    else_=ITEM.c.gross_minor)
    chosen = select(literal(run_id), ITEM.c.id, ITEM.c.item_class, ITEM.c.currency, at_stake,
                    literal("open"), literal("")).where(
        ITEM.c.run_id == run_id, ITEM.c.item_class.in_(EXCEPTION_KINDS))
    table = ReconciliationException.__table__
    session.execute(insert(table).from_select(
        ["run_id", "item_id", "kind", "currency", "amount_minor", "status", "reason"], chosen))


def figures(session: Session, run_id: int) -> dict:
    """{class: {currency: {count, amount_minor}}} of the run's items, amounts their gross."""
    found: dict = {}
    for cls, currency, count, amount in session.execute(
            select(ITEM.c.item_class, ITEM.c.currency, func.count(), func.sum(ITEM.c.gross_minor))
            .where(ITEM.c.run_id == run_id).group_by(ITEM.c.item_class, ITEM.c.currency)):
        found.setdefault(cls, {})[currency] = {"count": count, "amount_minor": int(amount)}
    return found

"""A clean report's items inserted already tied, in one pass over the staged file.

Most reports are clean: every row is plainly valid. For them (on PostgreSQL) one
statement converts each staged row, ties it (`payment_matching`'s rules: a charge to its
payment by PaymentIntent id, else charge id, and classed as that payment; a refund or
dispute to its reversal by the refund's or dispute's id, a dispute reversal by its own
id; fees, payouts, adjustments by category), inserts it, opens the exceptions of the
items so classed, and answers the figures per class and what each payout paid out. The
payouts that do not add up (few) are then reclassed from Python.

Whatever is not plain (a row the set-based checks find wanting, an id seen twice, an
amount no cell can hold) undoes the pass, and `payment_copy` stages the file the careful
way, naming each problem with its line. Nothing then differs from that way's result.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from billing.payments.report_rows import ACCOUNT
from billing.reconciliation.payment_input import Staged
from billing.reconciliation.payment_matching import (
    FEE_CATEGORIES,
    ITEM,
    PAID_IN,
    REVERSAL_CLASSES,
)
from billing.reconciliation.payment_models import EXCEPTION_KINDS, ReconciliationException
from billing.reconciliation.payment_sql import created_at, minor, plain, plain_month_of
from billing.reconciliation.runs import add_to_figures

COLUMNS = ("run_id, line, balance_transaction_id, reporting_category, currency, gross_minor, "
           "fee_minor, net_minor, created_utc, month, source_id, charge_id, payment_intent_id, "
           "payout_id, account_number, payment_id, reversal_id, item_class")
# Errors that say the data is not plain (22: a value a cast refused, 23: an id twice).
NOT_PLAIN = ("22", "23")


class _NotPlain(Exception):
    """Some row was left out of the pass: the careful way must stage the file."""


def insert_tied(session: Session, run_id: int, raw: str, v: dict, filled: str,
                copied: int, now: datetime) -> Staged | None:
    """Insert and tie every row of the staged table `raw` and open the exceptions; the
    rows and figures, or None (nothing kept) when any row is not plainly valid."""
    # The hash of the payments' ids in memory, not in batches on disk (a million: 70 MB).
    session.execute(text("SET LOCAL work_mem = '128MB'"))
    try:
        with session.begin_nested():
            found = session.execute(text(_statement(raw, v, now)),
                                    {"run_id": run_id}).all()
            rows = sum(number for kind, _, _, number, _ in found if kind == "class")
            if not rows or (rows != copied and rows != _filled(session, raw, filled)):
                raise _NotPlain
    except _NotPlain:
        return None
    except DBAPIError as error:
        if str(getattr(error.orig, "sqlstate", ""))[:2] not in NOT_PLAIN:
            raise
        return None
    figures: dict = {}
    for kind, cls, currency, number, amount in found:
        if kind == "class":
            add_to_figures(figures, cls, currency, int(amount), count=number)
    _payouts_not_adding_up(session, run_id, found, figures)
    return Staged(rows=rows, figures=figures)


def _filled(session: Session, raw: str, filled: str) -> int:
    return session.scalar(text(f"SELECT count(*) FROM {raw} WHERE {filled}"))


def _payouts_not_adding_up(session: Session, run_id: int, found: list, figures: dict) -> None:
    """Reclass each payout whose transactions' nets do not add up to it, open its
    exception (at stake: what it is out by) and move it in the figures."""
    paid = {payout: int(amount) for kind, payout, _, _, amount in found if kind == "paid"}
    wrong = [{"run_id": run_id, "item_id": item_id, "kind": "payout_mismatch",
              "currency": currency, "amount_minor": int(gross) + paid.get(payout, 0),
              "status": "open", "reason": "", "gross": int(gross)}
             for kind, payout, currency, item_id, gross in found
             if kind == "payout" and int(gross) + paid.get(payout, 0) != 0]
    if not wrong:
        return
    session.execute(update(ITEM).where(ITEM.c.id.in_([row["item_id"] for row in wrong]))
                    .values(item_class="payout_mismatch"))
    session.execute(insert(ReconciliationException.__table__),
                    [{name: value for name, value in row.items() if name != "gross"}
                     for row in wrong])
    for row in wrong:
        add_to_figures(figures, "payout", row["currency"], -row["gross"], count=-1)
        add_to_figures(figures, "payout_mismatch", row["currency"], row["gross"])
    figures["payout"] = {currency: entry for currency, entry in figures["payout"].items()
                         if entry["count"]}
    if not figures["payout"]:
        del figures["payout"]


def _listed(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _item_class(cat: str) -> str:
    """An item's class, as `payment_matching` gives it (payouts checked afterwards)."""
    return ("CASE "
            f"WHEN {cat} = 'charge' THEN coalesce(nullif(coalesce(p1.payment_class, "
            "p2.payment_class), ''), 'unknown_charge') "
            f"WHEN {cat} IN ({_listed(REVERSAL_CLASSES)}) AND reversal.id IS NULL "
            "THEN 'unknown_reversal' "
            + " ".join(f"WHEN {cat} = '{name}' THEN '{cls}'"
                       for name, cls in REVERSAL_CLASSES.items())
            + f" WHEN {cat} IN ({_listed(FEE_CATEGORIES)}) THEN 'fee' "
            f"WHEN {cat} IN ('payout', 'payout_reversal') THEN {cat} ELSE 'adjustment' END")


def _insert(raw: str, v: dict, now: datetime) -> str:
    cat, cur, bt = v["reporting_category"], v["currency"], v["balance_transaction_id"]
    pi, charge, source = v["payment_intent_id"], v["charge_id"], v["source_id"]
    paid_in, created = _listed(PAID_IN), "at_utc.created"
    reversal_id = (f"nullif(CASE WHEN {cat} IN ('refund', 'dispute') THEN {source} "
                   f"WHEN {cat} = 'dispute_reversal' THEN {bt} END, '')")
    return (
        f"INSERT INTO reconciliation_item ({COLUMNS}) SELECT :run_id, n + 1, {bt}, {cat}, "
        f"upper({cur}), " + ", ".join(minor(v[name], cur) for name in ("gross", "fee", "net"))
        + f", {created}, {plain_month_of(v['created_utc'], created)}, {source}, {charge}, {pi}, "
        f"{v['automatic_payout_id']}, {v[ACCOUNT]}, coalesce(p1.id, p2.id), reversal.id, "
        f"{_item_class(cat)} FROM {raw} "
        f"CROSS JOIN LATERAL (SELECT {created_at(v['created_utc'])} AS created) AS at_utc "
        f"LEFT JOIN payment AS p1 ON {cat} IN ({paid_in}) AND {pi} <> '' "
        f"AND p1.external_id = {pi} "
        # By charge id only what the PaymentIntent id did not find: an index look-up each.
        f"LEFT JOIN LATERAL (SELECT id, payment_class FROM payment WHERE p1.id IS NULL "
        f"AND {cat} IN ({paid_in}) AND {charge} <> '' AND external_id = {charge} LIMIT 1) "
        f"AS p2 ON true "
        f"LEFT JOIN payment_reversal AS reversal ON reversal.external_id = {reversal_id} "
        f"WHERE {plain(v, now)} "
        "RETURNING id, item_class, currency, gross_minor, net_minor, reporting_category, "
        "source_id, payout_id")


def _statement(raw: str, v: dict, now: datetime) -> str:
    """The insert, the exceptions it opens, and what the caller reads: (class, item
    class, currency, count, gross), ('paid', payout id, -, -, nets carrying it), and
    ('payout', its id, currency, item id, gross)."""
    return (
        f"WITH ins AS ({_insert(raw, v, now)}), "
        "opened AS (INSERT INTO reconciliation_exception (run_id, item_id, kind, currency, "
        "amount_minor, status, reason) SELECT :run_id, id, item_class, currency, gross_minor, "
        f"'open', '' FROM ins WHERE item_class IN ({_listed(EXCEPTION_KINDS)})) "
        "SELECT 'class', item_class, currency, count(*), sum(gross_minor) FROM ins "
        "GROUP BY item_class, currency "
        "UNION ALL SELECT 'paid', payout_id, NULL, NULL, sum(net_minor) FROM ins "
        "WHERE reporting_category <> 'payout' GROUP BY payout_id "
        "UNION ALL SELECT 'payout', source_id, currency, id, gross_minor FROM ins "
        "WHERE reporting_category = 'payout'")

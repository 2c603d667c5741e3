"""What a rebiller run shows, cut by the access policy: the same dicts feed the page, the
CSV file, the workbook and the API.

DESIGN section 8: the rebiller's own bill (its wholesale invoices' totals) is always its
own; a row names an end customer and what it buys and pays, so it is shown only while
that end customer's approval is in force (`portal.run_access.reconciliation_access`). For
the other end customers the rebiller sees counts per class, never amounts: the amounts
per class it is shown are sums over the rows it may see, so no total minus a visible
part can reveal a hidden one. Billing staff see every row (a disclosure for billing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.clock import BillPeriod, provider_date, recent_periods
from billing.core.db import among
from billing.parties.models import Customer
from billing.parties.users import User
from billing.reconciliation import rebiller_sides as sides
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_models import REBILLER_CLASSES, RebillerReconciliationRow
from portal import access
from portal.invoicing.presenters import money
from portal.reconciliation import run_access

ROW = RebillerReconciliationRow
AT_STAKE_CLASSES = tuple(c for c in REBILLER_CLASSES if c != "ok")


@dataclass
class Cut:
    """Which end customers of a run the user may see, and the counts per class."""

    grants: dict  # end customer id -> CpniAccess
    counts: dict = field(default_factory=dict)  # class -> rows
    withheld: dict = field(default_factory=dict)  # class -> rows not shown
    amounts: dict = field(default_factory=dict)  # class -> {currency: minor}, shown rows

    @property
    def visible_ids(self) -> list[int]:
        return sorted(cid for cid, grant in self.grants.items() if grant.visible)


def cut_of(session: Session, user: User, run: ReconciliationRun, now: datetime) -> Cut:
    groups = session.execute(
        select(ROW.end_customer_id, ROW.row_class, ROW.currency, func.count(),
               func.sum(ROW.at_stake_minor))
        .where(ROW.run_id == run.id)
        .group_by(ROW.end_customer_id, ROW.row_class, ROW.currency)).all()
    cut = Cut(_grants(session, user, {g[0] for g in groups}, now))
    for customer_id, cls, currency, count, amount in groups:
        cut.counts[cls] = cut.counts.get(cls, 0) + count
        if not cut.grants[customer_id].visible:
            cut.withheld[cls] = cut.withheld.get(cls, 0) + count
            continue
        by_currency = cut.amounts.setdefault(cls, {})
        by_currency[currency] = by_currency.get(currency, 0) + int(amount or 0)
    return cut


def _grants(session, user, customer_ids, now) -> dict:
    customers = session.scalars(select(Customer).where(
        among(session, Customer.id, list(customer_ids)))).all() if customer_ids else []
    return run_access.reconciliation_access(session, user, customers, now)


def classes(cut: Cut) -> list[dict]:
    """Per class: rows in all, rows withheld, amounts at stake over the rows shown."""
    return [{"class": cls, "count": cut.counts.get(cls, 0),
             "withheld_count": cut.withheld.get(cls, 0),
             "at_stake": [money(minor, currency)
                          for currency, minor in sorted(cut.amounts.get(cls, {}).items())]}
            for cls in REBILLER_CLASSES]


def rows_query(session: Session, run: ReconciliationRun, cut: Cut, row_class: str = ""):
    query = (select(ROW, Customer.account_number, Customer.name)
             .join(Customer, ROW.end_customer_id == Customer.id)
             .where(ROW.run_id == run.id, among(session, ROW.end_customer_id,
                                                cut.visible_ids or [0])))
    if row_class:
        query = query.where(ROW.row_class == row_class)
    return query.order_by(Customer.account_number, ROW.kind, ROW.code, ROW.id)


def row_dicts(session: Session, query) -> list[dict]:
    return [row_dict(row, number, name) for row, number, name in session.execute(query)]


def row_dict(row: RebillerReconciliationRow, number: str, name: str) -> dict:
    c = row.currency
    return {"end_customer": {"id": row.end_customer_id, "account_number": number,
                             "name": name},
            "kind": row.kind, "code": row.code, "class": row.row_class, "currency": c,
            "wholesale_quantity": _quantity(row.wholesale_quantity),
            "retail_quantity": _quantity(row.retail_quantity),
            "wholesale": money(row.wholesale_minor, c), "retail": money(row.retail_minor, c),
            "wholesale_tax": money(row.wholesale_tax_minor, c),
            "retail_tax": money(row.retail_tax_minor, c), "paid": money(row.paid_minor, c),
            "at_stake": money(row.at_stake_minor, c),
            "due_date": row.due_date.isoformat() if row.due_date else None}


def _quantity(value) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def own_bill(session: Session, run: ReconciliationRun) -> list[dict]:
    """The rebiller's wholesale invoices of the period: its own information."""
    period = BillPeriod(run.period_start, run.period_end)
    return [{"id": i, "number": number, "total": money(total, currency)}
            for i, number, currency, total in
            sides.wholesale_invoices(session, run.partner_id, period)]


def log_rows(session: Session, user: User, cut: Cut, rows: list[dict], *, surface: str,
             subject: str, now: datetime) -> None:
    """Log the disclosure of the end customers whose rows were shown."""
    shown = {r["end_customer"]["id"] for r in rows}
    access.record_disclosures(session, user, {cid: cut.grants[cid] for cid in shown},
                              surface=surface, subject=subject, now=now)


def history(session: Session, user: User, partner_id: int, now: datetime) -> dict:
    """Amounts at stake per class over the last 12 periods, from each period's latest
    finished run, over the rows the user may see: {currency: [(period, {class: minor})]}."""
    periods = list(reversed(recent_periods(provider_date(now), 12)))
    latest = {}
    for run_id, end in session.execute(
            select(ReconciliationRun.id, ReconciliationRun.period_end)
            .where(ReconciliationRun.kind == "rebiller",
                   ReconciliationRun.partner_id == partner_id,
                   ReconciliationRun.state == "done",
                   ReconciliationRun.period_end.in_([p.end for p in periods]))
            .order_by(ReconciliationRun.finished_at, ReconciliationRun.id)):
        latest[end] = run_id
    groups = session.execute(
        select(ROW.run_id, ROW.end_customer_id, ROW.row_class, ROW.currency,
               func.sum(ROW.at_stake_minor))
        .where(among(session, ROW.run_id, list(latest.values()) or [0]),
               ROW.row_class != "ok")
        .group_by(ROW.run_id, ROW.end_customer_id, ROW.row_class, ROW.currency)).all()
    grants = _grants(session, user, {g[1] for g in groups}, now)
    sums: dict = {}
    for run_id, customer_id, cls, currency, amount in groups:
        if grants[customer_id].visible:
            key = (currency, run_id, cls)
            sums[key] = sums.get(key, 0) + int(amount or 0)
    found = {}
    for currency in sorted({key[0] for key in sums}):
        found[currency] = [(p, {cls: sums.get((currency, latest.get(p.end), cls), 0)
                                for cls in AT_STAKE_CLASSES}) for p in periods]
    return found

"""Issued invoices never change: guards on every flush and ORM statement, whoever the caller is.

Once an invoice leaves draft only its payment state moves (status, along the table in
status.py, and the amount paid; a void invoice not even that). Its number, parties, dates,
currency, amounts, bill-to snapshot and lines are fixed, and neither it nor a line of it
may be deleted. Anything else raises InvalidInput before it reaches the database. The
database holds the same rule in triggers (migration 9d2c4e6f1a03), for whatever goes around
the ORM; these guards are there to give the caller a plain message first.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ClauseElement

from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.status import PAYMENT_STATE, check_transition

UNKNOWN = object()  # what a bulk update assigns when it is an SQL expression, not a value


def _status_before(invoice: Invoice) -> str | None:
    history = inspect(invoice).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return invoice.status


def _issued(invoice: Invoice | None) -> bool:
    return invoice is not None and _status_before(invoice) not in (None, "draft")


def _changed(obj) -> set[str]:
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def _refuse(number: str | None):
    raise InvalidInput(f"Invoice {number} is issued and cannot change.")


def _check_invoice(invoice: Invoice) -> None:
    before, changed = _status_before(invoice), _changed(invoice)
    if "status" in changed:
        check_transition(before, invoice.status, invoice.number)
    if before not in (None, "draft") and changed - PAYMENT_STATE:
        _refuse(invoice.number)
    if before == "void" and changed:
        _refuse(invoice.number)


def _invoices_of(session: Session, line: InvoiceLine) -> list[Invoice]:
    """The invoice a line is on and any it was just moved from, whether the line names it
    by the relationship or by its id."""
    found = [line.invoice, *inspect(line).attrs.invoice.history.deleted]
    found += [session.get(Invoice, invoice_id)
              for invoice_id in inspect(line).attrs.invoice_id.history.sum()
              if invoice_id is not None]
    return [invoice for invoice in found if invoice is not None]


def _refuse_if_issued(invoices) -> None:
    for invoice in invoices:
        if _issued(invoice):
            _refuse(invoice.number)


@event.listens_for(Session, "before_flush")
def refuse_changes_to_issued_invoices(session, flush_context, instances):
    for obj in session.dirty:
        if isinstance(obj, Invoice):
            _check_invoice(obj)
        elif isinstance(obj, InvoiceLine) and _changed(obj):
            _refuse_if_issued(_invoices_of(session, obj))
    for obj in session.deleted:
        if isinstance(obj, Invoice):
            _refuse_if_issued([obj])
        elif isinstance(obj, InvoiceLine):
            _refuse_if_issued(_invoices_of(session, obj))
    new = session.new  # a fresh set on each access: read it once, not once per object
    for obj in new:
        # A line added to an invoice issued earlier; a new invoice with its lines is fine.
        if isinstance(obj, InvoiceLine):
            _refuse_if_issued(i for i in _invoices_of(session, obj) if i not in new)


def _value(assigned):
    """The plain value a bulk update assigns, or UNKNOWN for an expression it computes."""
    if isinstance(assigned, BindParameter):
        return UNKNOWN if assigned.required or assigned.callable else assigned.value
    return UNKNOWN if isinstance(assigned, ClauseElement) else assigned


def _assignments(state) -> list[dict]:
    """What a bulk UPDATE gives its rows, by column name: one dict per parameter set for an
    update by primary key (each names its row's "id"), else one for the whole statement."""
    statement = state.statement
    # Statement values have no public accessor; values() and ordered_values() both fill this.
    pairs = (statement._values or {}).items()
    values = {getattr(column, "key", column): _value(value) for column, value in pairs}
    if isinstance(state.parameters, list):
        return [{**values, **row} for row in state.parameters]
    return [values]


def _matched(state, entity, ids=None) -> list:
    """The rows a bulk statement reaches, as (id, number, status) of the invoice they are or
    belong to; `ids` narrows them to those an update by primary key names."""
    query = select(entity.id, Invoice.number, Invoice.status)
    if entity is InvoiceLine:
        query = query.select_from(InvoiceLine).join(Invoice)
    if state.statement.whereclause is not None:
        query = query.where(state.statement.whereclause)
    if ids is not None:
        query = query.where(entity.id.in_(ids))
    return state.session.execute(query).all()


def _check_invoice_update(state, values: dict, rows) -> None:
    for _id, number, status in rows:
        if "status" in values:
            if values["status"] is UNKNOWN:
                raise InvalidInput("A bulk status change must name the status it sets.")
            check_transition(status, values["status"], number)
        if status != "draft" and (set(values) - PAYMENT_STATE - {"id"} or status == "void"):
            _refuse(number)


def _check_line_update(state, values: dict, rows) -> None:
    for _id, number, status in rows:
        if status != "draft":
            _refuse(number)
    if "invoice_id" in values and rows:
        if values["invoice_id"] is UNKNOWN:
            raise InvalidInput("A bulk move of invoice lines must name the invoice it moves to.")
        target = state.session.execute(select(Invoice.number, Invoice.status)
                                       .where(Invoice.id == values["invoice_id"])).first()
        if target is not None and target.status != "draft":
            _refuse(target.number)


@event.listens_for(Session, "do_orm_execute")
def refuse_bulk_changes_to_issued_invoices(state):
    if not (state.is_update or state.is_delete):
        return
    entity = {Invoice.__tablename__: Invoice, InvoiceLine.__tablename__: InvoiceLine}.get(
        getattr(getattr(state.statement, "table", None), "name", None))
    if entity is None:
        return
    if state.is_delete:
        for _id, number, status in _matched(state, entity):
            if status != "draft":
                _refuse(number)
        return
    check = _check_invoice_update if entity is Invoice else _check_line_update
    for values in _assignments(state):
        ids = [values.get("id")] if isinstance(state.parameters, list) else None
        check(state, values, _matched(state, entity, ids))

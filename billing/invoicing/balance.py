"""What an invoice, or an account, owes as of a date: the balance rule, in one place.

For one invoice, in its currency and in minor units:

    billed       its charges: subtotal plus taxes and fees, before credits
    credited     the credit notes applied on it as credit lines
    paid         what payments paid of it
    open         billed - credited - paid: what is still unpaid
    held         the part of the open amount that open disputes hold back (never more
                 than is open, never less than zero)
    collectible  open - held: what may be chased, charged by autopay or bear a late fee;
                 it is the invoice's amount due ("due"), since a disputed amount is not due
                 while the dispute is open
    overdue      the collectible amount once the due date has passed (on the provider's
                 calendar), else zero; an invoice is overdue when this is above zero

Overdue is derived, never stored. A void invoice asks for nothing: nothing is open on it.
An invoice paid more than its total (payments will leave the surplus as unapplied
credit, but the column allows it) has a negative open and collectible amount, so that
an account's sums still add up to what the statement says.

An account's balance is the sum of its billed invoices' balances, one per currency:
amounts of different currencies are never added.

`compute` is the rule over plain values, to be tested without a database; the loaders
read what it needs for one invoice, for many (one query for all their disputes, however
many invoices), and for an account.

Those loaders take what is paid from `Invoice.paid_minor`, which is right for now only.
`balances_as_of` answers for the end of any past day: what was paid is read from the
dated allocation rows (the dating rule of `billing.payments.dated`, as one query), what
was held from the disputes open at that day's end, and what was billed and credited
from the invoices issued by then (an invoice's credit lines are part of it from its
issue). For today it gives the same figures as the loaders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from billing.core.clock import PROVIDER_TZ, provider_date
from billing.disputes.models import Dispute
from billing.invoicing.models import Invoice
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal

BILLED_STATUSES = ("issued", "partially_paid", "paid")


@dataclass(frozen=True)
class Balance:
    """The figures of one invoice, or the sum of an account's invoices in one currency."""

    currency: str
    billed_minor: int
    credited_minor: int
    paid_minor: int
    open_minor: int
    held_minor: int
    collectible_minor: int
    overdue_minor: int

    @property
    def total_minor(self) -> int:
        """What the invoice asked for: its charges less the credits applied on it."""
        return self.billed_minor - self.credited_minor

    @property
    def due_minor(self) -> int:
        """The amount due: the collectible amount (a disputed amount is not due)."""
        return self.collectible_minor

    @property
    def is_overdue(self) -> bool:
        return self.overdue_minor > 0

    def __add__(self, other: Balance) -> Balance:
        if other.currency != self.currency:
            raise ValueError(f"Balances in {self.currency} and {other.currency} are "
                             f"never added.")
        sums = {f.name: getattr(self, f.name) + getattr(other, f.name)
                for f in fields(self) if f.name != "currency"}
        return Balance(self.currency, **sums)


def compute(*, currency: str, billed_minor: int, credited_minor: int, paid_minor: int,
            disputed_minor: int, due_date: date | None, on: date | None,
            status: str = "issued") -> Balance:
    """One invoice's balance on the day `on`, from its figures and what its open
    disputes claim (`disputed_minor`, before the cap to what is open). With no day
    (`on` None) nothing is overdue."""
    if status == "void":
        return Balance(currency, billed_minor, credited_minor, paid_minor, 0, 0, 0, 0)
    open_minor = billed_minor - credited_minor - paid_minor
    held = min(max(disputed_minor, 0), max(open_minor, 0))
    collectible = open_minor - held
    past_due = due_date is not None and on is not None and on > due_date
    overdue = collectible if past_due and collectible > 0 else 0
    return Balance(currency, billed_minor, credited_minor, paid_minor, open_minor, held,
                   collectible, overdue)


def of_invoice(invoice: Invoice, disputed_minor: int = 0, on: date | None = None) -> Balance:
    """The balance of a loaded invoice, given what its open disputes claim (the open
    amount needs neither the disputes nor the day)."""
    return compute(currency=invoice.currency,
                   billed_minor=invoice.total_minor + invoice.credit_minor,
                   credited_minor=invoice.credit_minor, paid_minor=invoice.paid_minor,
                   disputed_minor=disputed_minor, due_date=invoice.due_date, on=on,
                   status=invoice.status)


def by_currency(balances: Iterable[Balance]) -> dict[str, Balance]:
    """Balances summed per currency, currencies in alphabetical order."""
    sums: dict[str, Balance] = {}
    for balance in balances:
        sums[balance.currency] = (sums[balance.currency] + balance
                                  if balance.currency in sums else balance)
    return dict(sorted(sums.items()))


def standing(owed: Balance, status: str) -> str:
    """What a reader of an invoice list needs to know of its payment, without any
    amount: "draft", "void", "paid" (nothing open), "overdue" (collectible past its due
    date), "partly_paid", or "issued" (unpaid, not yet due). Not CPNI: it says whether,
    never how much or when."""
    if status in ("draft", "void"):
        return status
    if owed.open_minor <= 0:
        return "paid"
    if owed.is_overdue:
        return "overdue"
    return "partly_paid" if owed.paid_minor > 0 else "issued"


# --- loaders -------------------------------------------------------------------------------

def disputed_at(session: Session, invoice_ids: Iterable[int] | Select,
                at: datetime) -> dict[int, int]:
    """Per invoice, what its disputes held back at the instant `at` (one query; invoices
    without a dispute are left out). Each dispute says what it held (`Dispute.held_at`).
    `invoice_ids` is a collection of ids or a select of them."""
    ids = invoice_ids if isinstance(invoice_ids, Select) else sorted(set(invoice_ids))
    if not isinstance(ids, Select) and not ids:
        return {}
    held: dict[int, int] = {}
    for dispute in session.scalars(select(Dispute).where(Dispute.invoice_id.in_(ids))):
        amount = dispute.held_at(at)
        if amount:
            held[dispute.invoice_id] = held.get(dispute.invoice_id, 0) + amount
    return held


def invoice_balances(session: Session, invoices: Sequence[Invoice],
                     now: datetime) -> dict[int, Balance]:
    """Per invoice id, its balance at `now`, for a page of invoices in one query."""
    disputed = disputed_at(session, [invoice.id for invoice in invoices], now)
    today = provider_date(now)
    return {invoice.id: of_invoice(invoice, disputed.get(invoice.id, 0), today)
            for invoice in invoices}


def invoice_balance(session: Session, invoice: Invoice, now: datetime) -> Balance:
    """One invoice's balance at `now`."""
    return invoice_balances(session, [invoice], now)[invoice.id]


def account_balances(session: Session, customer_id: int, now: datetime) -> dict[str, Balance]:
    """An account's balance at `now`, one per currency, over the invoices billed to it
    by then (issued, partly or fully paid; drafts are not yet billed). Two queries."""
    invoices = session.scalars(select(Invoice).where(
        Invoice.customer_id == customer_id, Invoice.status.in_(BILLED_STATUSES),
        Invoice.issue_date <= provider_date(now))).all()
    return by_currency(invoice_balances(session, invoices, now).values())


# --- as of the end of a past day ------------------------------------------------------------

@dataclass(frozen=True)
class DatedBalance:
    """One invoice's balance at the end of a day, with what groups it: account and due date."""

    invoice_id: int
    customer_id: int
    due_date: date | None
    balance: Balance


def balances_as_of(session: Session, day: date,
                   customer_ids: Select | None = None) -> list[DatedBalance]:
    """The balance at the end of `day` of every invoice issued by then to the accounts in
    `customer_ids` (a select of customer ids; None: every account). Three queries,
    however many accounts and invoices."""
    scope = [Invoice.status.in_(BILLED_STATUSES), Invoice.issue_date <= day]
    if customer_ids is not None:
        scope.append(Invoice.customer_id.in_(customer_ids))
    rows = session.execute(
        select(Invoice.id, Invoice.customer_id, Invoice.currency, Invoice.total_minor,
               Invoice.credit_minor, Invoice.due_date, Invoice.status).where(*scope)
        .order_by(Invoice.customer_id, Invoice.due_date, Invoice.id)).all()
    ids = select(Invoice.id).where(*scope)
    paid = paid_through(session, ids, day)
    held = disputed_at(session, ids, end_of_day(day))
    return [DatedBalance(row.id, row.customer_id, row.due_date, compute(
        currency=row.currency, billed_minor=row.total_minor + row.credit_minor,
        credited_minor=row.credit_minor, paid_minor=paid.get(row.id, 0),
        disputed_minor=held.get(row.id, 0), due_date=row.due_date, on=day,
        status=row.status)) for row in rows]


def paid_through(session: Session, invoice_ids: Select, day: date) -> dict[int, int]:
    """Per invoice, what payments had paid on it by the end of `day` (one query).

    An allocation counts from the latest of: the day its payment was received, the day
    the invoice was issued, and the day of any reversal of the payment posted before the
    allocation; an allocation undone by a refund or chargeback (a negative row) counts on
    the day it was posted. The same rule as `billing.payments.dated`, in SQL."""
    return {invoice_id: int(amount) for invoice_id, amount in session.execute(
        paid_through_query(invoice_ids, day))}


def paid_through_query(invoice_ids: Select, day: date) -> Select:
    """The select of (invoice id, paid) behind `paid_through`, for a caller that sums on
    in SQL; invoices with nothing counted are not among its rows."""
    end = _start_of(day + timedelta(days=1))
    reversed_later = exists().where(PaymentReversal.payment_id == PaymentAllocation.payment_id,
                                    PaymentReversal.at <= PaymentAllocation.at,
                                    PaymentReversal.at >= end)
    counted = or_(
        and_(PaymentAllocation.amount_minor >= 0, Payment.received_at < end,
             Invoice.issue_date <= day, ~reversed_later),
        and_(PaymentAllocation.amount_minor < 0, PaymentAllocation.at < end))
    return (select(PaymentAllocation.invoice_id,
                   func.sum(PaymentAllocation.amount_minor).label("paid_minor"))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.invoice_id.in_(invoice_ids), counted)
            .group_by(PaymentAllocation.invoice_id))


# --- the account summary an invoice prints --------------------------------------------------

@dataclass(frozen=True)
class AccountSummary:
    """The account, in the invoice's currency, as the invoice's issue day ended.

    previous_minor - payments_minor - adjustments_minor + charges_minor = due_minor.
    """

    currency: str
    as_of: date
    previous_minor: int  # open on the earlier invoices as the previous one's issue day ended
    payments_minor: int  # paid on them since, and paid on this invoice by its issue day
    adjustments_minor: int  # credit notes applied on this invoice
    charges_minor: int  # this invoice's charges: subtotal and taxes, before credits
    due_minor: int  # open on the earlier invoices and this one as the issue day ended


def account_summary(session: Session, invoice: Invoice, today: date) -> AccountSummary:
    """The summary an invoice carries: the account's balance brought forward from the
    earlier invoices in its currency, what was paid and credited since, this invoice's
    charges, and what the account owes in all. As of the invoice's issue day (a draft:
    `today`), read with `balances_as_of`, so an issued invoice always says the same."""
    as_of = invoice.issue_date or today
    account = select(Invoice.customer_id).where(Invoice.id == invoice.id)
    now = {b.invoice_id: b.balance for b in balances_as_of(session, as_of, account)}
    earlier = _earlier_invoices(session, invoice, as_of)
    previous_day = max((day for day in earlier.values()), default=None)
    before = ({b.invoice_id: b.balance for b in balances_as_of(session, previous_day, account)}
              if previous_day else {})
    this = now.get(invoice.id) or of_invoice(invoice)
    previous = sum(before[i].open_minor for i in earlier)
    still_open = sum(now[i].open_minor for i in earlier)
    return AccountSummary(
        currency=invoice.currency, as_of=as_of, previous_minor=previous,
        payments_minor=previous - still_open + this.paid_minor,
        adjustments_minor=this.credited_minor, charges_minor=this.billed_minor,
        due_minor=still_open + this.open_minor)


def _earlier_invoices(session: Session, invoice: Invoice, as_of: date) -> dict[int, date]:
    """The account's invoices in the same currency issued before this one (same day: a
    lower number), with their issue days."""
    before = Invoice.issue_date < as_of
    if invoice.number is not None:
        before = or_(before, and_(Invoice.issue_date == as_of, Invoice.number < invoice.number))
    else:
        before = Invoice.issue_date <= as_of
    return dict(session.execute(select(Invoice.id, Invoice.issue_date).where(
        Invoice.customer_id == invoice.customer_id, Invoice.currency == invoice.currency,
        Invoice.status.in_(BILLED_STATUSES), Invoice.id != invoice.id, before)).all())


def end_of_day(day: date) -> datetime:
    """The last instant of a day on the provider's calendar: what was held "at the end
    of the day" is what was held then."""
    return _start_of(day + timedelta(days=1)) - timedelta(microseconds=1)


def _start_of(day: date) -> datetime:
    """The first instant of a day on the provider's calendar."""
    return datetime.combine(day, time.min, PROVIDER_TZ)

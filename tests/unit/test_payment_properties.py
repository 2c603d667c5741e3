"""Properties of the payment rules that hold whatever the amounts and whatever the order.

On the pure functions: a payment never pays an invoice more than it owes, the money
always adds up, and the class says what the plan did. On the database: after any mix of
payments, refunds, chargebacks, reversals and newly issued invoices on one account,
every invoice and every minor unit is accounted for.
"""

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.invoicing import balance
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.models import Invoice
from billing.payments import ledger
from billing.payments.allocation import (
    Allocated,
    OpenInvoice,
    allocate,
    invoice_status,
    number_order,
    take_back,
)
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import another_period_end, make_customer, make_invoice

PURE = settings(max_examples=200, deadline=None)
ON_DB = settings(max_examples=25, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])

# --- the pure functions -----------------------------------------------------------------

open_invoices = st.lists(
    st.tuples(st.integers(1, 5),          # due day: few days, so ties happen
              st.integers(1, 1_200_000),  # number in its series
              st.integers(0, 5_000)),     # open amount (0: already paid)
    max_size=6, unique_by=lambda row: row[1],
).map(lambda rows: [OpenInvoice(i + 1, f"INV-USD-2026-{n:06d}", date(2026, 3, day), owed)
                    for i, (day, n, owed) in enumerate(rows)])


@PURE
@given(amount=st.integers(1, 20_000), invoices=open_invoices,
       named=st.lists(st.integers(1, 8), max_size=4), known=st.booleans())
def test_a_plan_pays_no_invoice_more_than_it_owes_and_adds_up(amount, invoices, named,
                                                                known):
    plan = allocate(amount, invoices, named, account_known=known)
    owed = {invoice.id: invoice.open_minor for invoice in invoices}
    paid_ids = [invoice_id for invoice_id, _ in plan.allocations]
    assert len(paid_ids) == len(set(paid_ids))  # each invoice once
    assert all(0 < share <= owed[i] for i, share in plan.allocations)
    assert sum(share for _, share in plan.allocations) + plan.unapplied_minor == amount
    assert plan.unapplied_minor >= 0
    if plan.unapplied_minor > 0:  # money is left only when nothing is owed any more
        assert not known or all(share == owed[i] for i, share in plan.allocations)
        assert not known or sum(owed.values()) == amount - plan.unapplied_minor
    assert plan.payment_class == _expected_class(plan, invoices, named, known)


@PURE
@given(amount=st.integers(1, 20_000), invoices=open_invoices,
       named=st.lists(st.integers(1, 8), max_size=4))
def test_named_invoices_come_first_then_the_oldest(amount, invoices, named):
    plan = allocate(amount, invoices, named)
    by_id = {invoice.id: invoice for invoice in invoices}
    named_here = [i for i in dict.fromkeys(named) if i in by_id and by_id[i].open_minor]
    others = sorted((i for i in invoices if i.id not in named and i.open_minor),
                    key=lambda i: (i.due_date, number_order(i.number)))
    expected_order = named_here + [i.id for i in others]
    paid_ids = [invoice_id for invoice_id, _ in plan.allocations]
    assert paid_ids == expected_order[:len(paid_ids)]


def _expected_class(plan, invoices, named, known) -> str:
    by_id = {invoice.id: invoice for invoice in invoices}
    named_here = [by_id[i] for i in named if i in by_id]
    if not known:
        return "unmatched"
    if named_here and all(invoice.open_minor == 0 for invoice in named_here):
        return "duplicate"
    if plan.unapplied_minor:
        return "overpaid"
    last_id, last_share = plan.allocations[-1]
    return "partial" if last_share < by_id[last_id].open_minor else "matched"


held_on_invoices = st.lists(st.tuples(st.integers(1, 3_000), st.integers(0, 5)),
                            max_size=5).map(
    lambda rows: [Allocated(i + 1, amount, datetime(2026, 3, 1 + hour % 3, tzinfo=UTC), i)
                  for i, (amount, hour) in enumerate(rows)])


@PURE
@given(data=st.data(), unapplied=st.integers(0, 3_000), allocated=held_on_invoices)
def test_a_refund_takes_credit_first_and_never_more_than_an_invoice_holds(
        data, unapplied, allocated):
    holds = unapplied + sum(a.amount_minor for a in allocated)
    if holds == 0:
        return
    amount = data.draw(st.integers(1, holds))
    plan = take_back(amount, unapplied, allocated)
    held = {a.invoice_id: a.amount_minor for a in allocated}
    assert plan.from_unapplied_minor == min(amount, unapplied)
    assert plan.from_unapplied_minor + sum(share for _, share in plan.undone) == amount
    assert all(0 < share <= held[i] for i, share in plan.undone)
    # every invoice but the last touched gave back all it held (latest first)
    assert all(share == held[i] for i, share in plan.undone[:-1])


# --- on the database ---------------------------------------------------------------------

START = datetime(2026, 5, 4, 16, tzinfo=UTC)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 6_000), st.lists(st.integers(0, 3), max_size=3)),
    st.tuples(st.sampled_from(["refund", "chargeback", "reverse"]), st.integers(0, 5),
              st.integers(1, 4_000)),
    st.tuples(st.just("issue"), st.integers(100, 3_000)),
), min_size=1, max_size=12)


@ON_DB
@given(totals=st.lists(st.integers(100, 3_000), min_size=3, max_size=3), steps=STEPS)
def test_every_minor_unit_is_accounted_for(session, totals, steps):
    try:
        customer = make_customer(session, "PROP-0001", "Property Ltd")
        for n, total in enumerate(totals):
            made = make_invoice(session, customer, f"PROP-{n}", amount_minor=total,
                                period_end=another_period_end(), status="draft")
            made.due_date, made.status = date(2026, 4, 1 + n % 2), "issued"
        session.flush()
        payments = []
        for at, step in enumerate(steps):
            _apply(session, customer, payments, step, START + timedelta(minutes=at))
        _assert_accounted_for(session, customer)
    finally:
        session.rollback()


def _apply(session, customer, payments, step, now):
    kind, *args = step
    try:
        if kind == "pay":
            amount, names = args
            numbers = [f"PROP-{i}" if i < 3 else "NOT-THEIRS" for i in names]
            payment, _ = record_payment(session, Receipt(
                "USD", amount, now, "wire", "W-1", "staff", customer.id, numbers), now)
            payments.append(payment.id)
        elif kind == "issue":
            draft = make_invoice(session, customer, None, status="draft",
                                 amount_minor=args[0], period_end=another_period_end())
            issue_invoice(session, draft.id, now)
        elif payments:
            payment_id = payments[args[0] % len(payments)]
            if kind == "reverse":
                reverse_chargeback(session, payment_id, args[1], now)
            else:
                refund_payment(session, payment_id, args[1], now, kind=kind)
    except InvalidInput as error:
        # more than the payment holds, or a reversal of nothing: refused, and nothing else
        assert error.code in ("over_refundable", "over_charged_back")


def _assert_accounted_for(session, customer):
    invoices = session.scalars(select(Invoice).where(Invoice.customer_id == customer.id)
                               .execution_options(populate_existing=True)).all()
    mine = select(Payment.id).where(Payment.customer_id == customer.id)
    rows = dict(session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_minor))
        .where(PaymentAllocation.payment_id.in_(mine))
        .group_by(PaymentAllocation.invoice_id)).all())
    for invoice in invoices:
        figures = balance.of_invoice(invoice)
        assert invoice.paid_minor == (rows.get(invoice.id) or 0)
        assert 0 <= invoice.paid_minor <= invoice.total_minor
        assert invoice.paid_minor + figures.open_minor == invoice.total_minor
        assert invoice.status == invoice_status(invoice.total_minor, invoice.paid_minor)
    money_in = session.scalar(select(func.coalesce(func.sum(Payment.amount_minor), 0))
                              .where(Payment.customer_id == customer.id))
    allocated = sum(rows.values())
    gone = dict(session.execute(
        select(PaymentReversal.kind, func.sum(PaymentReversal.amount_minor))
        .where(PaymentReversal.payment_id.in_(mine)).group_by(PaymentReversal.kind)).all())
    credit = ledger.unapplied_credit(session, customer.id).get("USD", 0)
    assert money_in == (allocated + credit + gone.get("refund", 0)
                        + gone.get("chargeback", 0) - gone.get("chargeback_reversal", 0))
    payments = session.scalars(select(Payment).where(Payment.customer_id == customer.id))
    assert all(f.unapplied_minor >= 0 and f.allocated_minor >= 0
               for f in ledger.figures(session, payments).values())

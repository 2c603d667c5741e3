"""The allocation and refund rules of DESIGN section 7 (docs/payments.md), as a table.

Each row is worked out by hand; the arithmetic beside it is the rule applied. Amounts are
minor units (10_000 = 100.00). The first tables exercise the pure functions; the tests
after them run the same rules against the database: who pays for a location, a disputed
invoice, credit spent by the next invoice issued, refunds and chargebacks.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.core.clock import period_ending_in
from billing.core.errors import InvalidInput
from billing.disputes import filing
from billing.invoicing import balance
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.issuing import issue_invoice
from billing.parties.bill_to import bill_to
from billing.payments import ledger
from billing.payments.allocation import (
    Allocated,
    OpenInvoice,
    allocate,
    invoice_status,
    refundable,
    take_back,
)
from billing.payments.models import PaymentAllocation
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import another_period_end, make_customer, make_invoice, make_tiers

# --- the pure rule: allocate -------------------------------------------------------------

# The account's open invoices in the table below, by letter: id, number, due day, open.
A = OpenInvoice(1, "INV-USD-2026-000001", date(2026, 3, 1), 6_000)
B = OpenInvoice(2, "INV-USD-2026-000002", date(2026, 3, 10), 3_000)
C = OpenInvoice(3, "INV-USD-2026-000003", date(2026, 3, 20), 1_000)
PAID = OpenInvoice(4, "INV-USD-2026-000004", date(2026, 2, 1), 0)  # already paid in full
# Same due date as A: ties go to the lowest number, compared as numbers.
A_TWIN = OpenInvoice(5, "INV-USD-2026-000000", date(2026, 3, 1), 500)
BIG_NO = OpenInvoice(6, "INV-USD-2026-1000000", date(2026, 3, 1), 500)
SMALL_NO = OpenInvoice(7, "INV-USD-2026-999999", date(2026, 3, 1), 500)
ABC = (A, B, C)

ALLOCATION_TABLE = [
    # id, amount, invoices, named, allocations [(invoice, amount)], unapplied, class
    ("exact", 6_000, (A,), (), [(A, 6_000)], 0, "matched"),
    # 60.00 on A (open 60.00) -> 60.00; nothing left, A closed -> matched
    ("partial", 2_500, (A,), (), [(A, 2_500)], 0, "partial"),
    # 25.00 on A (open 60.00) -> 25.00; A still owes 35.00 -> partial
    ("over", 7_500, (A,), (), [(A, 6_000)], 1_500, "overpaid"),
    # 75.00 on A (open 60.00) -> 60.00; 15.00 unapplied -> overpaid
    ("none named: oldest due first", 7_000, ABC, (), [(A, 6_000), (B, 1_000)], 0, "partial"),
    # 70.00: A due 1 Mar (open 60.00) -> 60.00; B due 10 Mar -> 10.00 of 30.00 -> partial
    ("all closed, nothing over", 10_000, ABC, (), [(A, 6_000), (B, 3_000), (C, 1_000)], 0,
     "matched"),
    # 100.00 = A 60.00 + B 30.00 + C 10.00 exactly -> matched
    ("stops where the money ends", 9_000, ABC, (), [(A, 6_000), (B, 3_000)], 0, "matched"),
    # 90.00 = A 60.00 + B 30.00; C untouched; every invoice it paid is closed -> matched
    ("several named", 4_000, ABC, (C.id, B.id), [(C, 1_000), (B, 3_000)], 0, "matched"),
    # 40.00 named C then B: C 10.00, B 30.00; A (older) untouched -> matched
    ("named order kept", 6_500, ABC, (C.id, A.id), [(C, 1_000), (A, 5_500)], 0, "partial"),
    # 65.00 named C, A: C 10.00, A 55.00 of 60.00 -> partial
    ("named then oldest", 5_000, ABC, (C.id,), [(C, 1_000), (A, 4_000)], 0, "partial"),
    # 50.00 named C (open 10.00) -> 10.00; then oldest due A -> 40.00 of 60.00 -> partial
    ("named then oldest, over", 11_000, ABC, (B.id,),
     [(B, 3_000), (A, 6_000), (C, 1_000)], 1_000, "overpaid"),
    # 110.00 named B 30.00; A 60.00; C 10.00; 10.00 unapplied -> overpaid
    ("less than the named one", 400, ABC, (C.id,), [(C, 400)], 0, "partial"),
    # 4.00 named C (open 10.00) -> 4.00 -> partial
    ("one minor unit", 1, ABC, (), [(A, 1)], 0, "partial"),
    # 0.01 -> A, the oldest -> partial
    ("duplicate: named paid, nothing else open", 6_000, (PAID,), (PAID.id,), [], 6_000,
     "duplicate"),
    # names PAID (open 0.00): nothing to pay, 60.00 unapplied; duplicate wins over overpaid
    ("duplicate pays the other open invoices", 3_000, (PAID, B), (PAID.id,), [(B, 3_000)], 0,
     "duplicate"),
    # names PAID (open 0.00) -> 0; oldest open B -> 30.00; class duplicate (first rule)
    ("one named paid, one open: not a duplicate", 3_000, (PAID, B), (PAID.id, B.id),
     [(B, 3_000)], 0, "matched"),
    # PAID 0.00, B 30.00 -> B closed; not every named invoice was paid -> matched
    ("a paid invoice, not named, is passed over", 3_000, (PAID, B), (), [(B, 3_000)], 0,
     "matched"),
    # PAID is oldest but owes 0.00; B 30.00 -> matched
    ("no open invoice at all", 2_000, (), (), [], 2_000, "overpaid"),
    # account known, nothing owed: 20.00 unapplied -> overpaid
    ("names not on the account ignored", 6_000, ABC, (99,), [(A, 6_000)], 0, "matched"),
    # 99 is not the account's: as if nothing named; A 60.00 -> matched (not a duplicate)
    ("duplicate names counted once", 6_000, ABC, (B.id, B.id), [(B, 3_000), (A, 3_000)], 0,
     "partial"),
    # named B twice = B once 30.00; then A 30.00 of 60.00 -> partial
    ("tie on due date: lowest number", 700, (A, A_TWIN), (), [(A_TWIN, 500), (A, 200)], 0,
     "partial"),
    # A and A_TWIN both due 1 Mar; ...000000 < ...000001: A_TWIN 5.00, A 2.00 -> partial
    ("tie: numbers compared as numbers", 700, (BIG_NO, SMALL_NO), (),
     [(SMALL_NO, 500), (BIG_NO, 200)], 0, "partial"),
    # 999999 < 1000000 although "1000000" < "999999" as text: SMALL_NO 5.00, BIG_NO 2.00
]


@pytest.mark.parametrize(
    "amount, invoices, named, paid, unapplied, payment_class",
    [row[1:] for row in ALLOCATION_TABLE], ids=[row[0] for row in ALLOCATION_TABLE])
def test_allocation_table(amount, invoices, named, paid, unapplied, payment_class):
    plan = allocate(amount, invoices, named)
    assert plan.allocations == tuple((invoice.id, share) for invoice, share in paid)
    assert plan.unapplied_minor == unapplied
    assert plan.payment_class == payment_class


def test_unknown_account_is_unmatched_and_pays_nothing():
    # no account: nothing allocated, all 60.00 waits in suspense -> unmatched
    plan = allocate(6_000, ABC, (A.id,), account_known=False)
    assert (plan.allocations, plan.unapplied_minor, plan.payment_class) == (
        (), 6_000, "unmatched")


@pytest.mark.parametrize("amount", [0, -1, -6_000])
def test_no_payment_of_nothing_or_less(amount):
    with pytest.raises(ValueError):
        allocate(amount, ABC)


# --- the pure rule: take_back ------------------------------------------------------------

T1, T2 = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 2, 9, tzinfo=UTC)
ON_A = Allocated(A.id, 600, T1, 10)  # 6.00 on A, paid first
ON_B = Allocated(B.id, 400, T2, 11)  # 4.00 on B, paid a day later
ON_B_SAME_TIME = Allocated(B.id, 400, T1, 12)  # 4.00 on B, same instant, later row

TAKE_BACK_TABLE = [
    # id, refund, unapplied, allocated, from credit, undone [(invoice, amount)]
    ("credit only", 300, 500, (ON_A,), 300, []),
    # 3.00 <= 5.00 unapplied: all from credit, A keeps 6.00
    ("credit first, then allocations", 500, 300, (ON_A,), 300, [(A, 200)]),
    # 5.00 = 3.00 credit + 2.00 undone on A (A keeps 4.00)
    ("latest allocation first", 500, 0, (ON_A, ON_B), 0, [(B, 400), (A, 100)]),
    # 5.00: B paid last -> 4.00; then A -> 1.00
    ("same instant: the later row first", 600, 0, (ON_A, ON_B_SAME_TIME), 0,
     [(B, 400), (A, 200)]),
    # A and B paid at T1; B's row (12) after A's (10): B 4.00, A 2.00
    ("all of it", 1_200, 200, (ON_A, ON_B), 200, [(B, 400), (A, 600)]),
    # 12.00 = 2.00 credit + B 4.00 + A 6.00: the payment holds nothing more
]


@pytest.mark.parametrize("amount, unapplied, allocated, from_credit, undone",
                         [row[1:] for row in TAKE_BACK_TABLE],
                         ids=[row[0] for row in TAKE_BACK_TABLE])
def test_take_back_table(amount, unapplied, allocated, from_credit, undone):
    plan = take_back(amount, unapplied, allocated)
    assert plan.from_unapplied_minor == from_credit
    assert plan.undone == tuple((invoice.id, share) for invoice, share in undone)


@pytest.mark.parametrize("amount", [0, -5, 1_201])
def test_take_back_refuses_nothing_and_more_than_held(amount):
    # 12.01 > 2.00 credit + 10.00 allocated
    with pytest.raises(ValueError):
        take_back(amount, 200, (ON_A, ON_B))


@pytest.mark.parametrize("brought, refunded, charged_back, restored, left", [
    (1_000, 0, 0, 0, 1_000),      # nothing went back: all 10.00
    (1_000, 300, 0, 0, 700),      # 10.00 - 3.00 refunded
    (1_000, 300, 200, 0, 500),    # 10.00 - 3.00 - 2.00 charged back
    (1_000, 300, 200, 200, 700),  # ... + 2.00 the reversal brought back
])
def test_what_may_still_go_back(brought, refunded, charged_back, restored, left):
    assert refundable(brought, refunded, charged_back, restored) == left


@pytest.mark.parametrize("total, paid, status", [
    (1_000, 0, "issued"),            # nothing allocated
    (1_000, 1, "partially_paid"),    # something, 9.99 still open
    (1_000, 1_000, "paid"),          # open 0
])
def test_invoice_status_follows_its_allocations(total, paid, status):
    assert invoice_status(total, paid) == status


# --- the same rules on the database ------------------------------------------------------

NOW = datetime(2026, 5, 4, 16, tzinfo=UTC)


def pay(session, customer_id, amount, *names):
    return record_payment(session, Receipt(
        currency="USD", amount_minor=amount, received_at=NOW - timedelta(hours=1),
        method="wire", reference="WIRE-R", source="staff", customer_id=customer_id,
        named_numbers=names), NOW)[0]


def invoice(session, customer, number, amount, due=date(2026, 4, 1), issued_on=None):
    made = make_invoice(session, customer, number, period_end=another_period_end(),
                        amount_minor=amount, status="draft")
    made.issue_date = issued_on or made.issue_date
    made.due_date, made.status = due, "issued"
    session.flush()
    return made


def state(session, *invoices):
    for made in invoices:
        session.refresh(made)
    return [(i.paid_minor, i.status) for i in invoices]


@pytest.fixture
def payer(session, world):
    return make_customer(session, "RULE-0001", "Rules Ltd", world.partners["channel"])


def test_a_corporate_pays_for_its_location(session, world):
    corporate, location = world.customers["channel"], world.customers["location"]
    assert bill_to(location) is corporate  # the location does not pay its own charges
    may = draft_invoice(session, corporate, period_ending_in(2026, 5), NOW)
    assert location.id in {line.sub_account_id for line in may.lines}  # billed on corporate
    issue_invoice(session, may.id, NOW)
    old = world.invoices["channel"]  # due 28 Mar, before May's invoice
    payment = pay(session, location.id, old.total_minor + may.total_minor)
    # the location's money: corporate's old invoice (oldest) in full, then May's in full
    assert payment.customer_id == corporate.id and payment.payment_class == "matched"
    assert state(session, old, may, world.invoices["location"]) == [
        (old.total_minor, "paid"), (may.total_minor, "paid"), (0, "issued")]


def test_a_location_that_pays_its_own_charges_pays_its_own(session, world):
    location = world.customers["location"]
    location.pays_own_charges = True
    own = world.invoices["location"]
    payment = pay(session, location.id, 1_000)
    # 10.00 from the location: its own invoice, though the corporate's is as old
    assert payment.customer_id == location.id
    assert state(session, own, world.invoices["channel"]) == [
        (1_000, "partially_paid"), (0, "issued")]


def test_a_disputed_invoice_may_be_paid_in_full(session, world):
    make_tiers(session)
    customer = world.customers["channel"]
    disputed = invoice(session, customer, "RULE-D", 10_000, due=date(2026, 5, 27),
                       issued_on=date(2026, 4, 27))
    filing.file_dispute(session, invoice=disputed, user=world.users["customer_admin"],
                        reason="wrong_rate", description="Old rate", amount_minor=4_000,
                        now=NOW)
    figures = balance.invoice_balance(session, disputed, NOW)
    assert (figures.open_minor, figures.collectible_minor) == (10_000, 6_000)
    payment = pay(session, customer.id, 10_000, "RULE-D")
    # named: capped at the open 100.00, not the collectible 60.00 -> matched, paid
    assert payment.payment_class == "matched"
    assert state(session, disputed) == [(10_000, "paid")]


def test_unapplied_credit_pays_the_next_invoices_issued_oldest_payment_first(session, payer):
    first, second = pay(session, payer.id, 300), pay(session, payer.id, 500)
    assert ledger.unapplied_credit(session, payer.id) == {"USD": 800}
    draft = make_invoice(session, payer, None, status="draft", amount_minor=600,
                         period_end=another_period_end())
    issue_invoice(session, draft.id, NOW)
    # 6.00 issued: first payment's 3.00, then 3.00 of the second's 5.00; 2.00 left
    assert state(session, draft) == [(600, "paid")]
    by_payment = _allocated(session, draft.id)
    assert by_payment == {first.id: 300, second.id: 300}
    assert ledger.unapplied_credit(session, payer.id) == {"USD": 200}


def test_a_refund_takes_credit_first_then_the_latest_allocation(session, payer):
    older = invoice(session, payer, "RULE-1", 1_000, due=date(2026, 4, 1))
    newer = invoice(session, payer, "RULE-2", 300, due=date(2026, 4, 15))
    payment = pay(session, payer.id, 1_500)
    # 15.00: RULE-1 10.00, RULE-2 3.00 (allocated after it), 2.00 unapplied
    refund_payment(session, payment.id, 700, NOW, reason="asked")
    # 7.00 back: 2.00 credit, RULE-2's 3.00 (latest), then 2.00 of RULE-1
    assert state(session, older, newer) == [(800, "partially_paid"), (0, "issued")]
    assert ledger.unapplied_credit(session, payer.id) == {}


def test_a_refund_over_what_the_payment_holds_is_refused(session, payer):
    paid = invoice(session, payer, "RULE-3", 1_000)
    payment = pay(session, payer.id, 1_000)
    refund_payment(session, payment.id, 400, NOW)
    # 10.00 - 4.00 refunded = 6.00 left; 6.01 refused, nothing changes
    with pytest.raises(InvalidInput) as refused:
        refund_payment(session, payment.id, 601, NOW)
    assert refused.value.code == "over_refundable"
    assert state(session, paid) == [(600, "partially_paid")]
    refund_payment(session, payment.id, 600, NOW)  # exactly what is left
    assert state(session, paid) == [(0, "issued")]


def test_a_chargeback_and_its_reversal(session, payer):
    disputed = invoice(session, payer, "RULE-4", 1_000)
    payment = pay(session, payer.id, 1_000)
    refund_payment(session, payment.id, 600, NOW, kind="chargeback", external_id="dp_r4")
    # 6.00 lost: RULE-4 keeps 4.00 of 10.00
    assert state(session, disputed) == [(400, "partially_paid")]
    with pytest.raises(InvalidInput):  # 4.01 > the 4.00 the payment still holds
        refund_payment(session, payment.id, 401, NOW)
    reverse_chargeback(session, payment.id, 600, NOW, external_id="dpr_r4")
    # 6.00 won back, allocated again: RULE-4 4.00 + 6.00 = 10.00 -> paid
    assert state(session, disputed) == [(1_000, "paid")]
    with pytest.raises(InvalidInput):  # nothing more was charged back
        reverse_chargeback(session, payment.id, 1, NOW)
    assert ledger.figures_of(session, payment).held_minor == 1_000


def _allocated(session, invoice_id):
    rows = session.execute(select(PaymentAllocation.payment_id, PaymentAllocation.amount_minor)
                           .where(PaymentAllocation.invoice_id == invoice_id)).all()
    found = {}
    for payment_id, amount in rows:
        found[payment_id] = found.get(payment_id, 0) + amount
    return found

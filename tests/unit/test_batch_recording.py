"""record_payments (many at once, for the report import) gives what record_payment gives
one at a time: the same classes, the same allocation rows, the same invoice states."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from billing.invoicing.models import Invoice
from billing.payments.batch_recording import record_payments
from billing.payments.models import Payment, PaymentAllocation
from billing.payments.recording import Receipt, record_payment
from tests.factories import another_period_end, make_customer, make_invoice

NOW = datetime(2026, 4, 10, 18, tzinfo=UTC)
INVOICES = [("A", 10_000, date(2026, 1, 28)), ("B", 5_000, date(2026, 2, 28)),
            ("C", 2_500, date(2026, 3, 28))]
# amount, invoices named: oldest first, named first, exact, duplicate, over, unknown name
PAYMENTS = [(4_000, ()), (5_000, ("C",)), (6_000, ("A",)), (2_500, ("C",)),
            (9_000, ("B", "NOPE")), (1_000, ())]


def account(session, world, tag):
    customer = make_customer(session, f"BATCH-{tag}", f"Batch {tag}", world.partners["channel"])
    for name, amount, due in INVOICES:
        made = make_invoice(session, customer, f"{tag}-{name}", amount_minor=amount,
                            period_end=another_period_end(), status="draft")
        made.due_date, made.status = due, "issued"
    session.flush()
    return customer


def receipts(customer, tag):
    return [Receipt("USD", amount, NOW - timedelta(hours=1), "card", f"ch_{tag}{n}", "report",
                    customer.id, tuple(f"{tag}-{name}" for name in names),
                    external_id=f"pi_{tag}{n}") for n, (amount, names) in enumerate(PAYMENTS)]


def outcome(session, customer, tag):
    """What each payment did, in invoice letters rather than ids, and the invoices' state."""
    letter = {i.id: i.number.split("-")[-1] for i in session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id))}
    payments = session.scalars(select(Payment).where(Payment.customer_id == customer.id)
                               .order_by(Payment.external_id)).all()
    done = [(p.payment_class, sorted((letter[a.invoice_id], a.amount_minor) for a in
                                     session.scalars(select(PaymentAllocation)
                                                     .filter_by(payment_id=p.id))))
            for p in payments]
    invoices = sorted((i.number.split("-")[-1], i.paid_minor, i.status) for i in
                      session.scalars(select(Invoice).where(Invoice.customer_id == customer.id)
                                      .execution_options(populate_existing=True)))
    return done, invoices


def test_many_at_once_equal_one_at_a_time(session, world):
    one, many = account(session, world, "ONE"), account(session, world, "MANY")
    for receipt in receipts(one, "ONE"):
        record_payment(session, receipt, NOW)
    recorded = record_payments(session, receipts(many, "MANY"), NOW)
    assert all(r.is_new for r in recorded)
    assert outcome(session, many, "MANY") == outcome(session, one, "ONE")
    # A 100.00 (due first), B 50.00, C 25.00:
    # 40.00 -> A (60 open), partial; 50.00 names C -> C 25 + A 25 (35 open), partial;
    # 60.00 names A -> A 35 + B 25 (25 open), partial; 25.00 names paid C -> B 25, duplicate;
    # 90.00 names paid B (and an unknown number) -> nothing open, duplicate; 10.00 -> overpaid.
    assert outcome(session, many, "MANY") == ([
        ("partial", [("A", 4_000)]), ("partial", [("A", 2_500), ("C", 2_500)]),
        ("partial", [("A", 3_500), ("B", 2_500)]), ("duplicate", [("B", 2_500)]),
        ("duplicate", []), ("overpaid", [])],
        [("A", 10_000, "paid"), ("B", 5_000, "paid"), ("C", 2_500, "paid")])


def test_seen_before_or_twice_in_the_lot_is_not_new(session, world):
    many = account(session, world, "TWICE")
    first = receipts(many, "TWICE")[:2]
    record_payments(session, first, NOW)
    again = record_payments(session, [first[1], first[0], first[0]], NOW)
    assert [r.is_new for r in again] == [False, False, False]
    fresh = receipts(many, "TWICE")[2]
    twice = record_payments(session, [fresh, fresh], NOW)
    assert [r.is_new for r in twice] == [True, False]
    assert twice[0].payment_id == twice[1].payment_id
    assert len(session.scalars(select(Payment).filter_by(customer_id=many.id)).all()) == 3


def test_payments_that_fit_their_named_invoices_allocate_as_one_at_a_time(session, world):
    """Where every payment fits in the invoices it names, the batch reads only those; beside
    an account whose payments spill over, each still gives what one at a time gives."""
    fitting = [(5_000, ("B",)), (2_500, ("C",)), (3_000, ("A",)), (7_000, ("A",))]

    def fit_receipts(customer, tag):
        return [Receipt("USD", amount, NOW - timedelta(hours=1), "card", f"ch_{tag}{n}",
                        "report", customer.id, tuple(f"{tag}-{name}" for name in names),
                        external_id=f"pi_{tag}{n}") for n, (amount, names) in enumerate(fitting)]

    one_fit, one_spill = account(session, world, "FIT1"), account(session, world, "SPILL1")
    for receipt in fit_receipts(one_fit, "FIT1") + receipts(one_spill, "SPILL1"):
        record_payment(session, receipt, NOW)
    many_fit, many_spill = account(session, world, "FIT2"), account(session, world, "SPILL2")
    mixed = [r for pair in zip(fit_receipts(many_fit, "FIT2"), receipts(many_spill, "SPILL2"),
                               strict=False) for r in pair] + receipts(many_spill, "SPILL2")[4:]
    record_payments(session, mixed, NOW)
    assert outcome(session, many_fit, "FIT2") == outcome(session, one_fit, "FIT1") == ([
        ("matched", [("B", 5_000)]), ("matched", [("C", 2_500)]),
        ("partial", [("A", 3_000)]), ("matched", [("A", 7_000)])],
        [("A", 10_000, "paid"), ("B", 5_000, "paid"), ("C", 2_500, "paid")])
    assert outcome(session, many_spill, "SPILL2") == outcome(session, one_spill, "SPILL1")


def test_a_location_billed_on_its_parent_pays_into_the_parent(session, world):
    parent = account(session, world, "PARENT")
    location = make_customer(session, "BATCH-LOC", "Batch location", world.partners["channel"],
                             parent=parent, pays_own_charges=False)
    paid = Receipt("USD", 2_500, NOW - timedelta(hours=1), "card", "ch_loc", "report",
                   location.id, ("PARENT-C",), external_id="pi_loc")
    assert record_payments(session, [paid], NOW)[0].payment_class == "matched"
    assert session.scalars(select(Payment).filter_by(external_id="pi_loc")).one() \
        .customer_id == parent.id


def test_a_payment_naming_nothing_pays_the_oldest_even_when_another_names_a_newer(session, world):
    """The book holds the invoices any payment of the lot names; one naming nothing still
    pays the account's oldest open invoice, not one of those, as one at a time."""
    one, many = account(session, world, "OLD1"), account(session, world, "OLDM")

    def lot(customer, tag):
        return [Receipt("USD", amount, NOW - timedelta(hours=1), "card", f"ch_{tag}{n}",
                        "report", customer.id, names, external_id=f"pi_{tag}{n}")
                for n, (amount, names) in enumerate(((1_000, (f"{tag}-C",)), (500, ())))]

    for receipt in lot(one, "OLD1"):
        record_payment(session, receipt, NOW)
    record_payments(session, lot(many, "OLDM"), NOW)
    # 10.00 names C (25.00): partial; 5.00 names nothing: A, due first (not C, named above).
    assert outcome(session, many, "OLDM") == outcome(session, one, "OLD1") == (
        [("partial", [("C", 1_000)]), ("partial", [("A", 500)])],
        [("A", 500, "partially_paid"), ("B", 0, "issued"), ("C", 1_000, "partially_paid")])

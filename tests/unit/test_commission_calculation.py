"""The commission rules of DESIGN section 9, worked out by hand, then as properties.

Amounts are minor units (10_000 = 100.00); rates are percents. The arithmetic beside each
case is the rule applied: basis = allocation x category / gross (the invoice's charges,
taxes and fees before credits), earned = own rate (serving partner) or own less the one
below, floored at 0 (agencies above), amount = basis x earned, rounded half-up once.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.commissions.calculation import (
    InvoiceSplit,
    MoneyEvent,
    PathPartner,
    PlanRates,
    commission_lines,
    invoice_split,
)

MARCH = date(2026, 3, 10)
JAN1 = date(2026, 1, 1)


def partner(partner_id, recurring=0, usage=0, one_time=0, kind="agency", since=JAN1):
    rates = PlanRates(since, Decimal(recurring), Decimal(usage), Decimal(one_time))
    return PathPartner(partner_id, kind, (rates,))


def paid(amount, day=MARCH, key="a1", source="payment"):
    return MoneyEvent(key, amount, day, source)


def earned(path, invoice, *events):
    """{(partner, category): amount} summed over the events."""
    totals = {}
    for line in commission_lines(path, invoice, events):
        key = (line.partner_id, line.category)
        totals[key] = totals.get(key, 0) + line.amount_minor
    return totals


RECURRING_100 = InvoiceSplit(recurring=10_000)
TREE = [partner(3, 10), partner(2, 15), partner(1, 20)]  # serving 10 %, mid 15 %, top 20 %


def test_one_category():
    # 10_000 x 10 % = 1_000
    assert earned([partner(1, 10)], RECURRING_100, paid(10_000)) == {(1, "recurring"): 1_000}


def test_mixed_categories_with_taxes_earn_nothing_on_the_tax_share():
    invoice = InvoiceSplit(recurring=6_000, usage=3_000, taxes_and_fees=1_000)  # gross 10_000
    # recurring 6_000 x 10 % = 600; usage 3_000 x 5 % = 150; tax 1_000 earns nothing
    assert earned([partner(1, 10, 5)], invoice, paid(10_000)) == {
        (1, "recurring"): 600, (1, "usage"): 150}


def test_one_time_category():
    # 2_500 x 25 % = 625
    assert earned([partner(1, 0, 0, 25)], InvoiceSplit(one_time=2_500), paid(2_500)) == {
        (1, "one_time"): 625}


def test_three_level_tree_earns_own_rate_and_overrides():
    # serving 10 % = 1_000; mid 15 - 10 = 5 % = 500; top 20 - 15 = 5 % = 500
    assert earned(TREE, RECURRING_100, paid(10_000)) == {
        (3, "recurring"): 1_000, (2, "recurring"): 500, (1, "recurring"): 500}


def test_the_tree_earns_the_top_rate_in_all():
    # 1_000 + 500 + 500 = 2_000 = 10_000 x 20 %
    assert sum(earned(TREE, RECURRING_100, paid(10_000)).values()) == 2_000


def test_an_override_that_would_be_negative_is_zero():
    path = [partner(3, 10), partner(2, 25), partner(1, 20)]
    # serving 10 % = 1_000; mid 25 - 10 = 15 % = 1_500; top max(0, 20 - 25) = 0: no line
    assert earned(path, RECURRING_100, paid(10_000)) == {
        (3, "recurring"): 1_000, (2, "recurring"): 1_500}


def test_overrides_per_category():
    path = [partner(3, 10, 5), partner(2, 15, 8), partner(1, 20, 8)]
    invoice = InvoiceSplit(recurring=4_000, usage=6_000)
    # recurring: 400, 200 (5 %), 200 (5 %); usage: 6_000 x 5 % = 300, x 3 % = 180, top 0
    assert earned(path, invoice, paid(10_000)) == {
        (3, "recurring"): 400, (2, "recurring"): 200, (1, "recurring"): 200,
        (3, "usage"): 300, (2, "usage"): 180}


def test_sub_agent_without_a_plan_leaves_the_whole_top_rate_to_the_agency():
    path = [PathPartner(3, "agency"), partner(1, 20)]
    # serving 0 %; top 20 - 0 = 20 % of 10_000 = 2_000
    assert earned(path, RECURRING_100, paid(10_000)) == {(1, "recurring"): 2_000}


def test_partial_payment_earns_on_its_share():
    invoice = InvoiceSplit(recurring=10_000, taxes_and_fees=2_000)  # gross 12_000
    lines = commission_lines([partner(1, 10)], invoice, [paid(6_000)])
    # basis 6_000 x 10_000 / 12_000 = 5_000; 5_000 x 10 % = 500
    assert [(line.basis_minor, line.amount_minor) for line in lines] == [(5_000, 500)]


def test_a_payment_of_two_invoices_earns_on_each_by_its_own_split():
    first = InvoiceSplit(recurring=5_000)
    second = InvoiceSplit(usage=3_000, taxes_and_fees=300)
    path = [partner(1, 10, 4)]
    # first: 5_000 x 10 % = 500; second: 3_300 x 3_000 / 3_300 = 3_000 x 4 % = 120
    assert earned(path, first, paid(5_000, key="p1-first")) == {(1, "recurring"): 500}
    assert earned(path, second, paid(3_300, key="p1-second")) == {(1, "usage"): 120}


def test_overpayment_credit_used_later_earns_when_allocated_at_that_days_rates():
    path = [PathPartner(1, "channel", (PlanRates(JAN1, Decimal(10)),
                                       PlanRates(date(2026, 4, 1), Decimal(12))))]
    # the credit is allocated on 5 April: 5_000 x 12 % = 600 (not 10 %)
    assert earned(path, InvoiceSplit(recurring=5_000), paid(5_000, date(2026, 4, 5))) == {
        (1, "recurring"): 600}


def test_credit_that_is_not_money_earns_nothing():
    # an allocation marked as credit-note credit earns 0
    assert earned([partner(1, 10)], RECURRING_100, paid(10_000, source="credit_note")) == {}


def test_credit_note_lines_on_the_invoice_earn_nothing():
    split = invoice_split([("recurring", 10_000), ("tax", 1_000), ("credit", -2_200)])
    # total 8_800 of gross 11_000 paid: basis 8_800 x 10_000 / 11_000 = 8_000; x 10 % = 800
    # (the 2_200 the credit note settled, 20 % of every share, earns nothing)
    assert earned([partner(1, 10)], split, paid(8_800)) == {(1, "recurring"): 800}


def test_refund_claws_back_at_the_rates_it_was_earned_at():
    path = [PathPartner(1, "channel", (PlanRates(JAN1, Decimal(10)),
                                       PlanRates(date(2026, 4, 1), Decimal(30))))]
    refund = MoneyEvent("r1", -4_000, MARCH)  # booked in April, earned in March
    # -4_000 x 10 % = -400 (the March rate, not April's 30 %)
    assert earned(path, RECURRING_100, refund) == {(1, "recurring"): -400}


def test_chargeback_and_its_reversal():
    charge = paid(10_000, key="a1")
    chargeback = MoneyEvent("a2", -10_000, MARCH)
    reversal = paid(10_000, date(2026, 4, 2), key="a3")
    # +1_000, -1_000, +1_000 again: 1_000 in all
    assert earned(TREE[:1], RECURRING_100, charge, chargeback) == {(3, "recurring"): 0}
    assert earned(TREE[:1], RECURRING_100, charge, chargeback, reversal) == {
        (3, "recurring"): 1_000}


def test_plan_changing_mid_month_uses_the_rate_on_the_allocations_date():
    path = [PathPartner(1, "channel", (PlanRates(date(2026, 3, 1), Decimal(10)),
                                       PlanRates(date(2026, 3, 16), Decimal(15))))]
    # 10 March: 10_000 x 10 % = 1_000; 20 March: 10_000 x 15 % = 1_500
    lines = commission_lines(path, RECURRING_100, [
        paid(10_000, date(2026, 3, 10), "a1"), paid(10_000, date(2026, 3, 20), "a2")])
    assert [line.amount_minor for line in lines] == [1_000, 1_500]


def test_rounding_is_half_up():
    path = [partner(1, Decimal("12.5"))]
    # 100 x 12.5 % = 12.5 -> 13; -100 x 12.5 % = -12.5 -> -13 (half away from zero, so a
    # refund of the same money takes back exactly what it earned)
    assert earned(path, InvoiceSplit(recurring=1_000), paid(100)) == {(1, "recurring"): 13}
    assert earned(path, InvoiceSplit(recurring=1_000), paid(-100)) == {(1, "recurring"): -13}


def test_rounding_down_below_the_half():
    # 101 x 10 % = 10.1 -> 10
    assert earned([partner(1, 10)], InvoiceSplit(recurring=1_000), paid(101)) == {
        (1, "recurring"): 10}


def test_each_line_is_rounded_once_on_its_own():
    path = [partner(1, Decimal("10.5"), Decimal("10.5"))]
    invoice = InvoiceSplit(recurring=500, usage=500)
    # basis 5 + 5; 5 x 10.5 % = 0.525 -> 1 per line: 2 (rounding the sum would give 1)
    assert sum(earned(path, invoice, paid(10)).values()) == 2


def test_a_line_that_rounds_to_zero_is_left_out():
    # 4 x 10 % = 0.4 -> 0
    assert commission_lines([partner(1, 10)], RECURRING_100, [paid(4)]) == []


def test_wholesale_rebillers_earn_nothing():
    assert earned([partner(1, 10, 10, 10, kind="wholesale")], RECURRING_100, paid(10_000)) == {}


def test_no_plan_in_force_yet_earns_nothing():
    assert earned([partner(1, 10, since=date(2026, 4, 1))], RECURRING_100, paid(10_000)) == {}


def test_an_invoice_with_nothing_charged_earns_nothing():
    assert commission_lines([partner(1, 10)], InvoiceSplit(), [paid(100)]) == []


def test_the_split_maps_proration_to_recurring_and_taxes_with_fees():
    split = invoice_split([("recurring", 8_000), ("proration", -1_000), ("proration", 500),
                           ("usage", 700), ("one_time", 300), ("fee", 250), ("tax", 750),
                           ("credit", -1_000)])
    # recurring 8_000 - 1_000 + 500 = 7_500; taxes and fees 250 + 750 = 1_000; credit out
    assert split == InvoiceSplit(recurring=7_500, usage=700, one_time=300, taxes_and_fees=1_000)


def test_a_category_netting_below_zero_counts_as_zero():
    assert invoice_split([("recurring", 1_000), ("usage", -50)]).usage == 0


# --- properties ---------------------------------------------------------------------------

percent = st.decimals(min_value=0, max_value=40, places=2)
amounts = st.integers(min_value=1, max_value=5_000_000)
splits = st.builds(InvoiceSplit, recurring=st.integers(0, 10**6), usage=st.integers(0, 10**6),
                   one_time=st.integers(0, 10**6), taxes_and_fees=st.integers(0, 10**5))


@st.composite
def monotone_paths(draw):
    """A path whose agencies each have at least the rate of the partner below (the usual
    plans); where one has less, the overrides can sum above the top rate (see report)."""
    depth = draw(st.integers(1, 4))
    rates = sorted(draw(st.lists(percent, min_size=depth, max_size=depth)))
    return [partner(index + 1, rate) for index, rate in enumerate(rates)]


@settings(max_examples=200, deadline=None)
@given(monotone_paths(), splits, amounts)
def test_the_tree_never_earns_more_than_the_top_rate(path, invoice, amount):
    lines = commission_lines(path, invoice, [paid(amount)])
    top = Fraction(path[-1].plans[0].recurring) / 100
    basis = Fraction(amount) * invoice.recurring / invoice.gross if invoice.gross else 0
    # each line may round up by at most half a minor unit
    assert sum(line.amount_minor for line in lines) <= top * basis + Fraction(len(lines), 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(percent, percent, percent), min_size=1, max_size=4), splits,
       st.lists(amounts, min_size=1, max_size=6))
def test_refunding_everything_brings_the_total_to_zero(rates, invoice, paid_amounts):
    path = [partner(i + 1, *r) for i, r in enumerate(rates)]
    events = [paid(a, key=f"a{i}") for i, a in enumerate(paid_amounts)]
    events += [MoneyEvent(f"r{i}", -a, MARCH) for i, a in enumerate(paid_amounts)]
    assert sum(line.amount_minor for line in commission_lines(path, invoice, events)) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(percent, percent, percent), min_size=1, max_size=4), splits,
       st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=8), st.randoms())
def test_lines_do_not_depend_on_the_order_of_events(rates, invoice, amounts_, rng):
    path = [partner(i + 1, *r) for i, r in enumerate(rates)]
    events = [paid(a, key=f"e{i}") for i, a in enumerate(amounts_)]
    shuffled = events[:]
    rng.shuffle(shuffled)

    def key(line):
        return (line.event_key, line.partner_id, line.category)
    assert sorted(commission_lines(path, invoice, events), key=key) == sorted(
        commission_lines(path, invoice, shuffled), key=key)

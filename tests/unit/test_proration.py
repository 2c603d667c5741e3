"""Proration by day, and its property: the parts of a split period add up to the whole."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.core.clock import period_ending_in
from billing.invoicing.proration import overlap_days, prorated_minor

MARCH = period_ending_in(2026, 3)  # 26 Feb .. 25 Mar 2026, 28 days


def test_a_mid_period_start_pays_for_the_days_it_has():
    # 10 seats x 18.00 = 180.00 for 28 days; from 12 Mar: 14 days -> 90.00
    days = overlap_days(MARCH, date(2026, 3, 12), None)
    assert days == 14
    assert prorated_minor(Decimal("180.00"), "USD", MARCH, days) == 9000


def test_an_odd_share_rounds_half_up_once():
    # 100.00 x 1/28 = 3.571428... -> 3.57; x 3/28 = 10.714285... -> 10.71
    assert prorated_minor(Decimal(100), "USD", MARCH, 1) == 357
    assert prorated_minor(Decimal(100), "USD", MARCH, 3) == 1071


def test_overlap_outside_the_period_is_zero():
    assert overlap_days(MARCH, date(2026, 4, 1), None) == 0
    assert overlap_days(MARCH, date(2026, 1, 1), date(2026, 2, 25)) == 0
    assert overlap_days(MARCH, date(2026, 1, 1), date(2026, 2, 26)) == 1


@given(charge=st.decimals(min_value=0, max_value=10**6, places=2),
       cuts=st.lists(st.integers(1, 27), max_size=6, unique=True))
def test_split_parts_sum_to_the_whole_within_a_cent_per_split(charge, cuts):
    edges = [MARCH.start] + [MARCH.start + timedelta(days=c) for c in sorted(cuts)]
    ends = [e - timedelta(days=1) for e in edges[1:]] + [MARCH.end]
    parts = [prorated_minor(charge, "USD", MARCH, overlap_days(MARCH, s, e))
             for s, e in zip(edges, ends, strict=True)]
    whole = prorated_minor(charge, "USD", MARCH, MARCH.days)
    assert abs(sum(parts) - whole) <= len(cuts)

"""Server-drawn SVG charts: bar heights on a zoomed axis, escaping, no inline styles."""

import re
from decimal import Decimal

from reports.charts import Bar, Stack, availability_chart, bar_chart, stacked_bar_chart

TARGET = Decimal("99.95")


def _heights(svg) -> list[float]:
    return [float(h) for h in re.findall(r'<rect class="[^"]*" x="[^"]*" y="[^"]*" width="[^"]*" '
                                         r'height="([^"]*)"', svg)]


def test_bars_rise_from_a_99_5_percent_floor():
    bars = [Bar("a", Decimal(100), "a"), Bar("b", Decimal("99.75"), "b"),
            Bar("c", Decimal("99.5"), "c")]
    svg = availability_chart(bars, chart_id="c", title="t", target=TARGET)
    # plot height 240 - 12 - 28 = 200: full, half (0.25 of the 0.5 span), nothing
    assert _heights(svg) == [200.0, 100.0, 0.0]
    assert svg.count("chart-bar-below") == 2 and "99.5" in svg


def test_a_bad_month_lowers_the_floor_by_half_points():
    svg = availability_chart([Bar("a", Decimal("98.2"), "a"), Bar("b", Decimal(100), "b")],
                             chart_id="c", title="t", target=TARGET)
    # floor 98.0: 98.2 is 0.2 of the 2.0 span -> 20 of 200
    assert _heights(svg) == [20.0, 200.0] and ">98<" in svg


def test_text_is_escaped_and_nothing_is_styled_inline():
    svg = availability_chart([Bar("<b>", Decimal(100), 'x" onload="y')], chart_id="c",
                             title="<script>", target=TARGET)
    assert "<script>" not in svg and "<b>" not in svg and 'onload="' not in svg
    assert "style" not in svg


def _segments(svg) -> list[tuple[str, float]]:
    """(class, height) of each captioned bar or segment; legend swatches have no caption."""
    return [(kind, float(height)) for kind, height in re.findall(
        r'<rect class="([^"]*)" x="[^"]*" y="[^"]*" width="[^"]*" height="([^"]*)"><title>',
        svg)]


def test_bars_rise_from_zero_to_a_round_top():
    bars = [Bar("a", Decimal(10), "a"), Bar("b", Decimal(5), "b"), Bar("c", Decimal(0), "c")]
    svg = bar_chart(bars, chart_id="c", title="t", value_text=lambda v: f"{v} h")
    assert _segments(svg) == [("chart-bar", 200.0), ("chart-bar", 100.0), ("chart-bar", 0.0)]
    assert ">10 h<" in svg and ">0 h<" in svg


def test_the_axis_top_is_one_two_or_five_times_a_power_of_ten():
    # 13 -> 20: 13 is 0.65 of the axis; 0.3 -> 0.5: 0.6 of it
    assert _segments(bar_chart([Bar("a", Decimal(13), "a")], chart_id="c", title="t")) == [
        ("chart-bar", 130.0)]
    assert _segments(bar_chart([Bar("a", Decimal("0.3"), "a")], chart_id="c", title="t")) == [
        ("chart-bar", 120.0)]
    assert "<rect" not in bar_chart([], chart_id="c", title="t")


def test_stacks_pile_their_series_and_name_them_in_a_legend():
    stacks = [Stack("Tier 1", (Decimal(1), Decimal(2), Decimal(0)), "Tier 1"),
              Stack("Tier 2", (Decimal(3), Decimal(0), Decimal(1)), "Tier 2")]
    svg = stacked_bar_chart(stacks, ["new", "week", "old"], chart_id="c", title="t")
    # totals 3 and 4: the axis tops at 5, so one dispute is 40 of 200; empty segments omitted
    assert _segments(svg) == [("chart-series-0", 40.0), ("chart-series-1", 80.0),
                              ("chart-series-0", 120.0), ("chart-series-2", 40.0)]
    assert svg.count('class="chart-legend"') == 3 and "Tier 2, old: 1" in svg


def test_stacked_text_is_escaped_and_nothing_is_styled_inline():
    svg = stacked_bar_chart([Stack("<b>", (Decimal(1),), 'x" onload="y')], ["<i>"],
                            chart_id="c", title="<script>")
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert 'onload="' not in svg and "style" not in svg

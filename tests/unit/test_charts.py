"""Server-drawn SVG charts: bar heights on a zoomed axis, escaping, no inline styles."""

import re
from decimal import Decimal

from reports.charts import Bar, availability_chart

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

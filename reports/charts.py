"""Charts drawn on the server as inline SVG: no script, nothing fetched from elsewhere.

The portal's Content-Security-Policy refuses inline style attributes, so shapes carry
classes only and static/css/charts.css paints them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28  # room for the axis labels
DEFAULT_FLOOR = Decimal("99.5")  # a 0-100 % axis would hide every difference that matters


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar
    value: Decimal  # a percentage
    caption: str  # what a pointer or a screen reader is told


def availability_chart(bars: list[Bar], *, chart_id: str, title: str, target: Decimal,
                       percent: Callable[[Decimal], str] = str) -> Markup:
    """A bar per month with the target as a line; bars under the target are marked."""
    floor = _floor([bar.value for bar in bars] + [target])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)

    def y(value: Decimal) -> float:
        share = (max(value, floor) - floor) / (Decimal(100) - floor)
        return round(TOP + plot_h * (1 - float(share)), 2)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    for value in (floor, Decimal(100)):
        parts.append(f'<text class="chart-axis-label" x="{LEFT - 6}" y="{y(value) + 4}" '
                     f'text-anchor="end">{escape(percent(value))}</text>')
    parts.append(f'<line class="chart-axis" x1="{LEFT}" y1="{TOP + plot_h}" '
                 f'x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>')
    for index, bar in enumerate(bars):
        parts.append(_bar(bar, LEFT + index * slot, slot, y(bar.value), TOP + plot_h, target))
    parts.append(f'<line class="chart-target" x1="{LEFT}" y1="{y(target)}" '
                 f'x2="{WIDTH - RIGHT}" y2="{y(target)}"><title>{escape(percent(target))}'
                 f'</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(bar: Bar, x: float, slot: float, top: float, base: float, target: Decimal) -> str:
    kind = "chart-bar" if bar.value >= target else "chart-bar chart-bar-below"
    width = slot * 0.6
    left = round(x + (slot - width) / 2, 2)
    return (f'<rect class="{kind}" x="{left}" y="{top}" width="{round(width, 2)}" '
            f'height="{round(base - top, 2)}"><title>{escape(bar.caption)}</title></rect>'
            f'<text class="chart-label" x="{round(x + slot / 2, 2)}" y="{base + 18}" '
            f'text-anchor="middle">{escape(bar.label)}</text>')


def _floor(values: list[Decimal]) -> Decimal:
    """The axis starts at 99.5 %, or lower in half-points to fit the worst month."""
    lowest = min(values, default=DEFAULT_FLOOR)
    return min(DEFAULT_FLOOR, Decimal(math.floor(lowest * 2)) / 2)

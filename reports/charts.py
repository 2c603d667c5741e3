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
LEFT, RIGHT, TOP, BOTTOM = 100, 8, 12, 28  # room for axis labels such as "CA$500,000.00"
DEFAULT_FLOOR = Decimal("99.5")  # a 0-100 % axis would hide every difference that matters


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar
    value: Decimal  # the bar's height in the chart's unit (availability: a percentage)
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


@dataclass(frozen=True)
class Stack:
    label: str  # under the bar
    values: tuple[Decimal, ...]  # one per series, bottom up
    caption: str  # what a pointer or a screen reader is told about the whole bar


SERIES_CLASSES = 6  # static/css/charts.css paints chart-series-0 to chart-series-5
LEGEND_WIDTH = 132
MAX_BAR_WIDTH = 96  # a lone bar stays a bar, not a block


def bar_chart(bars: list[Bar], *, chart_id: str, title: str,
              value_text: Callable[[Decimal], str] = str) -> Markup:
    """A bar per item on an axis from zero to a round number above the largest value."""
    top = _round_top(max((bar.value for bar in bars), default=Decimal(0)))
    plot = _Plot(WIDTH - LEFT - RIGHT, top, len(bars))
    parts = [*_open_svg(chart_id, title), *_value_axis(plot, value_text)]
    for index, bar in enumerate(bars):
        x, width = plot.bar_span(index)
        parts.append(_rect("chart-bar", x, plot.y(bar.value), width, plot.y(Decimal(0)),
                           bar.caption))
        parts.append(_under(bar.label, plot.middle(index)))
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar_chart(stacks: list[Stack], series: list[str], *, chart_id: str, title: str,
                      value_text: Callable[[Decimal], str] = str) -> Markup:
    """A bar per item made of one segment per series, bottom up, with a legend."""
    top = _round_top(max((sum(stack.values, Decimal(0)) for stack in stacks),
                         default=Decimal(0)))
    plot = _Plot(WIDTH - LEFT - RIGHT - LEGEND_WIDTH, top, len(stacks))
    parts = [*_open_svg(chart_id, title), *_value_axis(plot, value_text)]
    for index, stack in enumerate(stacks):
        x, width = plot.bar_span(index)
        floor = Decimal(0)
        for number, (name, value) in enumerate(zip(series, stack.values, strict=True)):
            if value:
                caption = f"{stack.caption}, {name}: {value_text(value)}"
                parts.append(_rect(f"chart-series-{number % SERIES_CLASSES}", x,
                                   plot.y(floor + value), width, plot.y(floor), caption))
            floor += value
        parts.append(_under(stack.label, plot.middle(index)))
    parts.extend(_legend(series, LEFT + plot.width + 16))
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class _Plot:
    width: float
    top: Decimal  # the value at the top of the axis
    count: int  # bars

    @property
    def slot(self) -> float:
        return self.width / max(self.count, 1)

    def y(self, value: Decimal) -> float:
        height = HEIGHT - TOP - BOTTOM
        return round(TOP + height * (1 - float(value / self.top)), 2)

    def bar_span(self, index: int) -> tuple[float, float]:
        width = min(self.slot * 0.6, MAX_BAR_WIDTH)
        return round(LEFT + index * self.slot + (self.slot - width) / 2, 2), round(width, 2)

    def middle(self, index: int) -> float:
        return round(LEFT + (index + 0.5) * self.slot, 2)


def _open_svg(chart_id: str, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{escape(chart_id)}-title">',
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']


def _value_axis(plot: _Plot, value_text: Callable[[Decimal], str]) -> list[str]:
    base = plot.y(Decimal(0))
    parts = [f'<text class="chart-axis-label" x="{LEFT - 6}" y="{plot.y(value) + 4}" '
             f'text-anchor="end">{escape(value_text(value))}</text>'
             for value in (Decimal(0), plot.top)]
    parts.append(f'<line class="chart-axis" x1="{LEFT}" y1="{base}" '
                 f'x2="{LEFT + plot.width}" y2="{base}"/>')
    return parts


def _rect(kind: str, x: float, top: float, width: float, base: float, caption: str) -> str:
    return (f'<rect class="{kind}" x="{x}" y="{top}" width="{width}" '
            f'height="{round(base - top, 2)}"><title>{escape(caption)}</title></rect>')


def _under(label: str, middle: float) -> str:
    return (f'<text class="chart-label" x="{middle}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle">{escape(label)}</text>')


def _legend(series: list[str], left: float) -> list[str]:
    parts = []
    for number, name in enumerate(series):
        y = TOP + number * 18
        parts.append(f'<rect class="chart-series-{number % SERIES_CLASSES}" x="{left}" '
                     f'y="{y}" width="10" height="10"/>'
                     f'<text class="chart-legend" x="{left + 16}" y="{y + 9}">'
                     f'{escape(name)}</text>')
    return parts


def _round_top(largest: Decimal) -> Decimal:
    """The axis top: 1, 2 or 5 times a power of ten, at or above the largest value."""
    if largest <= 0:
        return Decimal(1)
    power = Decimal(10) ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)

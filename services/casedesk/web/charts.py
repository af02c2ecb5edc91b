"""Bar charts as geometry for server-side SVG (`templates/_charts.html` draws them): stacked vertical bars.

One shape serves the dashboard's three pictures: a single series (open holds by age), series per rule
stacked per day (alerts), and two series per priority (within SLA, overdue). Colours are fixed per
series (or per bar for a single series), so the same data always draws the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PALETTE = (
    "#2563eb",
    "#dc2626",
    "#059669",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#475569",
    "#ea580c",
    "#0f766e",
    "#a16207",
    "#9333ea",
    "#be123c",
    "#1e3a8a",
    "#15803d",
)
"""Distinct colours for the series of a chart, in order (a chart with more series reuses them)."""

PLOT_H = 190.0
LEFT = 44.0
TOP = 16.0
BOTTOM = 46.0
RIGHT = 12.0


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[int, ...]
    colour: str


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    colour: str
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    width: float
    height: float
    plot_left: float
    plot_right: float
    baseline: float
    rects: tuple[Rect, ...]
    ticks: tuple[Tick, ...]
    categories: tuple[Label, ...]
    totals: tuple[Label, ...]
    legend: tuple[tuple[str, str], ...]
    """(colour, series name), for a legend beside the chart."""
    empty: bool


def nice_step(top: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) dividing 0..top into about `ticks` parts."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    bar_colours: Sequence[str] | None = None,
    slot: float = 52.0,
) -> Chart:
    """Stacked bars, one per category; `bar_colours` colours each bar when there is one series."""
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top = max(totals, default=0)
    step = nice_step(top)
    axis_top = max(step, math.ceil(top / step) * step) if top else 4
    width = LEFT + RIGHT + slot * max(len(categories), 1)
    height = TOP + PLOT_H + BOTTOM
    baseline = TOP + PLOT_H
    scale = PLOT_H / axis_top
    bar_w = min(34.0, slot * 0.64)
    rects: list[Rect] = []
    total_labels: list[Label] = []
    for i, category in enumerate(categories):
        x = LEFT + slot * i + (slot - bar_w) / 2
        y = baseline
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = value * scale
            y -= h
            colour = bar_colours[i] if bar_colours is not None and len(series) == 1 else s.colour
            rects.append(
                Rect(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), colour, f"{category}: {value} {s.name}")
            )
        if totals[i]:
            total_labels.append(Label(round(x + bar_w / 2, 1), round(y - 5, 1), str(totals[i])))
    ticks = tuple(Tick(round(baseline - v * scale, 1), str(v)) for v in range(0, axis_top + 1, step))
    labels = tuple(
        Label(round(LEFT + slot * i + slot / 2, 1), round(baseline + 18, 1), c) for i, c in enumerate(categories)
    )
    legend = tuple((s.colour, s.name) for s in series) if len(series) > 1 else ()
    return Chart(
        title,
        round(width, 1),
        round(height, 1),
        LEFT,
        round(width - RIGHT, 1),
        baseline,
        tuple(rects),
        ticks,
        labels,
        tuple(total_labels),
        legend,
        top == 0,
    )

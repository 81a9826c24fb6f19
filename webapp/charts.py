# SPDX-License-Identifier: EUPL-1.2
"""Charts drawn on the server as inline SVG: no JavaScript, no library.

Accessible by construction: the ``<svg>`` is ``role="img"`` labelled by its
``<title>`` and ``<desc>``; each bar has its own ``<title>`` (the number, also a
tooltip); colours come from the workplace's palette and the series are told apart
by a legend with text, not colour alone. Pages show the same numbers in a table
beside the chart (the chart is a picture of the table, not a replacement).

    svg = grouped_bar_chart(
        title="Started and completed cases per week",
        desc="…",
        categories=["02.03", "09.03"],
        series=[Series("started", "Started", [3, 5]),
                Series("completed", "Completed", [1, 4])],
    )
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

__all__ = ["PALETTE", "Series", "grouped_bar_chart", "nice_ticks"]

PALETTE = ("#0b4f9c", "#1d6b2f", "#8a4b00", "#6b2c91")
"""Dark enough for 3:1 against white (WCAG 1.4.11, graphical objects)."""
_ids = count(1)


@dataclass(frozen=True)
class Series:
    key: str
    """A CSS-safe name: the bars get the class ``bar-<key>``."""
    label: str
    values: Sequence[int | float]


def nice_ticks(maximum: float, *, steps: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``maximum`` (0, 5, 10, …)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if step < 1:
        step = 1
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _num(value: float) -> str:
    return f"{value:g}"


def grouped_bar_chart(
    *,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    width: int = 720,
    height: int = 260,
) -> Markup:
    """Bars grouped by category, one colour per series, with axis and legend."""
    uid = f"chart{next(_ids)}"
    left, right, top, bottom = 40, 10, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max((v for s in series for v in s.values), default=0)
    ticks = nice_ticks(maximum)
    scale = plot_h / ticks[-1]
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{uid}-title {uid}-desc">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(desc)}</desc>',
    ]
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<g class="tick"><line x1="{left}" x2="{width - right}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#4a4a4a">{_num(tick)}</text></g>'
        )
    for ci, category in enumerate(categories):
        x0 = left + ci * group_w + group_w * 0.1
        for si, s in enumerate(series):
            value = s.values[ci] if ci < len(s.values) else 0
            bar_h = value * scale
            x = x0 + si * bar_w
            y = top + plot_h - bar_h
            parts.append(
                f'<rect class="bar bar-{escape(s.key)}" data-category="'
                f'{escape(category)}" data-value="{_num(value)}" x="{x:.1f}" '
                f'y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(category)}: {escape(s.label)} {_num(value)}</title>"
                f"</rect>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - bottom + 14}" '
            f'text-anchor="middle" font-size="11" fill="#4a4a4a">'
            f"{escape(category)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" '
        f'y2="{top + plot_h}" stroke="#1b1b1b" stroke-width="1"/>'
    )
    lx = left
    for si, s in enumerate(series):
        parts.append(
            f'<g class="legend"><rect x="{lx}" y="8" width="12" height="12" '
            f'fill="{PALETTE[si % len(PALETTE)]}"/><text x="{lx + 16}" y="18" '
            f'font-size="12" fill="#1b1b1b">{escape(s.label)}</text></g>'
        )
        lx += 24 + 8 * len(s.label)
    parts.append("</svg>")
    # every text and attribute above went through escape(); numbers are formatted
    return Markup("".join(parts))  # noqa: S704

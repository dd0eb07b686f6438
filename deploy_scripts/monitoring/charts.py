"""Inline SVG charts (no JavaScript, no CDN: the page must work offline and as a saved file).

Every chart is an <svg class="chart" data-chart=NAME> whose plotted values carry class="point"
(or "bar") and data-value, so a headless browser's DOM says exactly what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .marks import Mark

WIDTH, HEIGHT = 560, 210
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 22, 30
MARK_COLORS = {"deploy": "#1f77b4", "rollback": "#ff7f0e"}


@dataclass
class Series:
    name: str
    color: str
    points: Sequence[tuple[datetime, float | None]]


@dataclass
class Axis:
    start: datetime
    end: datetime
    y_max: float
    unit: str  # "percent" | "seconds" | "count" | "mb"

    def x(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        share = (at - self.start).total_seconds() / span
        return LEFT + max(0.0, min(1.0, share)) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        share = value / self.y_max if self.y_max else 0.0
        return TOP + (1 - max(0.0, min(1.0, share))) * (HEIGHT - TOP - BOTTOM)

    def label(self, value: float) -> str:
        if self.unit == "percent":
            return f"{value * 100:.0f}%"
        if self.unit == "seconds":
            return f"{value:.3g}s"
        if self.unit == "mb":
            return f"{value:.0f}MB"
        return f"{value:.3g}"


def nice_max(values: Sequence[float], floor: float) -> float:
    """A round axis top a little above the largest value: 1, 2, 2.5, 4 or 5 times a power of ten."""
    top = max([floor, *values]) * 1.1
    magnitude = 10 ** math.floor(math.log10(top))
    return next(m * magnitude for m in (1, 2, 2.5, 4, 5, 10) if m * magnitude >= top)


def _frame(name: str, title: str, axis: Axis, body: list[str], marks: Sequence[Mark], count: int) -> str:
    grid = []
    for step in range(5):
        value = axis.y_max * step / 4
        y = axis.y(value)
        grid.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        grid.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" class="ytick">{escape(axis.label(value))}</text>')
    for at in (axis.start, axis.end):
        anchor = "start" if at == axis.start else "end"
        grid.append(f'<text x="{axis.x(at):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}" class="xtick">{at:%m-%d %H:%M}Z</text>')  # fmt: skip
    mark_svg = _marks_svg(axis, marks)
    return _svg(name, title, WIDTH, HEIGHT, count, grid + body + mark_svg)


#: marks closer than this (pixels) are drawn as one, labelled with what it holds
MARK_CLUSTER_PX = 12
#: label rows below the top of the plot; a label that fits in none is left to the mark's tooltip
MARK_LABEL_ROWS = 3
CHAR_PX = 5.6  # a 10px system-ui character, roughly: enough to keep labels from overlapping


def mark_clusters(axis: Axis, marks: Sequence[Mark], gap_px: float = MARK_CLUSTER_PX) -> list[list[Mark]]:
    """Marks inside the axis, oldest first, grouped while each is within `gap_px` of the previous."""
    inside = sorted((m for m in marks if axis.start <= m.at <= axis.end), key=lambda m: m.at)
    clusters: list[list[Mark]] = []
    for mark in inside:
        if clusters and axis.x(mark.at) - axis.x(clusters[-1][-1].at) < gap_px:
            clusters[-1].append(mark)
        else:
            clusters.append([mark])
    return clusters


def cluster_label(cluster: Sequence[Mark]) -> str:
    """`deploy`, or what a cluster holds: `3 deploys`, `2 deploys + rollback`."""
    counts: dict[str, int] = {}
    for mark in cluster:
        counts[mark.kind] = counts.get(mark.kind, 0) + 1
    return " + ".join(kind if n == 1 else f"{n} {kind}s" for kind, n in counts.items())


def _marks_svg(axis: Axis, marks: Sequence[Mark]) -> list[str]:
    """Deploy/rollback marks that stay readable however many there are: marks closer than a few
    pixels become one (a band over their span, one label saying what it holds, every mark in the
    tooltip); labels take the first row where they do not overlap another, and are drawn after
    every line, with a halo, so no line crosses them."""
    shapes_svg, labels_svg = [], []
    row_ends = [float("-inf")] * MARK_LABEL_ROWS
    for cluster in mark_clusters(axis, marks):
        kinds = sorted({m.kind for m in cluster})
        kind = kinds[0] if len(kinds) == 1 else "mixed"
        color = MARK_COLORS["rollback"] if "rollback" in kinds else MARK_COLORS.get(kinds[0], "#555")
        x1, x2 = axis.x(cluster[0].at), axis.x(cluster[-1].at)
        tooltip = "\n".join(f"{m.label} at {m.at:%Y-%m-%d %H:%M:%S}Z" for m in cluster)
        band = (f'<rect x="{x1:.1f}" y="{TOP}" width="{max(x2 - x1, 1.0):.1f}" height="{HEIGHT - TOP - BOTTOM}" '
                f'fill="{color}" fill-opacity="0.15"/>') if len(cluster) > 1 else ""  # fmt: skip
        shapes_svg.append(
            f'<g class="mark mark-{escape(kind)}" data-marks="{len(cluster)}"><title>{escape(tooltip)}</title>{band}'
            f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="{color}" stroke-dasharray="4 3"/></g>'
        )  # fmt: skip
        label = cluster_label(cluster)
        width = len(label) * CHAR_PX
        start = x2 + 2 if x2 + 2 + width <= WIDTH - RIGHT else x2 - 2 - width
        row = next((i for i, end in enumerate(row_ends) if start > end + 3), None)
        if row is None:
            continue  # no room: the band and its tooltip still say what is there
        row_ends[row] = start + width
        labels_svg.append(
            f'<text x="{start:.1f}" y="{TOP + 9 + 11 * row}" fill="{color}" style="fill:{color}" class="marklabel" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke"><title>{escape(tooltip)}</title>{escape(label)}</text>'
        )  # fmt: skip
    return shapes_svg + labels_svg


def legend(entries: Sequence[tuple[str, str]]) -> list[str]:
    """Series names above the plot, each in its series' colour beside a swatch of it (the colour
    is set as a style too: a page rule for `text` must not turn every legend grey)."""
    parts, x = [], LEFT + 6.0
    for name, color in entries:
        parts.append(
            f'<g class="legend-item" data-series="{escape(name)}" data-color="{escape(color)}">'
            f'<rect x="{x:.1f}" y="{TOP - 16}" width="9" height="9" fill="{color}"/>'
            f'<text x="{x + 12:.1f}" y="{TOP - 8}" fill="{color}" style="fill:{color}" class="legend">{escape(name)}</text></g>'
        )  # fmt: skip
        x += 12 + len(name) * 6.6 + 14
    return parts


def _svg(name: str, title: str, width: int, height: int, count: int, parts: list[str]) -> str:
    """A captioned chart: <svg class="chart" data-chart=NAME data-values=COUNT> around `parts`."""
    return (
        f'<figure class="chart-box"><figcaption>{escape(title)}</figcaption>'
        f'<svg class="chart" data-chart="{escape(name)}" data-values="{count}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">' + "".join(parts) + "</svg></figure>"
    )  # fmt: skip


def _threshold(label: str, x1: str, x2: str, y1: str, y2: str, extra: str = "") -> str:
    """A dashed red alert line; coordinates come formatted, as each chart has always written them."""
    return (f'<g class="threshold"><title>{escape(label)}</title><line x1="{x1}" x2="{x2}" y1="{y1}" y2="{y2}" '
            f'stroke="#d62728" stroke-dasharray="6 4"{extra}/></g>')  # fmt: skip


def line_chart(name: str, title: str, axis: Axis, series: Sequence[Series], marks: Sequence[Mark],
               thresholds: Sequence[tuple[str, float]] = ()) -> str:  # fmt: skip
    body, count = [], 0
    for label, value in thresholds:
        y = axis.y(value)
        body.append(
            _threshold(label, f"{LEFT}", f"{WIDTH - RIGHT}", f"{y:.1f}", f"{y:.1f}", ' stroke-width="1"')
        )
    for s in series:
        present = [(at, v) for at, v in s.points if v is not None]
        if len(present) > 1:
            path = " ".join(f"{axis.x(at):.1f},{axis.y(v):.1f}" for at, v in present)
            body.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2"/>')
        for at, v in present:
            count += 1
            body.append(
                f'<circle class="point" data-series="{escape(s.name)}" data-value="{v:.6g}" cx="{axis.x(at):.1f}" '
                f'cy="{axis.y(v):.1f}" r="3" fill="{s.color}"><title>{escape(s.name)} {escape(axis.label(v))} at {at:%H:%M}Z</title></circle>'
            )  # fmt: skip
    body += legend([(s.name, s.color) for s in series])
    return _frame(name, title, axis, body, marks, count)


def stacked_bars(name: str, title: str, axis: Axis, width_seconds: float,
                 stacks: Sequence[tuple[datetime, Sequence[tuple[str, str, float]]]], marks: Sequence[Mark]) -> str:  # fmt: skip
    """One bar per bucket end time, segments (series, color, value) stacked from zero."""
    span = (axis.end - axis.start).total_seconds() or 1.0
    bar_width = max(2.0, (WIDTH - LEFT - RIGHT) * width_seconds / span - 2)
    body, count, colors = [], 0, {}
    for at, segments in stacks:
        base = 0.0
        for series, color, value in segments:
            colors[series] = color
            if not value:
                continue
            count += 1
            top, bottom = axis.y(base + value), axis.y(base)
            body.append(
                f'<rect class="bar" data-series="{escape(series)}" data-value="{value:g}" x="{axis.x(at) - bar_width:.1f}" '
                f'y="{top:.1f}" width="{bar_width:.1f}" height="{max(bottom - top, 0.5):.1f}" fill="{color}">'
                f"<title>{escape(series)} {value:g} (bucket ending {at:%H:%M}Z)</title></rect>"
            )  # fmt: skip
            base += value
    body += legend(list(colors.items()))
    return _frame(name, title, axis, body, marks, count)


def revision_bars(name: str, title: str, rows: Sequence[tuple[str, float | None]], unit: str,
                  limit: tuple[str, float] | None = None) -> str:  # fmt: skip
    """Horizontal bars, one per revision (values in [0, 1] for percent, else scaled to the largest)."""
    row_height, label_width, width = 22, 230, WIDTH
    height = TOP + row_height * max(len(rows), 1) + 10
    values = [v for _, v in rows if v is not None]
    top = 1.0 if unit == "percent" else nice_max(values + ([limit[1]] if limit else []), 1e-9)
    axis = Axis(datetime.min, datetime.min, top, unit)
    scale = (width - label_width - 70) / top if top else 0
    body, count = [], 0
    for index, (revision, value) in enumerate(rows):
        y = TOP + index * row_height
        body.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" class="revlabel">{escape(revision)}</text>'
        )
        if value is None:
            body.append(f'<text x="{label_width + 4}" y="{y + 14}" class="na">n/a</text>')
            continue
        count += 1
        body.append(
            f'<rect class="bar" data-series="{escape(revision)}" data-value="{value:.6g}" x="{label_width}" y="{y + 3}" '
            f'width="{max(value * scale, 1):.1f}" height="{row_height - 6}" fill="#4e79a7"/>'
            f'<text x="{label_width + max(value * scale, 1) + 4:.1f}" y="{y + 14}" class="barvalue">{escape(axis.label(value))}</text>'
        )  # fmt: skip
    if limit is not None:
        x = label_width + limit[1] * scale
        body.append(_threshold(limit[0], f"{x:.1f}", f"{x:.1f}", f"{TOP - 4}", f"{height - 6}"))
    return _svg(name, title, width, height, count, body)


def revision_traffic(
    name: str, title: str, rows: Sequence[tuple[str, Sequence[tuple[str, str, float]]]]
) -> str:
    """Horizontal stacked bars, one per revision: its invoices by kind (real, synthetic), to scale."""
    row_height, label_width, width = 22, 230, WIDTH
    height = TOP + row_height * max(len(rows), 1) + 10
    top = nice_max([sum(v for _, _, v in segments) for _, segments in rows], 1)
    scale = (width - label_width - 70) / top
    body, count, colors = [], 0, {}
    for index, (revision, segments) in enumerate(rows):
        y, x = TOP + index * row_height, float(label_width)
        body.append(f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" class="revlabel">{escape(revision)}</text>')  # fmt: skip
        for series, color, value in segments:
            colors[series] = color
            if not value:
                continue
            count += 1
            body.append(
                f'<rect class="bar" data-series="{escape(series)}" data-revision="{escape(revision)}" data-value="{value:g}" '
                f'x="{x:.1f}" y="{y + 3}" width="{value * scale:.1f}" height="{row_height - 6}" fill="{color}">'
                f"<title>{escape(revision)}: {value:g} {escape(series)}</title></rect>"
            )  # fmt: skip
            x += value * scale
        total = sum(v for _, _, v in segments)
        body.append(f'<text x="{x + 4:.1f}" y="{y + 14}" class="barvalue">{total:g}</text>')
    return _svg(name, title, width, height, count, body + legend(list(colors.items())))

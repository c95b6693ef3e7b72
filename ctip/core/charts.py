"""Charts as server-rendered SVG: no JavaScript, no network, CSP-clean, readable on a phone.

Each function returns markup safe to put into a template (`{{ chart }}`); labels are escaped.
Colours come from CSS classes (`chart-bar`, `chart-line`, …) in ctip's stylesheet, with
fallback fills here so a chart is readable even unstyled. Every chart carries a <title> and a
text table is expected beside it on the page for screen readers and exact values.
"""

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150
VALUE_WIDTH = 56


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0  # suppressed cells ("<5", "*") draw no bar


def bar_chart(
    items: Sequence[tuple[str, object]], *, title: str, width: int = 560, unit: str = ""
) -> SafeString:
    """Horizontal bars, one per (label, value); a value that is not a number shows as text."""
    if not items:
        return mark_safe("")  # noqa: S308 (constant)
    top = max((_number(v) for _label, v in items), default=0) or 1
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    ]
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar = max(_number(value) / top * plot, 0)
        shown = f"{value}{unit}" if value is not None else "–"
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" '
            f'font-size="12" fill="#333">{escape(str(label))[:28]}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" '
            f'height="{BAR_HEIGHT}" rx="3" fill="#1f6f68"></rect>'
            f'<text class="chart-value" x="{LABEL_WIDTH + bar + 6:.1f}" y="{y + 15}" '
            f'font-size="12" fill="#333">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label and value escaped above)


def line_chart(
    points: Sequence[tuple[str, object]],
    *,
    title: str,
    width: int = 560,
    height: int = 200,
    y_max: float | None = None,
    unit: str = "",
) -> SafeString:
    """A line over periods (label, value); gaps where a value is missing or suppressed."""
    if not points:
        return mark_safe("")  # noqa: S308 (constant)
    left, right, top_pad, bottom = 44, 16, 16, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    numbers = [_number(v) if isinstance(v, int | float) else None for _label, v in points]
    peak = y_max or max((n for n in numbers if n is not None), default=0) or 1
    step = plot_w / max(len(points) - 1, 1)
    parts = [
        f'<svg class="chart chart-line" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}" stroke="#999"></line>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11" '
        f'fill="#555">{escape(_format(peak))}{escape(unit)}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11" '
        f'fill="#555">0</text>',
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, ((label, value), number) in enumerate(zip(points, numbers, strict=True)):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" font-size="11" '
            f'fill="#555">{escape(str(label))}</text>'
        )
        if number is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        y = top_pad + plot_h - number / peak * plot_h
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1f6f68">'
            f"<title>{escape(str(label))}: {escape(_format(value))}{escape(unit)}</title></circle>"
        )
    if segment:
        segments.append(segment)
    for run in segments:
        parts.append(
            f'<polyline class="chart-path" fill="none" stroke="#1f6f68" stroke-width="2" '
            f'points="{" ".join(run)}"></polyline>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label and value escaped above)


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)

"""Small inline-SVG line charts for the learning pages (calibration curves, weekly precision).
Hand-written because the console ships no chart library and these are a few polylines; built
from numbers only, with labels escaped, so the markup is safe to inline."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"]


def line_chart(
    xs: list,
    series: dict[str, list[float | None]],
    *,
    width: int = 520,
    height: int = 220,
    y_max: float = 1.0,
    x_labels: list[str] | None = None,
    marker: float | None = None,
    title: str = "",
) -> SafeString:
    """Lines of `series` (name → values, None leaves a gap) over positions `xs`; `marker` draws
    a vertical line at that x (e.g. the chosen threshold)."""
    pad_left, pad_bottom, pad_top = 36, 34, 10
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    numeric = [float(x) for x in xs] if x_labels is None else list(range(len(xs)))
    low, high = (min(numeric), max(numeric)) if numeric else (0.0, 1.0)
    span = (high - low) or 1.0

    def px(x: float) -> float:
        return pad_left + (x - low) / span * plot_w

    def py(y: float) -> float:
        return pad_top + plot_h - max(0.0, min(y, y_max)) / y_max * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" class="orin-chart">',
        f'<rect x="{pad_left}" y="{pad_top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = py(tick * y_max)
        parts.append(
            f'<text x="{pad_left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick * y_max:g}</text>'
        )
        parts.append(f'<line x1="{pad_left}" x2="{pad_left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>')
    labels = x_labels or [f"{x:g}" for x in numeric]
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        x = px(numeric[i])
        parts.append(
            f'<text x="{x:.1f}" y="{height - pad_bottom + 14}" font-size="10" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    if marker is not None and numeric:
        x = px(float(marker))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{pad_top}" y2="{pad_top + plot_h}" '
            'stroke="#111" stroke-dasharray="4 3"/>'
        )
    for number, (name, values) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        runs, current = [], []
        for x, y in zip(numeric, values):
            if y is None:
                runs, current = runs + [current] if current else runs, []
                continue
            current.append(f"{px(x):.1f},{py(float(y)):.1f}")
        runs += [current] if current else []
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            else:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(run)}"/>')
        legend_x = pad_left + 8 + number * 110
        parts.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{height - 10}" font-size="10">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (numbers and escaped labels only)

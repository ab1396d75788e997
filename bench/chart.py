"""A line chart as a standalone SVG file, so benchmark curves can be looked at, not only read."""

from __future__ import annotations

from html import escape
from pathlib import Path

WIDTH, HEIGHT, MARGIN = 640, 420, 60
LEFT = 80  # room for the y tick labels beside the y axis title
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")

Series = dict[str, list[tuple[float, float]]]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    return [low + (high - low) * i / count for i in range(count + 1)]


def line_chart(series: Series, *, title: str, x_label: str, y_label: str) -> str:
    """Return an SVG document plotting each named series of (x, y) points."""
    points = [p for line in series.values() for p in line]
    x_low, x_high = min(x for x, _ in points), max(x for x, _ in points)
    y_low, y_high = min(y for _, y in points), max(y for _, y in points)
    x_high, y_high = max(x_high, x_low + 1e-9), max(y_high, y_low + 1e-9)

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            LEFT + (x - x_low) / (x_high - x_low) * (WIDTH - LEFT - MARGIN),
            HEIGHT - MARGIN - (y - y_low) / (y_high - y_low) * (HEIGHT - 2 * MARGIN),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 14}" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="16" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {HEIGHT / 2})">{escape(y_label)}</text>',
    ]
    for x in _ticks(x_low, x_high):
        px, _ = place(x, y_low)
        bottom = HEIGHT - MARGIN
        parts.append(
            f'<line x1="{px:.1f}" y1="{MARGIN}" x2="{px:.1f}" y2="{bottom}" stroke="#ddd"/>'
            f'<text x="{px:.1f}" y="{bottom + 16}" text-anchor="middle">{x:.0%}</text>'
        )
    for y in _ticks(y_low, y_high):
        _, py = place(x_low, y)
        parts.append(
            f'<line x1="{LEFT}" y1="{py:.1f}" x2="{WIDTH - MARGIN}" y2="{py:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">{y:.1%}</text>'
        )
    for i, (name, line) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in (place(x, y) for x, y in line))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        # Bottom left, which a falling trade-off curve leaves empty.
        legend_y = HEIGHT - MARGIN - 18 * (len(series) - i)
        parts.append(
            f'<rect x="{LEFT + 10}" y="{legend_y - 9}" width="12" height="12" '
            f'fill="{colour}"/><text x="{LEFT + 28}" y="{legend_y + 2}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def write_line_chart(path: Path, series: Series, *, title: str, x_label: str, y_label: str) -> None:
    """Write `line_chart` to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(line_chart(series, title=title, x_label=x_label, y_label=y_label))

"""The benchmarks' SVG line chart: every series drawn inside the plot, named in the legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bench.chart import HEIGHT, LEFT, MARGIN, WIDTH, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_each_series_is_a_line_inside_the_plot_with_its_name_in_the_legend() -> None:
    series = {
        "full training split": [(0.6, 1.0), (0.9, 0.99), (1.0, 0.95)],
        "10 per intent": [(0.3, 0.99), (0.8, 0.97), (1.0, 0.94)],
    }
    root = ET.fromstring(
        line_chart(series, title="trade-off", x_label="answered", y_label="accuracy")
    )
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    for line, points in zip(lines, series.values(), strict=True):
        placed = [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]
        assert len(placed) == len(points)
        assert all(
            LEFT <= x <= WIDTH - MARGIN and MARGIN <= y <= HEIGHT - MARGIN for x, y in placed
        )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"trade-off", "answered", "accuracy", *series} <= set(texts)
    # The lowest share answered and the best accuracy are the axes' ends.
    assert "30%" in texts and "100.0%" in texts

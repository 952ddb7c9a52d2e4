"""Bar charts drawn as SVG on the server, for printed documents (no browser, no JavaScript).

WeasyPrint draws the SVG with the same fonts as the page (Noto Sans CJK SC for Chinese labels). Each
chart in a document sits beside a table with the same numbers, so nothing is said by the chart alone.
"""

from django.utils.html import escape

FONT = "Noto Sans CJK SC, Noto Sans CJK, sans-serif"


def _nice_ceiling(value: float) -> float:
    """A round number at or above `value` for the axis (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(items: list[tuple[str, float]], *, width: int = 640, height: int = 220, color: str = "#c0392b", unit: str = "") -> str:
    """Vertical bars, one per (label, value), with the value above each bar and a light grid."""
    left, right, top, bottom = 44, 10, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max((v for _label, v in items), default=0)
    ceiling = _nice_ceiling(top_value)
    if ceiling >= 4 and all(float(v).is_integer() for _label, v in items):
        ceiling = -(-ceiling // 4) * 4  # whole numbers on the four grid lines of a count
    n = max(len(items), 1)
    slot = plot_w / n
    bar = max(4.0, slot * 0.62)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" font-size="11" role="img">'
    ]
    for i in range(5):
        y = top + plot_h * i / 4
        value = ceiling * (4 - i) / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value:g}</text>')
    for i, (label, value) in enumerate(items):
        h = plot_h * value / ceiling if ceiling else 0
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}"/>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="#222">{escape(f"{value:g}{unit}")}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 15:.1f}" text-anchor="middle" fill="#333">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888" stroke-width="0.8"/>')
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bar_chart(items: list[tuple[str, float]], *, width: int = 640, color: str = "#c0392b", unit: str = "%") -> str:
    """Horizontal bars (organisations by rate, worst first), labels on the left, values at the bar's end."""
    row, left, right, top = 20, 180, 50, 6
    height = top * 2 + row * max(len(items), 1)
    ceiling = max(100.0, max((v for _label, v in items), default=0))
    plot_w = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}" font-size="11" role="img">'
    ]
    for i, (label, value) in enumerate(items):
        y = top + row * i
        w = plot_w * value / ceiling if ceiling else 0
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" fill="#333">{escape(label[:16])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{color}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}" fill="#222">{escape(f"{value:g}{unit}")}</text>')
    parts.append("</svg>")
    return "".join(parts)

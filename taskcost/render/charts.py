"""Inline SVG charts for the HTML report, drawn on the server: no JavaScript, no fonts or
scripts from anywhere else.

Each chart function takes plain Python values and returns one ``<figure>`` holding an
``<svg class="chart" role="img" aria-label=…>`` and a ``<figcaption>``. Choices:

- Sizes are in a ``viewBox`` designed at the size the page shows them (about 520 or 1060
  pixels wide), so 12-pixel text stays 12 pixels; CSS scales the SVG down on narrow screens.
- Exact values are in ``<title>`` tooltips on the marks, the browser's own, not JavaScript.
- A chart with nothing to draw is a short "no data" text (``data-empty="true"``), never an
  empty pair of axes. ``None`` values are gaps, never zeros.
- Labels are kept apart by estimating text widths (``text_width``): crowded category labels
  are thinned, scatter labels try six places around their dot and are left out (the dot
  keeps its tooltip) when none is free.
- Every string that comes from data goes through ``esc`` (``html.escape`` with quotes), in
  text and in attributes alike. Axes and grid lines are styled by the page's CSS classes;
  colours that carry meaning are attributes on the marks.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

FONT_PX = 12
# glyph widths in em, a little generous for the common system sans-serif fonts (DejaVu Sans
# digits are 0.636 em): enough to keep labels apart without measuring them in a browser
NARROW = frozenset("iljtfrI.,:;!'|()[] ")
WIDE = frozenset("mwMW@%")

# outcome colours, shared with the tables' legend swatches
GREEN = "#3a9e6a"
RED = "#d9534f"
GREY = "#a3aab2"
BLUE = "#4c78a8"
ORANGE = "#f0a04b"
PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#eeca3b")


def esc(value: object) -> str:
    """Text from data made safe for HTML and SVG, in element text and in quoted attributes."""
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------------- numbers as text


def money(v: float | None, unpriced: int | None = 0) -> str:
    """``$1,234.56``; ``<$0.01`` for a tiny cost; ``unpriced`` when the cost is unknown
    because some requests have no price, ``—`` when it is unknown for another reason."""
    if v is None or not math.isfinite(v):
        return "unpriced" if unpriced else "—"
    if v != 0 and abs(v) < 0.005:
        return "<$0.01"
    return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def money_short(v: float | None) -> str:
    """Money for a label on a chart: cents below $100, whole dollars to $10k, then k and M."""
    if v is None or not math.isfinite(v):
        return "—"
    if v != 0 and abs(v) < 0.005:
        return "<$0.01"
    if abs(v) < 100:
        return f"${v:,.2f}"
    if abs(v) < 10_000:
        return f"${v:,.0f}"
    return "$" + compact(v)


def money_tick(v: float, step: float) -> str:
    """An axis tick in dollars, with as many decimals as the step between ticks needs."""
    if v >= 10_000:
        return "$" + compact(v)
    decimals = 0 if step >= 1 else max(2, -math.floor(math.log10(step)))  # dollars, cents or less
    return f"${v:,.{decimals}f}"


def compact(n: float | None, digits: int = 1) -> str:
    """``950``, ``12.3k``, ``1.2M``, ``3.4B``: tokens on a chart."""
    if n is None or not math.isfinite(n):
        return "—"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if round(abs(n) / size, digits) >= 1:  # 999,999 is 1M, not 1000k
            text = f"{n / size:.{digits}f}".rstrip("0").removesuffix(".")
            return text + suffix
    return f"{n:,.0f}" if n == int(n) else f"{n:.1f}"


def percent(v: float | None) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{v:.0%}"


def change(v: float | None) -> str:
    """A change against the previous period, signed: ``+25%``, ``−10%`` (a true minus)."""
    if v is None or not math.isfinite(v):
        return "—"
    text = f"{abs(v):.0%}"
    return "±0%" if text == "0%" else ("+" if v > 0 else "−") + text


def count_tick(v: float, step: float) -> str:
    return f"{v:,.0f}"


def tokens_tick(v: float, step: float) -> str:
    return compact(v, digits=2)  # 1.25M, not 1.2M, on a 250k step


# ---------------------------------------------------------------------------- geometry


def text_width(text: str, px: float = FONT_PX) -> float:
    """About how wide ``text`` is at ``px`` pixels, a little more rather than less."""
    em = sum(0.36 if c in NARROW else 0.92 if c in WIDE else 0.75 if c.isupper() else 0.64 for c in text)
    return em * px


def nice_ticks(hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Ticks from 0 to a round number at or above ``hi``, in about ``count`` round steps."""
    if not math.isfinite(hi) or hi <= 0:
        hi = 1.0
    raw = hi / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)  # 25 and 75 read well, 7.5 not
    step = next(m * magnitude for m in steps if m * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, float(round(step)))
    n = math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def fitted_ticks(lo: float, hi: float, integer: bool = False) -> list[float]:
    """Ticks around the data with some room on both sides: from 0 when the data comes near
    it, else from a round number below the smallest value (a scatter of similar people)."""
    if lo < 0.4 * hi or hi <= 0:
        return nice_ticks(hi * 1.12, integer=integer)
    pad = (hi - lo) * 0.12 or hi * 0.1
    ticks = nice_ticks(hi - lo + 2 * pad, integer=integer)
    step = ticks[1] - ticks[0]
    start = math.floor((lo - pad) / step) * step
    end = math.ceil((hi + pad) / step) * step
    return [round(start + i * step, 10) for i in range(round((end - start) / step) + 1)]


@dataclass
class Frame:
    """A plot area inside a chart: the space left after the margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        return self.height - self.bottom

    def y(self, v: float, hi: float, lo: float = 0.0) -> float:
        return self.top + self.plot_h * (1 - (v - lo) / (hi - lo))

    def x(self, v: float, hi: float, lo: float = 0.0) -> float:
        return self.left + self.plot_w * (v - lo) / (hi - lo)


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None
    )


def el(name: str, tip: str | None = None, **attrs: object) -> str:
    """One SVG shape; a ``tip`` becomes its ``<title>`` tooltip."""
    if tip is None:
        return f"<{name}{_attrs(attrs)}/>"
    return f"<{name}{_attrs(attrs)}><title>{esc(tip)}</title></{name}>"


def text(x: float, y: float, content: str, tip: str | None = None, **attrs: object) -> str:
    title = f"<title>{esc(tip)}</title>" if tip else ""
    return f"<text{_attrs({'x': _r(x), 'y': _r(y), **attrs})}>{title}{esc(content)}</text>"


def _r(v: float) -> str:
    return f"{v:.1f}".removesuffix(".0")


def _points(xy: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_r(x)},{_r(y)}" for x, y in xy)


def figure(body: Sequence[str], *, width: float, height: float, label: str, caption: str, wide: bool) -> str:
    cls = "wide" if wide else "half"
    return (
        f'<figure class="{cls}"><svg class="chart" role="img" aria-label="{esc(label)}" '
        f'viewBox="0 0 {_r(width)} {_r(height)}" width="{_r(width)}" height="{_r(height)}">'
        + "".join(body)
        + f"</svg><figcaption>{esc(caption)}</figcaption></figure>"
    )


def empty_figure(*, label: str, caption: str, message: str = "no data", wide: bool = False) -> str:
    width = 1060 if wide else 520
    return (
        f'<figure class="{"wide" if wide else "half"}"><svg class="chart" role="img" data-empty="true" '
        f'aria-label="{esc(label)}: {esc(message)}" viewBox="0 0 {width} 72" width="{width}" height="72">'
        f'<rect class="frame" x="0.5" y="0.5" width="{width - 1}" height="71" rx="6"/>'
        + text(16, 41, f"{label}: {message}", class_="empty")
        + f"</svg><figcaption>{esc(caption)}</figcaption></figure>"
    )


def legend(items: Sequence[tuple[str, str]], right: float, y: float, shape: str = "rect") -> list[str]:
    """Swatches (squares, or dots for a scatter) and names in one line ending at ``right``."""
    out = []
    x = right
    for name, color in reversed(items):
        x -= text_width(name, 11.5)
        out.append(text(x, y + 4, name, class_="legend"))
        x -= 16
        if shape == "dot":
            out.append(el("circle", cx=x + 6, cy=y, r=5, fill=color))
        else:
            out.append(el("rect", x=x + 1, y=y - 5, width=10, height=10, rx=2, fill=color))
        x -= 10
    return out


def y_axis(frame: Frame, ticks: Sequence[float], fmt: Callable[[float, float], str], title: str) -> list[str]:
    """Horizontal grid lines with their values on the left, the axis title above them."""
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else hi
    out = []
    for t in ticks:
        y = frame.y(t, hi, lo)
        out.append(
            el(
                "line",
                class_="grid" if t != lo else "axis",
                x1=frame.left,
                y1=y,
                x2=frame.width - frame.right,
                y2=y,
            )
        )
        out.append(text(frame.left - 6, y + 4, fmt(t, step), class_="tick", text_anchor="end"))
    out.append(text(2, frame.top - 16, title, class_="axis-title"))
    return out


def x_axis_values(
    frame: Frame, ticks: Sequence[float], fmt: Callable[[float, float], str], title: str, lo: float = 0.0
) -> list[str]:
    """Value ticks along the bottom with the axis title under them, right-aligned."""
    hi = ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else hi
    out = []
    for t in ticks:
        if t < lo:
            continue
        x = frame.x(t, hi, lo)
        out.append(el("line", class_="grid", x1=x, y1=frame.top, x2=x, y2=frame.base))
        out.append(text(x, frame.base + 19, fmt(t, step), class_="tick", text_anchor="middle"))
    out.append(
        text(frame.width - frame.right, frame.base + 37, title, class_="axis-title", text_anchor="end")
    )
    return out


def category_labels(frame: Frame, labels: Sequence[str], slot: float) -> list[str]:
    """One label under each slot, or under every n-th slot when they would overlap (the
    last one always shown: it is the latest week)."""
    every = max(1, math.ceil((max(map(text_width, labels), default=0) + 8) / slot))
    out = []
    last = len(labels) - 1
    for i, label in enumerate(labels):
        if (last - i) % every:
            continue
        half = text_width(label) / 2
        x = min(max(frame.left + slot * (i + 0.5), half), frame.width - half)  # inside the chart
        out.append(text(x, frame.base + 17, label, class_="tick", text_anchor="middle"))
    return out


# ---------------------------------------------------------------------------- charts


@dataclass
class Series:
    name: str
    color: str
    values: Sequence[float | None]


def stacked_columns(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    caption: str,
    axis_title: str,
    tick_fmt: Callable[[float, float], str] = money_tick,
    value_fmt: Callable[[float | None], str] = money,
    total_fmt: Callable[[float | None], str] = money_short,
    width: float = 520,
    height: float = 300,
) -> str:
    """One column per category, stacked from the series' values (``None`` draws nothing);
    the column's total above it when there is room."""
    totals = [_sum(s.values[i] for s in series) for i in range(len(categories))]
    if not categories or all(t is None for t in totals):
        return empty_figure(label=label, caption=caption)
    frame = Frame(width, height, left=64, right=12, top=44, bottom=30)
    ticks = nice_ticks(max((t for t in totals if t is not None), default=0) * 1.08)
    hi = ticks[-1]
    slot = frame.plot_w / len(categories)
    bar_w = min(56.0, slot * 0.66)
    body = y_axis(frame, ticks, tick_fmt, axis_title)
    body += legend([(s.name, s.color) for s in series], frame.width - frame.right, 14)
    show_totals = slot >= max((text_width(total_fmt(t), 11) for t in totals), default=0) + 6
    for i, category in enumerate(categories):
        x = frame.left + slot * i + (slot - bar_w) / 2
        y = frame.base
        for s in series:
            v = s.values[i]
            if v is None or v <= 0:
                continue
            h = frame.plot_h * v / hi
            y -= h
            tip = f"{category}: {s.name} {value_fmt(v)}"
            body.append(
                el("rect", tip, class_="mark", x=_r(x), y=_r(y), width=_r(bar_w), height=_r(h), fill=s.color)
            )
        total = totals[i]
        if total is None:
            body.append(text(x + bar_w / 2, frame.base - 6, "n/a", class_="value", text_anchor="middle"))
        elif show_totals:
            body.append(text(x + bar_w / 2, y - 5, total_fmt(total), class_="value", text_anchor="middle"))
    body += category_labels(frame, categories, slot)
    return figure(body, width=width, height=height, label=label, caption=caption, wide=width > 600)


def line_columns(
    categories: Sequence[str],
    values: Sequence[float | None],
    *,
    label: str,
    caption: str,
    axis_title: str,
    color: str = BLUE,
    tick_fmt: Callable[[float, float], str] = money_tick,
    value_fmt: Callable[[float | None], str] = money,
    label_fmt: Callable[[float | None], str] = money_short,
    width: float = 520,
    height: float = 300,
) -> str:
    """A line over the same slots as ``stacked_columns``, broken where a value is ``None``;
    every known value is a dot, labelled above it when there is room."""
    known = [v for v in values if v is not None]
    if not categories or not known:
        return empty_figure(label=label, caption=caption)
    frame = Frame(width, height, left=64, right=12, top=44, bottom=30)
    ticks = nice_ticks(max(known) * 1.12)
    hi = ticks[-1]
    slot = frame.plot_w / len(categories)
    body = y_axis(frame, ticks, tick_fmt, axis_title)
    points = [
        None if v is None else (frame.left + slot * (i + 0.5), frame.y(v, hi)) for i, v in enumerate(values)
    ]
    for run in _runs(points):
        if len(run) > 1:
            body.append(el("polyline", class_="mark line", points=_points(run), stroke=color, fill="none"))
    show_labels = slot >= max(text_width(label_fmt(v), 11) for v in known) + 6
    for i, (category, v, p) in enumerate(zip(categories, values, points, strict=True)):
        if v is None or p is None:
            x = frame.left + slot * (i + 0.5)
            body.append(text(x, frame.base - 6, "n/a", class_="value", text_anchor="middle"))
            continue
        body.append(
            el(
                "circle",
                f"{category}: {value_fmt(v)}",
                class_="mark",
                cx=_r(p[0]),
                cy=_r(p[1]),
                r=4,
                fill=color,
            )
        )
        if show_labels:
            body.append(text(p[0], p[1] - 9, label_fmt(v), class_="value", text_anchor="middle"))
    body += category_labels(frame, categories, slot)
    return figure(body, width=width, height=height, label=label, caption=caption, wide=width > 600)


@dataclass
class Point:
    x: float
    y: float
    label: str
    color: str = BLUE
    tip: str = ""


def scatter(
    points: Sequence[Point],
    *,
    label: str,
    caption: str,
    x_title: str,
    y_title: str,
    x_fmt: Callable[[float, float], str] = tokens_tick,
    y_fmt: Callable[[float, float], str] = count_tick,
    legend_items: Sequence[tuple[str, str]] = (),
    width: float = 520,
    height: float = 320,
) -> str:
    """Labelled dots on axes fitted to the data; each label goes to the first of six places
    around its dot that overlaps no other label or dot and stays in the plot, or is left
    out (the dot keeps its tooltip)."""
    if not points:
        return empty_figure(label=label, caption=caption)
    frame = Frame(width, height, left=52, right=16, top=44, bottom=44)
    x_ticks = fitted_ticks(min(p.x for p in points), max(p.x for p in points))
    y_ticks = fitted_ticks(min(p.y for p in points), max(p.y for p in points), integer=True)
    body = y_axis(frame, y_ticks, y_fmt, y_title)
    body += x_axis_values(frame, x_ticks, x_fmt, x_title, lo=x_ticks[0])
    body += legend(legend_items, frame.width - frame.right, 14, shape="dot")
    xy = [(frame.x(p.x, x_ticks[-1], x_ticks[0]), frame.y(p.y, y_ticks[-1], y_ticks[0])) for p in points]
    boxes = [(x - 5, y - 5, x + 5, y + 5) for x, y in xy]
    bounds = (frame.left, frame.top, frame.width - frame.right, frame.base)
    for p, (x, y) in zip(points, xy, strict=True):
        body.append(el("circle", p.tip or p.label, class_="mark", cx=_r(x), cy=_r(y), r=5, fill=p.color))
    for p, (x, y) in sorted(zip(points, xy, strict=True), key=lambda item: item[1][1]):
        place = _place_label(p.label, x, y, boxes, bounds)
        if place is not None:
            box, tx, ty, anchor = place
            boxes.append(box)
            body.append(text(tx, ty, p.label, p.tip or None, class_="point-label", text_anchor=anchor))
    return figure(body, width=width, height=height, label=label, caption=caption, wide=width > 600)


Box = tuple[float, float, float, float]


def _place_label(
    label: str, x: float, y: float, taken: Sequence[Box], bounds: Box
) -> tuple[Box, float, float, str] | None:
    """Where ``label`` goes next to the dot at ``x, y``: a free place inside ``bounds``, or
    ``None`` when every place would overlap something already there."""
    w = text_width(label)
    h = FONT_PX
    candidates = [  # box, text x, text baseline, anchor
        ((x + 8, y - h / 2, x + 8 + w, y + h / 2), x + 8, y + 4, "start"),
        ((x - 8 - w, y - h / 2, x - 8, y + h / 2), x - 8, y + 4, "end"),
        ((x - w / 2, y - 8 - h, x + w / 2, y - 8), x, y - 10, "middle"),
        ((x - w / 2, y + 8, x + w / 2, y + 8 + h), x, y + 18, "middle"),
        ((x + 8, y - 4 - h, x + 8 + w, y - 4), x + 8, y - 6, "start"),
        ((x + 8, y + 4, x + 8 + w, y + 4 + h), x + 8, y + 14, "start"),
    ]
    for box, tx, ty, anchor in candidates:
        inside = box[0] >= bounds[0] and box[2] <= bounds[2] and box[1] >= bounds[1] and box[3] <= bounds[3]
        if inside and not any(_overlap(box, other) for other in taken):
            return box, tx, ty, anchor
    return None


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass
class Line:
    name: str
    values: Sequence[float | None]
    marks: Sequence[bool] = ()
    color: str = BLUE
    tip: str = ""


def lines(
    series: Sequence[Line],
    *,
    label: str,
    caption: str,
    x_title: str,
    y_title: str,
    y_fmt: Callable[[float, float], str] = tokens_tick,
    mark_name: str = "",
    width: float = 520,
    height: float = 300,
) -> str:
    """One line per series over x = 1, 2, 3…, broken at ``None``; a ring on each marked
    value; the legend under the plot, one row per series."""
    known = [v for s in series for v in s.values if v is not None]
    if not known:
        return empty_figure(label=label, caption=caption, wide=width > 600)
    rows = len(series) + (1 if mark_name else 0)
    frame = Frame(width, height + 20 * rows, left=52, right=16, top=44, bottom=48 + 20 * rows)
    n = max(len(s.values) for s in series)
    x_ticks = nice_ticks(max(n, 2), count=6, integer=True)
    y_ticks = nice_ticks(max(known) * 1.08)
    body = y_axis(frame, y_ticks, y_fmt, y_title)
    body += x_axis_values(frame, x_ticks, count_tick, x_title, lo=1.0)

    def xy(i: int, v: float) -> tuple[float, float]:
        return frame.x(i + 1, x_ticks[-1], 1.0), frame.y(v, y_ticks[-1])

    legend_y = frame.base + 56
    for k, s in enumerate(series):
        tip = s.tip or s.name
        points = [None if v is None else xy(i, v) for i, v in enumerate(s.values)]
        for run in _runs(points):
            if len(run) == 1:
                x, y = run[0]
                body.append(el("circle", tip, class_="mark", cx=_r(x), cy=_r(y), r=2.5, fill=s.color))
            else:
                body.append(
                    el("polyline", tip, class_="mark line", points=_points(run), stroke=s.color, fill="none")
                )
        for i, (marked, p) in enumerate(zip(s.marks, points, strict=False)):
            if marked and p is not None:
                ring_tip = f"{s.name}: {mark_name} {i + 1}"
                body.append(
                    el(
                        "circle",
                        ring_tip,
                        class_="mark ring",
                        cx=_r(p[0]),
                        cy=_r(p[1]),
                        r=4.5,
                        stroke=s.color,
                    )
                )
        y = legend_y + 20 * k
        body.append(el("line", x1=frame.left, y1=y, x2=frame.left + 18, y2=y, stroke=s.color, stroke_width=3))
        body.append(text(frame.left + 26, y + 4, _shorten(s.name, 60), tip, class_="legend"))
    if mark_name:
        y = legend_y + 20 * len(series)
        body.append(el("circle", cx=frame.left + 9, cy=y, r=4.5, class_="ring", stroke="#59636e"))
        body.append(text(frame.left + 26, y + 4, mark_name, class_="legend"))
    return figure(body, width=width, height=frame.height, label=label, caption=caption, wide=width > 600)


@dataclass
class Bar:
    label: str
    values: Sequence[float | None]
    total_text: str
    tip: str = ""


def stacked_bars(
    bars: Sequence[Bar],
    series: Sequence[tuple[str, str]],
    *,
    label: str,
    caption: str,
    axis_title: str,
    tick_fmt: Callable[[float, float], str] = money_tick,
    value_fmt: Callable[[float | None], str] = money,
    width: float = 1060,
) -> str:
    """One horizontal bar per row, stacked from its values, its total written after it."""
    totals = [_sum(b.values) for b in bars]
    if not bars or all(t is None for t in totals):
        return empty_figure(label=label, caption=caption, wide=width > 600)
    names = [_shorten(b.label, 34) for b in bars]
    left = min(260.0, max(text_width(n) for n in names) + 20)
    right = max(text_width(b.total_text) for b in bars) + 20
    height = 44 + 34 * len(bars) + 44
    frame = Frame(width, height, left=left, right=right, top=44, bottom=44)
    ticks = nice_ticks(max(t for t in totals if t is not None))
    hi = ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else hi
    body = legend(series, frame.width - frame.right, 14)
    for t in ticks:
        x = frame.x(t, hi)
        body.append(el("line", class_="grid" if t else "axis", x1=x, y1=frame.top, x2=x, y2=frame.base))
        body.append(text(x, frame.base + 19, tick_fmt(t, step), class_="tick", text_anchor="middle"))
    body.append(
        text(frame.width - frame.right, frame.base + 37, axis_title, class_="axis-title", text_anchor="end")
    )
    for i, (bar, name) in enumerate(zip(bars, names, strict=True)):
        y = frame.top + 34 * i + 7
        body.append(
            text(frame.left - 10, y + 14, name, bar.tip or bar.label, class_="tick", text_anchor="end")
        )
        x = frame.left
        for (series_name, color), v in zip(series, bar.values, strict=True):
            if v is None or v <= 0:
                continue
            w = frame.plot_w * v / hi
            tip = f"{bar.label}: {series_name} {value_fmt(v)}"
            body.append(el("rect", tip, class_="mark", x=_r(x), y=_r(y), width=_r(w), height=20, fill=color))
            x += w
        body.append(text(x + 6, y + 14, bar.total_text, class_="value strong"))
    return figure(body, width=width, height=height, label=label, caption=caption, wide=width > 600)


# ---------------------------------------------------------------------------- helpers


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive known points: a line is drawn through each run, broken at the gaps."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def _shorten(s: str, limit: int) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"

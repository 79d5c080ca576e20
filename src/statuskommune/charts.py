"""Chart primitives in the house style. Each takes tidy data and returns a matplotlib Figure.

Titles are not drawn inside the image: the caption ("Figur N.M: …  Kilde: …") is set by the
report, so the figure carries only the unit, the axes, the legend and data labels.

Rules every chart keeps (tested in tests/test_charts.py):
- value labels never overlap: they are measured with the renderer and placed (``_place_labels``);
- a label inside a hatched bar sits on a plain plate of the bar's colour; labels elsewhere have
  a white halo, so lines, grid and hatching never run through the digits;
- years are positions on a time axis, in bars as in lines: 2012 stands eight years from 2020.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from . import fmt, style

HATCHES = ["", "////", "....", "xxxx", "\\\\\\\\", "++++"]


# --- value labels that cannot overlap ---------------------------------------------------------
#
# Every value label is an annotation anchored to its data point, with a list of candidate
# offsets (in points) in order of preference. After the figure's layout is fixed, the labels
# are placed one by one in priority order: each takes the first candidate whose box (measured
# with the renderer, with a margin) overlaps no label already placed and no other text in the
# figure; among those, covering a line, a marker or a bar, or leaving the plot area, costs
# extra. A label with no free candidate is left out (the data table carries every value), so
# no two labels can overlap. The placement depends only on the figure, so the SVG stays
# deterministic.

LABEL_PAD_PT = 1.5  # margin around each label box (the SVG and Agg text metrics differ slightly)


@dataclass
class _Label:
    ann: Annotation
    candidates: list[tuple[float, float, str, str]]  # (dx pt, dy pt, ha, va)
    fixed: bool = False      # drawn where it is (inside a stacked bar), only checked
    own: object = None       # the bar the label belongs to (not an obstacle for it)
    priority: int = 0        # lower is placed first


def _point_candidates(above: bool, first: str = "over") -> list[tuple[float, float, str, str]]:
    """Offsets around a point: above (or below for negative values), then sideways, then further out."""
    up, down = (6.0, 0, "center", "bottom"), (-6.0, 0, "center", "top")
    v, o = (up, down) if above else (down, up)
    near = [(0.0, v[0], "center", v[3]), (0.0, o[0], "center", o[3]),
            (6.0, 0.0, "left", "center"), (-6.0, 0.0, "right", "center"),
            (5.0, 5.0, "left", "bottom"), (5.0, -5.0, "left", "top"),
            (-5.0, 5.0, "right", "bottom"), (-5.0, -5.0, "right", "top")]
    if first == "hoyre":  # end-of-line labels: to the right of the point, then slid up or down
        right = [(7.0, 0.0, "left", "center")]
        for k in range(1, 13):
            right += [(7.0, 3.5 * k, "left", "center"), (7.0, -3.5 * k, "left", "center")]
        near = right + near
    far = []
    for k in range(1, 7):
        s = 6.0 + 4.0 * k
        far += [(0.0, s if above else -s, "center", v[3]), (0.0, -s if above else s, "center", o[3])]
    return near + far


def _boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _line_samples(ax: plt.Axes, px_per_pt: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along every drawn line (every ~2 pt, display coordinates) and the marker boxes."""
    pts, marks = [], []
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        xy = xy[np.isfinite(xy).all(axis=1)] if len(xy) else xy
        for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:]):
            n = max(2, int(np.hypot(x1 - x0, y1 - y0) / (2 * px_per_pt)))
            t = np.linspace(0, 1, n)
            pts.append(np.column_stack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t]))
        if line.get_marker() not in (None, "", "None", " "):
            h = line.get_markersize() / 2 * px_per_pt + 1
            marks += [(x - h, y - h, x + h, y + h) for x, y in xy]
    P = np.vstack(pts) if pts else np.zeros((0, 2))
    M = np.array(marks) if marks else np.zeros((0, 4))
    return P, M


def _hits(bb, boxes: np.ndarray) -> int:
    if not len(boxes):
        return 0
    return int(np.sum((boxes[:, 0] < bb.x1) & (bb.x0 < boxes[:, 2]) & (boxes[:, 1] < bb.y1) & (bb.y0 < boxes[:, 3])))


def _place_labels(fig: Figure, ax: plt.Axes, labels: list[_Label], grow: str | None = None) -> None:
    """Place ``labels`` so that no two overlap (see the note above). ``grow`` ("x" or "y") lets
    the value axis widen once or twice when labels are pushed out of the plot area."""
    if not labels:
        return
    for n, lab in enumerate(labels, 1):
        lab.ann.set_gid(f"verdietikett-{n}")  # unique per SVG; tests find the labels by it
    fig.draw_without_rendering()       # the constrained layout runs here ...
    fig.set_layout_engine("none")      # ... and is then kept, so the boxes measured stay true
    order = sorted(range(len(labels)), key=lambda i: (labels[i].fixed is False, labels[i].priority, i))
    mine = {id(l.ann) for l in labels}
    for attempt in range(3):
        r = fig.canvas.get_renderer()
        px_per_pt = fig.dpi / 72
        pad = LABEL_PAD_PT * px_per_pt
        axbox = ax.get_window_extent(r)
        samples, markers = _line_samples(ax, px_per_pt)
        bars = np.array([p.get_window_extent(r).extents for p in ax.patches if p.get_visible()]
                        or np.zeros((0, 4)))
        others = [t.get_window_extent(r) for t in ax.texts if id(t) not in mine and t.get_visible()
                  and t.get_text()]
        ticks = [t.get_window_extent(r) for t in ax.get_xticklabels() + ax.get_yticklabels()
                 if t.get_visible() and t.get_text()]
        if ax.get_legend() is not None:
            others.append(ax.get_legend().get_window_extent(r))
        placed = []
        for i in order:
            lab = labels[i]
            lab.ann.set_visible(True)
            own = np.array([lab.own.get_window_extent(r).extents]) if lab.own is not None else None
            best, best_cost = None, None
            for k, (dx, dy, ha, va) in enumerate(lab.candidates):
                lab.ann.set_position((dx, dy))
                lab.ann.set_ha(ha)
                lab.ann.set_va(va)
                bb = _box(lab.ann, r, pad)
                if any(_boxes_overlap(bb, p) for p in placed) or any(_boxes_overlap(bb, o) for o in others):
                    continue
                if lab.fixed:
                    best, best_cost = (dx, dy, ha, va), 0
                    break
                inside = (bb.x0 >= axbox.x0 and bb.x1 <= axbox.x1 and bb.y0 >= axbox.y0 and bb.y1 <= axbox.y1)
                on_bars = _hits(bb, bars) - (_hits(bb, own) if own is not None else 0)
                on_line = bool(len(samples)) and bool(np.any(
                    (samples[:, 0] > bb.x0) & (samples[:, 0] < bb.x1) & (samples[:, 1] > bb.y0) & (samples[:, 1] < bb.y1)))
                cost = (0 if inside else (0.5 if grow else 3)) + on_bars + on_line + _hits(bb, markers) \
                    + 10 * any(_boxes_overlap(bb, t) for t in ticks) + 0.001 * k
                if best_cost is None or cost < best_cost:
                    best, best_cost = (dx, dy, ha, va), cost
                if cost < 0.5:
                    break
            if best is None:
                lab.ann.set_visible(False)  # no free place: left out rather than drawn on another label
                continue
            lab.ann.set_position(best[:2])
            lab.ann.set_ha(best[2])
            lab.ann.set_va(best[3])
            placed.append(_box(lab.ann, r, pad))
        if not grow or not _grow(ax, grow, placed, axbox):
            return
        fig.draw_without_rendering()


def _box(ann: Annotation, renderer, pad: float):
    """The label's box as a reader sees it: the text, or its plate if it has one, plus ``pad``."""
    bb = ann.get_window_extent(renderer)
    plate = ann.get_bbox_patch()
    if plate is not None:
        p = ann.get_fontsize() * 0.25 * renderer.points_to_pixels(1) + 1
        bb = bb.padded(p)
    return bb.padded(pad)


def _grow(ax: plt.Axes, axis: str, boxes, axbox) -> bool:
    """Widen the value axis so that the label boxes fit in the plot area; True if it changed."""
    if not boxes:
        return False
    lo_px = min((b.x0 if axis == "x" else b.y0) for b in boxes)
    hi_px = max((b.x1 if axis == "x" else b.y1) for b in boxes)
    a0, a1 = (axbox.x0, axbox.x1) if axis == "x" else (axbox.y0, axbox.y1)
    over_hi, over_lo = max(0.0, hi_px - a1), max(0.0, a0 - lo_px)
    if over_hi < 1 and over_lo < 1:
        return False
    get, set_ = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    v0, v1 = get()
    inverted = v0 > v1
    lo, hi = sorted((v0, v1))
    per_px = (hi - lo) / (a1 - a0)
    if inverted:  # the top of the screen is the low end of the data
        over_hi, over_lo = over_lo, over_hi
    new = (lo - (over_lo * 1.15 * per_px if over_lo >= 1 else 0), hi + (over_hi * 1.15 * per_px if over_hi >= 1 else 0))
    set_(*(new[::-1] if inverted else new))
    return True


def label_boxes(fig: Figure) -> list:
    """The drawn value labels' boxes in display units (for tests and ``check``)."""
    fig.draw_without_rendering()
    r = fig.canvas.get_renderer()
    return [_box(t, r, 0) for ax in fig.axes for t in ax.texts
            if t.get_visible() and str(t.get_gid()).startswith("verdietikett-")]


def _new(height_in: float | None = None) -> tuple[Figure, plt.Axes]:
    style.apply_style()
    w = style.SIZES["print"]["width_in"]
    h = height_in or style.SIZES["print"]["height_in"]
    fig, ax = plt.subplots(figsize=(w, h), layout="constrained")
    return fig, ax


def _unit(ax: plt.Axes, enhet: str | None) -> None:
    if enhet:
        ax.annotate(enhet, xy=(0, 1), xycoords="axes fraction", xytext=(0, 8),
                    textcoords="offset points", ha="left", va="bottom",
                    color=style.TEXT_MUTED, fontsize=style.SIZES["print"]["base_pt"])


def _legend(ax: plt.Axes, n: int) -> None:
    """Legend below the plot, in data order; long labels get fewer columns and are wrapped."""
    if n <= 1:
        return
    handles, labels = ax.get_legend_handles_labels()
    longest = max((len(str(l)) for l in labels), default=0)
    ncol = 1 if longest > 45 else 2 if longest > 22 else min(n, 3)
    labels = ["\n".join(textwrap.wrap(fmt.typografi(l), 60, break_long_words=False)) for l in labels]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=ncol,
              handlelength=3.2, columnspacing=1.6)


def _series(data: pd.DataFrame, serie: str | None) -> list:
    """Series in first-seen order; years (e.g. "2021", "2023") in chronological order."""
    if serie is None:
        return [None]
    names = list(dict.fromkeys(data[serie].tolist()))
    if all(str(n).isdigit() and len(str(n)) == 4 for n in names):
        names = sorted(names, key=lambda n: int(n))
    return names


def _reference(ax: plt.Axes, referanse: tuple[float, str] | None, horizontal_value_axis: bool = False,
               desimaler: int = 1) -> None:
    if not referanse:
        return
    value, label = referanse
    kw = dict(color=style.REFERENCE, linewidth=1.2, linestyle=(0, (4, 3)), zorder=1.5)
    if horizontal_value_axis:
        ax.axvline(value, **kw)
    else:
        ax.axhline(value, **kw)
        ax.annotate(label, xy=(1, value), xycoords=("axes fraction", "data"), xytext=(0, 3),
                    textcoords="offset points", ha="right", va="bottom", color=style.TEXT,
                    fontsize=style.SIZES["print"]["base_pt"] - 0.5, path_effects=_halo())


def _tick_step(n: int) -> int:
    for step in (1, 2, 5, 10, 20, 50):
        if n / step <= 12:
            return step
    return 100


def _halo(colour: str = style.BACKGROUND, width: float = 2.5) -> list:
    """A stroke round the glyphs in ``colour``, so a label stays readable over lines, grid and hatching."""
    return [patheffects.withStroke(linewidth=width, foreground=colour)]


def _label_colour(colour: str) -> str:
    return colour if style.contrast(colour, style.BACKGROUND) >= 4.5 else style.TEXT


def linje(data: pd.DataFrame, x: str, y: str, serie: str | None = None, *, enhet: str | None = None,
          desimaler: int = 1, referanse: tuple[float, str] | None = None,
          verdietiketter: bool | str = "siste", ylim: tuple[float, float] | None = None,
          null_linje: bool = True, sammenhengende: bool = False) -> Figure:
    """Line chart, one line per ``serie``, with markers and dash styles as well as colours.

    ``verdietiketter``: "siste" labels the last point of each line (to its right), True labels
    every point, False none. Labels never overlap each other (see ``_place_labels``). A year
    without a value breaks the line, so a partial series never looks complete;
    ``sammenhengende=True`` connects the points for data that exist only in some years by
    nature (elections every fourth year). Years are drawn on a numeric axis, so uneven
    intervals keep their true spacing.
    """
    fig, ax = _new()
    names = _series(data, serie)
    labels: list[_Label] = []
    label_fs = style.SIZES["print"]["base_pt"] - 0.5
    for i, name in enumerate(names):
        d = data if name is None else data[data[serie] == name]
        d = d.sort_values(x)
        if not sammenhengende and len(d) and all(float(v).is_integer() for v in d[x].dropna()):
            full = range(int(d[x].min()), int(d[x].max()) + 1)
            d = d.set_index(x).reindex(full).rename_axis(x).reset_index()
        st = style.series_style(i)
        ax.plot(d[x], d[y], label=name, color=st["color"], marker=st["marker"],
                linestyle=st["linestyle"], zorder=3)
        pts = d.dropna(subset=[y])
        if verdietiketter is True:
            label_pts = pts
        elif verdietiketter == "siste" and len(pts):
            label_pts = pts.tail(1)
        else:
            label_pts = pts.iloc[0:0]
        for j, (_, r) in enumerate(label_pts.iterrows()):
            last = j == len(label_pts) - 1
            ann = ax.annotate(fmt.tall(r[y], desimaler), xy=(r[x], r[y]), xytext=(0, 6),
                              textcoords="offset points", ha="center", va="bottom", fontsize=label_fs,
                              color=_label_colour(st["color"]), zorder=4, path_effects=_halo(),
                              annotation_clip=False)
            first = "hoyre" if verdietiketter == "siste" else "over"
            labels.append(_Label(ann, _point_candidates(r[y] >= 0, first), priority=0 if last else 1))
    xs = sorted(pd.unique(data[x].dropna()))
    numeric_years = bool(xs) and all(float(v).is_integer() for v in xs)
    if numeric_years:
        span = int(xs[-1] - xs[0]) + 1
        step = _tick_step(span) if span > 12 else 1
        ticks = [v for v in range(int(xs[0]), int(xs[-1]) + 1) if (v - int(xs[-1])) % step == 0] if span > 12 else xs
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(lambda v, pos: str(int(v)))
        ax.set_xlim(xs[0] - 0.5, xs[-1] + 0.5)
    ax.yaxis.set_major_formatter(fmt.akseformat(_tick_decimals(ax)))
    if null_linje and (data[y].min() < 0 < data[y].max() or (ylim and ylim[0] < 0)):
        ax.axhline(0, color=style.TEXT_MUTED, linewidth=0.8, zorder=2)
    if ylim:
        ax.set_ylim(*ylim)
    _reference(ax, referanse, desimaler=desimaler)
    _unit(ax, enhet)
    _legend(ax, len([n for n in names if n is not None]))
    ax.yaxis.set_major_formatter(fmt.akseformat(_tick_decimals(ax)))
    if numeric_years and verdietiketter == "siste" and labels:
        _room_on_the_right(fig, ax, labels)
    _place_labels(fig, ax, labels)
    return fig


def _room_on_the_right(fig: Figure, ax: plt.Axes, labels: list[_Label]) -> None:
    """Widen the x axis so that end-of-line labels fit to the right of the last points."""
    fig.draw_without_rendering()
    r = fig.canvas.get_renderer()
    need = max(l.ann.get_window_extent(r).width for l in labels) + 12 * fig.dpi / 72
    axw = ax.get_window_extent(r).width
    x0, x1 = ax.get_xlim()
    last = max(l.ann.xy[0] for l in labels)
    have = (x1 - last) / (x1 - x0) * axw
    if have < need and need < axw * 0.5:
        # solve (x1' - last) / (x1' - x0) * axw = need for x1'
        f = need / axw
        ax.set_xlim(x0, (last - f * x0) / (1 - f))


def _tick_decimals(ax: plt.Axes, axis: str = "y") -> int:
    """The fewest decimals (0–3) that tell every tick apart exactly (0,05 steps need two)."""
    locs = (ax.get_yticks() if axis == "y" else ax.get_xticks())
    locs = [v for v in locs if np.isfinite(v)]
    for d in range(3):
        if all(abs(v * 10 ** d - round(v * 10 ** d)) < 1e-6 for v in locs):
            return d
    return 3


def _wrap(labels: Sequence[str], width: int) -> list[str]:
    return ["\n".join(textwrap.wrap(fmt.typografi(s), width, break_long_words=False)) or fmt.typografi(s) for s in labels]


def _years(values: Sequence) -> list[int] | None:
    """The categories as years (1800–2100, ints or four-digit strings), or None if they are not years."""
    out = []
    for v in values:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)  # 2021.0 from a column with missing values is the year 2021
        t = str(v).strip()
        if isinstance(v, (bool, np.bool_)) or not (t.isdigit() and len(t) == 4 and 1800 <= int(t) <= 2100):
            return None
        out.append(int(t))
    return out if len(set(out)) == len(out) else None


def _year_ticks(years: list[int], length_pt: float, gap: float, size_pt: float) -> list[int]:
    """Years to label on a time axis, from the latest backwards, no closer than a label's width."""
    per_year = length_pt / (years[-1] - years[0] + 1.2 * gap)
    min_dist = (4 * 0.55 * size_pt + 6) / per_year
    out: list[int] = []
    for y in reversed(years):
        if not out or out[-1] - y >= min_dist:
            out.append(y)
    return sorted(out)


def stolper(data: pd.DataFrame, kategori: str, verdi: str, serie: str | None = None, *,
            horisontal: bool = False, stablet: bool = False, enhet: str | None = None,
            desimaler: int = 1, verdietiketter: bool = True, prosenttegn: bool = False,
            referanse: tuple[float, str] | None = None, bredde_etikett: int = 28,
            hoyde: float | None = None, xlim: tuple[float, float] | None = None) -> Figure:
    """Bar chart: grouped (default) or stacked by ``serie``; vertical or horizontal.

    Series are told apart by colour and hatch pattern; every bar carries its value unless
    ``verdietiketter`` is False (labels never overlap; a label inside a hatched bar sits on a
    halo of the bar's colour). Category order is the order in the data, except when the
    categories are years: then the bars stand on a time axis at their year, so 2012 and 2020
    are as far apart as they are in time.
    """
    cats = list(dict.fromkeys(data[kategori].tolist()))
    years = _years(cats)
    if years is not None:
        cats = [c for _, c in sorted(zip(years, cats))]
        years = sorted(years)
    names = _series(data, serie)
    n_series = len(names)
    if hoyde is None and horisontal:
        span = (years[-1] - years[0] + 1) if years else len(cats)
        hoyde = max(2.4, 0.35 * min(span, 3 * len(cats)) * (1 if stablet else max(1, n_series * 0.75)) + 1.1)
    fig, ax = _new(hoyde)
    if years is not None:
        pos = np.array(years, dtype=float)
        gap = float(np.min(np.diff(pos))) if len(pos) > 1 else 1.0
    else:
        pos = np.arange(len(cats), dtype=float)
        gap = 1.0
    group_w = 0.8 * gap
    bar_w = group_w if (stablet or n_series == 1) else group_w / n_series
    base_pos = np.zeros(len(cats))
    base_neg = np.zeros(len(cats))
    stack_max = 1.0
    if stablet:
        totals = data.groupby(kategori)[verdi].apply(lambda s: s.clip(lower=0).sum())
        stack_max = max(float(totals.max()), 1.0)
    label_fs = style.SIZES["print"]["base_pt"] - 0.5
    labels: list[_Label] = []
    # Vertical labels turn upright when they are wider than the room a bar has (many years).
    axes_w_pt = style.SIZES["print"]["width_in"] * 72 * 0.85
    x_range = (pos[-1] - pos[0] + gap) if len(pos) else 1.0
    slot_pt = axes_w_pt * (bar_w if n_series > 1 and not stablet else gap) / x_range
    widest = max((len(fmt.tall(v, desimaler)) + (2 if prosenttegn else 0) for v in data[verdi].dropna()), default=0)
    upright = not horisontal and not stablet and widest * label_fs * 0.5 > slot_pt - 2
    for i, name in enumerate(names):
        d = data if name is None else data[data[serie] == name]
        vals = np.array([d.loc[d[kategori] == c, verdi].sum(min_count=1) if (d[kategori] == c).any()
                         else np.nan for c in cats], dtype=float)
        colour = style.PALETTE[i % len(style.PALETTE)]
        hatch = HATCHES[i % len(HATCHES)] if n_series > 1 else ""
        if stablet:
            offs = np.where(np.nan_to_num(vals) >= 0, base_pos, base_neg)
            p = pos
        else:
            offs = np.zeros(len(cats))
            p = pos - group_w / 2 + bar_w * (i + 0.5) if n_series > 1 else pos
        kw = dict(color=colour, edgecolor="white", linewidth=0.8, label=name, zorder=3, hatch=hatch)
        plot_vals = np.nan_to_num(vals) if stablet else vals
        if horisontal:
            bars = ax.barh(p, plot_vals, height=bar_w * 0.92, left=offs, **kw)
        else:
            bars = ax.bar(p, plot_vals, width=bar_w * 0.92, bottom=offs, **kw)
        if verdietiketter:
            for b, v, o in zip(bars, vals, offs):
                if np.isnan(v):
                    continue
                txt = fmt.tall(v, desimaler) + (fmt.NBSP + "%" if prosenttegn else "")
                if stablet:
                    if abs(v) < stack_max * 0.09:
                        continue
                    cx = o + v / 2
                    inside_colour = "white" if style.contrast(colour, "#FFFFFF") >= 4.5 else style.TEXT
                    # On a hatched segment the label sits on a plain plate of the bar's own
                    # colour, which hides the hatching under the text and keeps its contrast.
                    plate = dict(boxstyle="round,pad=0.25,rounding_size=0.2", facecolor=colour,
                                 edgecolor="none", linewidth=0) if hatch else None
                    xy = (cx, b.get_y() + b.get_height() / 2) if horisontal else (b.get_x() + b.get_width() / 2, cx)
                    ann = ax.annotate(txt, xy=xy, xytext=(0, 0), textcoords="offset points", ha="center",
                                      va="center", color=inside_colour, fontsize=label_fs, zorder=4,
                                      bbox=plate, path_effects=_halo(colour, 1.5))
                    labels.append(_Label(ann, [(0.0, 0.0, "center", "center")], fixed=True, own=b))
                elif horisontal:
                    sgn = 1 if v >= 0 else -1
                    ann = ax.annotate(txt, xy=(v, b.get_y() + b.get_height() / 2), xytext=(3 * sgn, 0),
                                      textcoords="offset points", ha="left" if v >= 0 else "right",
                                      va="center", fontsize=label_fs, color=style.TEXT, zorder=4,
                                      path_effects=_halo(), annotation_clip=False)
                    cand = [(sgn * (3.0 + 7.0 * k), 0.0, "left" if v >= 0 else "right", "center") for k in range(8)]
                    labels.append(_Label(ann, cand, own=b))
                else:
                    sgn = 1 if v >= 0 else -1
                    va = "bottom" if v >= 0 else "top"
                    ann = ax.annotate(txt, xy=(b.get_x() + b.get_width() / 2, v), xytext=(0, 2 * sgn),
                                      textcoords="offset points", ha="center", va=va, fontsize=label_fs,
                                      color=style.TEXT, zorder=4, path_effects=_halo(), annotation_clip=False,
                                      rotation=90 if upright else 0)
                    cand = [(0.0, sgn * (2.0 + 5.0 * k), "center", va) for k in range(10)]
                    labels.append(_Label(ann, cand, own=b))
        if stablet:
            base_pos = base_pos + np.where(plot_vals >= 0, plot_vals, 0)
            base_neg = base_neg + np.where(plot_vals < 0, plot_vals, 0)
    allv = data[verdi].dropna()
    # The value axis is x for horizontal bars and y for vertical ones; everything else is the same.
    value_axis, cat_axis = ("x", "y") if horisontal else ("y", "x")
    set_lim = ax.set_xlim if horisontal else ax.set_ylim
    set_ticks = ax.set_yticks if horisontal else ax.set_xticks
    if years is not None:
        ticks = _year_ticks(years, axes_w_pt if not horisontal else (hoyde or 3) * 72 * 0.8, gap, label_fs)
        set_ticks(ticks, [str(t) for t in ticks])
        (ax.set_ylim if horisontal else ax.set_xlim)(pos[0] - gap * 0.6, pos[-1] + gap * 0.6)
        if horisontal:
            ax.invert_yaxis()
    elif horisontal:
        ax.set_yticks(pos, _wrap(cats, bredde_etikett))
        ax.invert_yaxis()
    else:
        ax.set_xticks(pos, _wrap(cats, max(8, int(70 / max(len(cats), 1)))))
    ax.grid(axis=cat_axis, visible=False)
    ax.grid(axis=value_axis, visible=True)
    ax.tick_params(axis=cat_axis, length=0 if years is None else 3)
    if xlim:
        set_lim(*xlim)
    elif verdietiketter and not stablet and len(allv):
        lo, hi = min(0, allv.min()), max(0, allv.max())
        room = 0.22 if upright else (0.12 if horisontal else 0.1)
        pad = (hi - lo) * room or 1  # room for the value labels
        set_lim(lo - (pad if lo < 0 else 0), hi + pad)
    getattr(ax, f"{value_axis}axis").set_major_formatter(fmt.akseformat(_tick_decimals(ax, value_axis), prosenttegn))
    if len(allv) and allv.min() < 0:
        (ax.axvline if horisontal else ax.axhline)(0, color=style.TEXT_MUTED, linewidth=0.8, zorder=2)
    _reference(ax, referanse, horizontal_value_axis=horisontal, desimaler=desimaler)
    _unit(ax, enhet)
    if n_series > 1:
        _legend(ax, n_series)
    _place_labels(fig, ax, labels, grow=None if (xlim or stablet) else value_axis)
    getattr(ax, f"{value_axis}axis").set_major_formatter(fmt.akseformat(_tick_decimals(ax, value_axis), prosenttegn))
    return fig

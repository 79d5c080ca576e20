"""Chart primitives in the house style. Each takes tidy data and returns a matplotlib Figure.

Titles are not drawn inside the image: the caption ("Figur N.M: …  Kilde: …") is set by the
report, so the figure carries only the unit, the axes, the legend and data labels.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import fmt, style

HATCHES = ["", "////", "....", "xxxx", "\\\\\\\\", "++++"]


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
    labels = ["\n".join(textwrap.wrap(fmt.typografi(l), 60)) for l in labels]
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
                    fontsize=style.SIZES["print"]["base_pt"] - 0.5)


def _tick_step(n: int) -> int:
    for step in (1, 2, 5, 10, 20, 50):
        if n / step <= 12:
            return step
    return 100


def linje(data: pd.DataFrame, x: str, y: str, serie: str | None = None, *, enhet: str | None = None,
          desimaler: int = 1, referanse: tuple[float, str] | None = None,
          verdietiketter: bool | str = "siste", ylim: tuple[float, float] | None = None,
          null_linje: bool = True, sammenhengende: bool = False) -> Figure:
    """Line chart, one line per ``serie``, with markers and dash styles as well as colours.

    ``verdietiketter``: "siste" labels the last point of each line, True labels every point,
    False none. A year without a value breaks the line, so a partial series never looks
    complete; ``sammenhengende=True`` connects the points for data that exist only in some
    years by nature (elections every fourth year).
    """
    fig, ax = _new()
    names = _series(data, serie)
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
        for _, r in label_pts.iterrows():
            ax.annotate(fmt.tall(r[y], desimaler), xy=(r[x], r[y]), xytext=(0, 7 if r[y] >= 0 else -13),
                        textcoords="offset points", ha="center", fontsize=style.SIZES["print"]["base_pt"] - 0.5,
                        color=st["color"] if style.contrast(st["color"], style.BACKGROUND) >= 4.5 else style.TEXT)
    xs = sorted(pd.unique(data[x].dropna()))
    if all(float(v).is_integer() for v in xs):
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
    return fig


def _tick_decimals(ax: plt.Axes, axis: str = "y") -> int:
    locs = (ax.get_yticks() if axis == "y" else ax.get_xticks())
    locs = [v for v in locs if np.isfinite(v)]
    return 0 if all(abs(v - round(v)) < 1e-9 for v in locs) else 1


def _wrap(labels: Sequence[str], width: int) -> list[str]:
    return ["\n".join(textwrap.wrap(fmt.typografi(s), width)) or fmt.typografi(s) for s in labels]


def stolper(data: pd.DataFrame, kategori: str, verdi: str, serie: str | None = None, *,
            horisontal: bool = False, stablet: bool = False, enhet: str | None = None,
            desimaler: int = 1, verdietiketter: bool = True, prosenttegn: bool = False,
            referanse: tuple[float, str] | None = None, bredde_etikett: int = 28,
            hoyde: float | None = None, xlim: tuple[float, float] | None = None) -> Figure:
    """Bar chart: grouped (default) or stacked by ``serie``; vertical or horizontal.

    Series are told apart by colour and hatch pattern; every bar carries its value unless
    ``verdietiketter`` is False. Category order is the order in the data.
    """
    cats = list(dict.fromkeys(data[kategori].tolist()))
    names = _series(data, serie)
    n_series = len(names)
    if hoyde is None and horisontal:
        hoyde = max(2.4, 0.35 * len(cats) * (1 if stablet else max(1, n_series * 0.75)) + 1.1)
    fig, ax = _new(hoyde)
    pos = np.arange(len(cats), dtype=float)
    group_w = 0.8
    bar_w = group_w if (stablet or n_series == 1) else group_w / n_series
    base_pos = np.zeros(len(cats))
    base_neg = np.zeros(len(cats))
    stack_max = 1.0
    if stablet:
        totals = data.groupby(kategori)[verdi].apply(lambda s: s.clip(lower=0).sum())
        stack_max = max(float(totals.max()), 1.0)
    label_fs = style.SIZES["print"]["base_pt"] - 0.5
    for i, name in enumerate(names):
        d = data if name is None else data[data[serie] == name]
        vals = np.array([d.loc[d[kategori] == c, verdi].sum(min_count=1) if (d[kategori] == c).any()
                         else np.nan for c in cats], dtype=float)
        colour = style.PALETTE[i % len(style.PALETTE)]
        if stablet:
            offs = np.where(np.nan_to_num(vals) >= 0, base_pos, base_neg)
            p = pos
        else:
            offs = np.zeros(len(cats))
            p = pos - group_w / 2 + bar_w * (i + 0.5) if n_series > 1 else pos
        kw = dict(color=colour, edgecolor="white", linewidth=0.8, label=name, zorder=3,
                  hatch=HATCHES[i % len(HATCHES)] if n_series > 1 else "")
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
                    if horisontal:
                        ax.text(cx, b.get_y() + b.get_height() / 2, txt, ha="center", va="center",
                                color=inside_colour, fontsize=label_fs, zorder=4)
                    else:
                        ax.text(b.get_x() + b.get_width() / 2, cx, txt, ha="center", va="center",
                                color=inside_colour, fontsize=label_fs, zorder=4)
                else:
                    if horisontal:
                        ax.annotate(txt, xy=(v, b.get_y() + b.get_height() / 2),
                                    xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                                    ha="left" if v >= 0 else "right", va="center", fontsize=label_fs,
                                    color=style.TEXT, zorder=4)
                    else:
                        ax.annotate(txt, xy=(b.get_x() + b.get_width() / 2, v),
                                    xytext=(0, 2 if v >= 0 else -2), textcoords="offset points",
                                    ha="center", va="bottom" if v >= 0 else "top", fontsize=label_fs,
                                    color=style.TEXT, zorder=4)
        if stablet:
            base_pos = base_pos + np.where(plot_vals >= 0, plot_vals, 0)
            base_neg = base_neg + np.where(plot_vals < 0, plot_vals, 0)
    allv = data[verdi].dropna()
    # The value axis is x for horizontal bars and y for vertical ones; everything else is the same.
    value_axis, cat_axis = ("x", "y") if horisontal else ("y", "x")
    set_lim = ax.set_xlim if horisontal else ax.set_ylim
    if horisontal:
        ax.set_yticks(pos, _wrap(cats, bredde_etikett))
        ax.invert_yaxis()
    else:
        ax.set_xticks(pos, _wrap(cats, max(8, int(70 / max(len(cats), 1)))))
    ax.grid(axis=cat_axis, visible=False)
    ax.grid(axis=value_axis, visible=True)
    ax.tick_params(axis=cat_axis, length=0)
    if xlim:
        set_lim(*xlim)
    elif verdietiketter and not stablet and len(allv):
        lo, hi = min(0, allv.min()), max(0, allv.max())
        pad = (hi - lo) * (0.12 if horisontal else 0.1) or 1  # room for the value labels
        set_lim(lo - (pad if lo < 0 else 0), hi + pad)
    getattr(ax, f"{value_axis}axis").set_major_formatter(fmt.akseformat(_tick_decimals(ax, value_axis), prosenttegn))
    if len(allv) and allv.min() < 0:
        (ax.axvline if horisontal else ax.axhline)(0, color=style.TEXT_MUTED, linewidth=0.8, zorder=2)
    _reference(ax, referanse, horizontal_value_axis=horisontal, desimaler=desimaler)
    _unit(ax, enhet)
    if n_series > 1:
        _legend(ax, n_series)
    return fig

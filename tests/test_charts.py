"""Figures a reader can read: value labels never overlap, labels on hatched bars stay legible,
years sit on a time axis. All data here are SYNTHETIC test data (named ``synthetic_*``), shaped
like the report's real series (close end values, uneven years), never shown to readers."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from statuskommune import charts, fmt, style

matplotlib.use("Agg")


def _labels(fig):
    return [t for ax in fig.axes for t in ax.texts if str(t.get_gid()).startswith("verdietikett-")]


def _assert_no_overlap(fig):
    boxes = charts.label_boxes(fig)
    assert boxes, "the chart drew no value labels"
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        # strict overlap of the drawn text boxes (get_window_extent), in pixels
        ov_x = min(a.x1, b.x1) - max(a.x0, b.x0)
        ov_y = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert not (ov_x > 0 and ov_y > 0), f"labels {i} and {j} overlap: {a} / {b}"
    return boxes


def synthetic_close_lines(n_years=6, ends=(5.6, 5.4, 7.7)) -> pd.DataFrame:
    """Three series ending close together (like sick-leave rates of 5,6 and 5,4 per cent)."""
    rows = []
    for k, end in enumerate(ends):
        for t in range(n_years):
            rows.append({"aar": 2018 + t, "verdi": round(end - 0.15 * (n_years - 1 - t) + 0.02 * k, 2),
                         "serie": f"syntetisk {k}"})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ends, ylim", [((5.6, 5.4, 7.7), (0, 9)), ((61.0, 58.0, 70.0), (0, 80)),
                                        ((12.0, 11.0, 6.0), (0, 15)), ((0.1, -0.3, 2.7), None),
                                        ((5.0, 5.0, 5.0), None)])
def test_end_of_line_labels_never_overlap(ends, ylim):
    d = synthetic_close_lines(ends=ends)
    fig = charts.linje(d, "aar", "verdi", "serie", null_linje=False, ylim=ylim)
    boxes = _assert_no_overlap(fig)
    # every line keeps its end label (there is room to the right of the last points) ...
    assert len(boxes) == 3
    # ... and the label says the last value, in Norwegian number format
    texts = sorted(t.get_text() for t in _labels(fig))
    assert texts == sorted(fmt.tall(e, 1) for e in ends)
    plt.close(fig)


def test_every_point_labels_never_overlap_on_a_long_dense_series():
    # A synthetic 45-year series, every point labelled, neighbours at nearly the same height.
    d = pd.DataFrame({"aar": range(1979, 2024), "verdi": np.round(60 + 2 * np.sin(np.arange(45) / 3), 1)})
    for mode in ("siste", True):
        fig = charts.linje(d, "aar", "verdi", desimaler=1, verdietiketter=mode)
        _assert_no_overlap(fig)
        plt.close(fig)


def test_end_label_does_not_sit_on_the_line():
    d = pd.DataFrame({"aar": range(2015, 2024), "verdi": [41, 27, 39, 41, 44, 40, 41, 35, 35]})  # synthetic
    fig = charts.linje(d, "aar", "verdi", desimaler=0)
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    (lab,) = _labels(fig)
    bb = lab.get_window_extent(r)
    line = ax.get_lines()[0]
    xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
    inside = (xy[:, 0] > bb.x0) & (xy[:, 0] < bb.x1) & (xy[:, 1] > bb.y0) & (xy[:, 1] < bb.y1)
    assert not inside.any()
    plt.close(fig)


@pytest.mark.parametrize("horisontal", [False, True])
def test_grouped_bar_labels_never_overlap(horisontal):
    # synthetic: four series with nearly equal values in each category, long labels (1 decimal)
    cats = ["Kategori A", "Kategori B", "Kategori C", "Kategori D", "Kategori E", "Kategori F"]
    d = pd.DataFrame([{"kat": c, "serie": str(2019 + s), "verdi": 1234.5 + s * 3 + k}
                      for k, c in enumerate(cats) for s in range(4)])
    fig = charts.stolper(d, "kat", "verdi", "serie", horisontal=horisontal)
    boxes = _assert_no_overlap(fig)
    assert len(boxes) >= len(d) * 0.75  # most values stay labelled
    plt.close(fig)


def test_bar_labels_on_many_years_never_overlap():
    d = pd.DataFrame({"aar": list(range(1990, 2024)), "verdi": np.linspace(51.3, 46.6, 34).round(1)})  # synthetic
    fig = charts.stolper(d, "aar", "verdi")
    _assert_no_overlap(fig)
    ax = fig.axes[0]
    # the year tick labels do not overlap either
    r = fig.canvas.get_renderer()
    ticks = [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()]
    for a, b in zip(ticks, ticks[1:]):
        assert a.x1 <= b.x0
    plt.close(fig)


def synthetic_stack() -> pd.DataFrame:
    parts = ["materialgjenvinning", "forbrenning", "deponi", "biogass", "kompostering", "annet"]
    vals = {2021: [635, 1226, 40, 150, 212, 30], 2022: [586, 1095, 38, 160, 100, 25], 2023: [571, 1050, 35, 170, 190, 20]}
    return pd.DataFrame([{"aar": a, "behandling": p, "verdi": v} for a, vs in vals.items() for p, v in zip(parts, vs)])


@pytest.mark.parametrize("horisontal", [False, True])
def test_labels_on_hatched_bars_sit_on_a_plain_plate_with_contrast(horisontal):
    fig = charts.stolper(synthetic_stack(), "aar", "verdi", "behandling", stablet=True, desimaler=0,
                         horisontal=horisontal)
    _assert_no_overlap(fig)
    ax = fig.axes[0]
    r = fig.canvas.get_renderer()
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert hatched
    checked = 0
    for t in _labels(fig):
        if not t.get_visible():
            continue
        c = t.get_window_extent(r)
        cx, cy = (c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2
        for p in hatched:
            pb = p.get_window_extent(r)
            if pb.x0 < cx < pb.x1 and pb.y0 < cy < pb.y1:
                plate = t.get_bbox_patch()
                assert plate is not None, f"label {t.get_text()} drawn straight on hatching"
                assert to_hex(plate.get_facecolor()) == to_hex(p.get_facecolor())
                assert plate.get_alpha() in (None, 1)
                assert style.contrast(to_hex(t.get_color()), to_hex(plate.get_facecolor())) >= 4.5
                # the plate covers the glyphs
                t.draw(r)
                pl = plate.get_window_extent(r)
                assert pl.x0 <= c.x0 and pl.x1 >= c.x1 and pl.y0 <= c.y0 and pl.y1 >= c.y1
                checked += 1
    assert checked >= 3
    plt.close(fig)


def test_labels_outside_bars_have_a_halo():
    d = pd.DataFrame({"kat": ["a", "b"], "serie": ["x", "y"], "verdi": [3.0, 4.0]})  # synthetic
    fig = charts.stolper(d, "kat", "verdi", "serie")
    for t in _labels(fig):
        assert any(isinstance(pe, matplotlib.patheffects.withStroke) for pe in t.get_path_effects())
    plt.close(fig)


@pytest.mark.parametrize("as_text", [False, True, "float"])
@pytest.mark.parametrize("serie", [None, "serie"])
def test_bars_for_uneven_years_stand_on_a_time_axis(as_text, serie):
    years = [2012, 2020, 2021, 2023]
    d = pd.DataFrame([{"aar": float(y) if as_text == "float" else str(y) if as_text else y, "verdi": 10.0 + k + s, "serie": f"s{s}"}
                      for k, y in enumerate(years) for s in range(2 if serie else 1)])  # synthetic
    fig = charts.stolper(d, "aar", "verdi", serie)
    ax = fig.axes[0]
    first = sorted(ax.patches, key=lambda p: p.get_x())[:: (2 if serie else 1)]
    centres = np.array([p.get_x() + p.get_width() / 2 for p in first])
    # distances between bars are proportional to the distances in years (2012 is far from 2020)
    gaps = np.diff(centres) / np.diff(years)
    assert np.allclose(gaps, gaps[0])
    # the ticks name the years where the bars stand
    fig.canvas.draw()
    ticks = {t.get_text(): t.get_position()[0] for t in ax.get_xticklabels() if t.get_text()}
    assert set(ticks) == {str(y) for y in years}
    group_centres = [ticks[str(y)] for y in years]
    assert np.allclose(np.diff(group_centres) / np.diff(years), np.diff(group_centres)[0] / np.diff(years)[0])
    plt.close(fig)


def test_lines_for_uneven_years_stand_on_a_time_axis():
    d = pd.DataFrame({"aar": [2012, 2020, 2021, 2023], "verdi": [1.0, 2.0, 3.0, 4.0]})  # synthetic
    fig = charts.linje(d, "aar", "verdi", sammenhengende=True)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    px = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))[:, 0]
    assert np.allclose(np.diff(px) / np.diff([2012, 2020, 2021, 2023]), (px[1] - px[0]) / 8)
    plt.close(fig)


def test_categories_that_are_not_years_keep_their_order_and_even_spacing():
    d = pd.DataFrame({"kat": ["2017–2019", "2018–2020", "ukjent"], "verdi": [1.0, 2.0, 3.0]})  # synthetic
    fig = charts.stolper(d, "kat", "verdi")
    ax = fig.axes[0]
    xs = [p.get_x() for p in ax.patches]
    assert np.allclose(np.diff(xs), 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2017–2019", "2018–2020", "ukjent"]
    plt.close(fig)


def test_same_figure_gives_the_same_svg(tmp_path):
    from statuskommune.chapter import save_svg

    out = []
    for k in range(2):
        fig = charts.linje(synthetic_close_lines(), "aar", "verdi", "serie")
        p = tmp_path / f"f{k}.svg"
        save_svg(fig, p, salt="test")
        plt.close(fig)
        out.append(p.read_bytes())
    assert out[0] == out[1]


def test_svg_of_a_laid_out_chart_is_drawn_once_and_cropped_like_matplotlib(tmp_path):
    """save_svg measures the crop box itself when the layout is fixed, instead of letting
    matplotlib draw the whole figure an extra time; the crop must still hold everything."""
    import matplotlib
    from statuskommune.chapter import save_svg

    def size(p):
        root = ET.parse(p).getroot()
        return [float(v) for v in root.get("viewBox").split()[2:]]

    mine, theirs = tmp_path / "mine.svg", tmp_path / "theirs.svg"
    fig = charts.linje(synthetic_close_lines(), "aar", "verdi", "serie")  # layout frozen by the labels
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda ev: draws.append(ev))
    save_svg(fig, mine, salt="test")
    assert len(draws) == 1, "the SVG was drawn more than once"
    plt.close(fig)
    fig = charts.linje(synthetic_close_lines(), "aar", "verdi", "serie")
    with matplotlib.rc_context({"svg.hashsalt": "test"}):
        fig.savefig(theirs, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    assert np.allclose(size(mine), size(theirs), atol=2.0), (size(mine), size(theirs))


def test_axis_ticks_with_small_steps_are_told_apart():
    d = pd.DataFrame({"aar": [2020, 2021, 2022], "verdi": [40.1, 40.3, 40.2]})  # synthetic
    fig = charts.linje(d, "aar", "verdi")
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(labels) == len(set(labels)), labels
    plt.close(fig)


# --- the real figures, as built --------------------------------------------------------------

_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def svg_label_boxes(svg_path):
    """Boxes (x0, y0, x1, y1 in SVG units) of the value labels in a built SVG. The labels are the
    groups ``verdietikett-N``; their glyphs are absolute outline paths (halo and plate included)."""
    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ET.parse(svg_path).getroot()
    boxes = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        gid = g.get("id") or ""
        if not gid.startswith("verdietikett-"):
            continue
        xs, ys = [], []
        for el in g.iter():
            assert el.get("transform") is None, f"{svg_path.name}: {gid} has a transform the test cannot follow"
            if el.tag.endswith("}use"):
                raise AssertionError(f"{svg_path.name}: {gid} is drawn with <use>; the test needs outline paths")
        for p in g.findall(".//svg:path", ns):
            nums = [float(v) for v in _NUM.findall(p.get("d", ""))]
            xs += nums[0::2]
            ys += nums[1::2]
        assert xs, f"{svg_path.name}: {gid} has no outline"
        boxes[gid] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


@pytest.mark.e2e
def test_no_two_value_labels_overlap_in_the_built_figures(built_report):
    root, _ = built_report
    svgs = sorted(root.glob("figures/*/*/*.svg"))
    assert len(svgs) > 40
    labelled = 0
    for svg in svgs:
        boxes = svg_label_boxes(svg)
        labelled += bool(boxes)
        for (ga, a), (gb, b) in itertools.combinations(boxes.items(), 2):
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0 and min(a[3], b[3]) - max(a[1], b[1]) > 0
            assert not overlap, f"{svg.parent.name}/{svg.name}: {ga} and {gb} overlap ({a} / {b})"
    assert labelled > 30  # the check saw the labels of most figures


def test_svg_label_boxes_agree_with_the_renderer(tmp_path):
    # The SVG check above measures what the renderer placed: same labels, same places (72 units/inch).
    from statuskommune.chapter import save_svg

    fig = charts.stolper(synthetic_stack(), "aar", "verdi", "behandling", stablet=True, desimaler=0)
    fig2 = charts.linje(synthetic_close_lines(), "aar", "verdi", "serie", ylim=(0, 9))
    for f in (fig, fig2):
        boxes = charts.label_boxes(f)
        f.canvas.draw()
        p = tmp_path / "f.svg"
        save_svg(f, p, salt="test")
        svg = svg_label_boxes(p)
        assert len(svg) == len(boxes)
        scale = 72 / f.dpi
        # bbox_inches="tight" shifts the SVG origin; compare sizes and relative positions
        xs = [b[0] for b in svg.values()]
        mine = [b.x0 * scale for b in boxes]
        assert np.allclose(np.diff(xs), np.diff(mine), atol=2.5)
        widths = [b[2] - b[0] for b in svg.values()]
        assert all(w > 5 for w in widths)
        plt.close(f)


def test_category_labels_never_break_inside_a_number():
    """«5 000–10 000» once came out as «5 000–10 00» over «0»: a label wraps between words only."""
    from statuskommune import charts

    for label in charts._wrap(["5 000–10 000", "Kommuner med 20 000–50 000 innbyggere"], 10):
        for line in label.split("\n"):
            assert not line.endswith(("00", "0\u00a00")) or line.rstrip().endswith("000"), label
    assert charts._wrap(["5 000–10 000"], 10) == ["5\u00a0000–10\u00a0000"]

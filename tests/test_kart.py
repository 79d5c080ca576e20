"""Maps a reader can read: classes in Norwegian number format, colours that keep their order in
greyscale, kommuner without data shown as missing (never given a value), tiny kommuner visible on
the locator map, reproducible small SVGs.

All geometries and values here are SYNTHETIC (named ``synthetic_*``): squares on a made-up grid
in EPSG:25833 metres, never real kommuner and never shown to readers."""

from __future__ import annotations

import os
import time

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex, to_rgb
from matplotlib.patches import PathPatch

from statuskommune import kart, style
from statuskommune.chapter import save_svg
from statuskommune.errors import StatusKommuneError

matplotlib.use("Agg")

KM = 1000.0
Y0 = 7_000_000.0  # away from kart.OSLOOMRADET, so no zoom box unless a test asks for one


def _sq(x, y, s):
    return shapely.box(x, y, x + s, y + s)


def synthetic_kommuner() -> pd.DataFrame:
    """Two synthetic fylker (01 west, 02 east) of six 100-km squares each; 0101 has a hole that is
    the enclave 0107; 0299 is a 1 km² island east of the rest (Utsira-sized)."""
    rows = []
    for f, col0 in (("01", 0), ("02", 2)):
        n = 1
        for c in range(2):
            for r in range(3):
                x, y = (col0 + c) * 100 * KM, Y0 + r * 100 * KM
                g = _sq(x, y, 100 * KM)
                if f == "01" and n == 1:  # shell and hole both counter-clockwise, as some files have them
                    g = shapely.Polygon(g.exterior.coords, [_sq(x + 35 * KM, y + 35 * KM, 30 * KM).exterior.coords])
                rows.append((f"{f}{n:02d}", g))
                n += 1
    rows.append(("0107", _sq(35 * KM, Y0 + 35 * KM, 30 * KM)))
    rows.append(("0299", _sq(450 * KM, Y0 + 150 * KM, 1 * KM)))
    return pd.DataFrame(rows, columns=["kommunenummer", "geometri"])


def synthetic_fylker(geo: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([(f, shapely.union_all(list(geo.loc[geo.kommunenummer.str[:2] == f, "geometri"])))
                         for f in ("01", "02")], columns=["fylkesnummer", "geometri"])


def synthetic_values(geo: pd.DataFrame) -> pd.DataFrame:
    """One synthetic value per kommune, 0101 = 1, 0102 = 2, …; 0205 without a value."""
    v = {k: float(i + 1) for i, k in enumerate(sorted(geo.kommunenummer))}
    v["0205"] = np.nan
    return pd.DataFrame({"kommunenummer": list(v), "verdi": list(v.values())})


def _pixel(fig, ax, x, y):
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    px, py = ax.transData.transform((x, y))
    return to_hex(buf[int(buf.shape[0] - py), int(px), :3] / 255)


def _patches(ax) -> dict[str, PathPatch]:
    return {a.get_gid(): a for a in ax.get_children() if isinstance(a, PathPatch) and a.get_gid()}


def _centre(geo, kode):
    g = geo.loc[geo.kommunenummer == kode, "geometri"].iloc[0]
    p = shapely.point_on_surface(g)
    return p.x, p.y


# --- classes ---------------------------------------------------------------------------------------

def _nice(b: float) -> bool:
    """A multiple of 1, 2, 2,5 or 5 × 10^k (k from −6 to 9)."""
    return any(abs(b / (m * 10.0 ** e) - round(b / (m * 10.0 ** e))) < 1e-9
               for e in range(9, -7, -1) for m in (5, 2.5, 2, 1) if abs(b) >= m * 10.0 ** e or b == 0)


def test_breaks_are_rounded_quantiles():
    even = np.linspace(0.3, 99.7, 357)  # synthetic, evenly spread
    assert kart.klassegrenser(even, 5) == [20.0, 40.0, 60.0, 80.0]
    skew = np.exp(np.linspace(np.log(200), np.log(700_000), 357))  # synthetic, like population sizes
    b = kart.klassegrenser(skew, 5)
    assert len(b) == 4 and all(np.diff(b) > 0) and all(_nice(x) for x in b), b
    share = np.bincount(kart.klasse(skew, b), minlength=5) / len(skew)
    assert share.min() >= 0.1 and share.max() <= 0.3, share  # close to fifths, none empty


def test_many_equal_values_share_a_class_and_no_class_is_empty():
    synthetic = np.r_[np.zeros(200), np.linspace(0.1, 4.9, 157)]  # over half the kommuner at 0
    b = kart.klassegrenser(synthetic, 5)
    k = kart.klasse(synthetic, b)
    assert len(b) == 4 and np.all(np.bincount(k, minlength=5) > 0), b
    assert set(k[:200]) == {0}  # all the zeros in the first class, «under …»


def test_breaks_never_finer_than_the_legend_shows():
    synthetic = np.linspace(0.981, 1.062, 357)
    for d in (0, 1, 2):
        b = kart.klassegrenser(synthetic, 5, desimaler=d)
        assert b and all(abs(x * 10 ** d - round(x * 10 ** d)) < 1e-9 for x in b), (d, b)
        kart.klasse_tekster(b, d)  # every break prints differently
    assert kart.klassegrenser(synthetic, 5, desimaler=2) == [1.0, 1.01, 1.03, 1.05]


def test_signed_values_get_zero_as_a_break():
    synthetic = np.linspace(-12, 25, 357)
    b = kart.klassegrenser(synthetic, 6, midt=0)
    assert 0.0 in b and len(b) == 5 and all(np.diff(b) > 0)
    assert sum(x < 0 for x in b) >= 1 and sum(x > 0 for x in b) >= 1
    # all positive: 0 still a break, its «under 0» class simply empty
    assert kart.klassegrenser(np.linspace(1, 5, 50), 4, midt=0)[0] == 0.0


def test_class_texts_in_norwegian_number_format():
    assert kart.klasse_tekster([1.0, 1.05, 1.1], 2) == ["under 1,00", "1,00–1,05", "1,05–1,10", "1,10 og over"]
    assert kart.klasse_tekster([-10, 0, 10], 0) == ["under −10", "−10–0", "0–10", "10 og over"]
    t = kart.klasse_tekster([-10, -5, 2500], 0, enhet="%")
    assert t == ["under −10\u00a0%", "−10 til −5\u00a0%", "−5–2\u00a0500\u00a0%", "2\u00a0500 og over\u00a0%"]
    assert all("-" not in s for s in t)  # U+2212 and U+2013, never an ASCII hyphen


def test_class_texts_refuse_breaks_that_print_alike():
    with pytest.raises(StatusKommuneError, match="1,0 og 1,0"):
        kart.klasse_tekster([1.0, 1.04], 1)
    with pytest.raises(StatusKommuneError, match="øke"):
        kart.klasse_tekster([2, 1], 0)


# --- colours ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(2, kart.MAKS_KLASSER + 1))
def test_sequential_classes_darken_step_by_step_and_stay_apart_in_grey(n):
    colours = kart.klassefarger(list(range(n - 1)))
    lum = [style.luminance(c) for c in colours]
    assert all(b < a for a, b in zip(lum, lum[1:])), lum  # strictly darker, lowest class lightest
    # neighbours at least MIN_KONTRAST (1,4:1, WCAG ratio) apart: distinct in greyscale print
    assert kart.MIN_KONTRAST >= 1.4
    assert min(style.contrast(a, b) for a, b in zip(colours, colours[1:])) >= kart.MIN_KONTRAST
    # the lightest class still stands off the white page, and «Mangler data» grey is none of them
    assert style.contrast(colours[0], style.BACKGROUND) >= 1.1
    assert kart.MANGLER_FARGE not in colours


@pytest.mark.parametrize("grenser", [[-10, -5, 0, 5, 10], [-5, 0, 5, 10, 20], [0, 5], [-5, 0]])
def test_diverging_sides_darken_away_from_zero_and_differ_in_hue(grenser):
    colours = kart.klassefarger(grenser, "divergerende")
    j = grenser.index(0) + 1                       # classes below zero
    low, high = colours[:j], colours[j:]
    lum_low = [style.luminance(c) for c in low]
    lum_high = [style.luminance(c) for c in high]
    assert all(b > a for a, b in zip(lum_low, lum_low[1:]))    # lighter towards zero
    assert all(b < a for a, b in zip(lum_high, lum_high[1:]))  # darker away from zero
    for side in (low, high):
        assert all(style.contrast(a, b) >= kart.MIN_KONTRAST for a, b in zip(side, side[1:]))
    assert all(to_rgb(c)[0] > to_rgb(c)[2] for c in low)       # below zero: red
    assert all(to_rgb(c)[2] > to_rgb(c)[0] for c in high)      # above zero: blue
    # equal distance from zero, equal strength
    for a, b in zip(low[::-1], high):
        assert abs(np.log(style.luminance(a) + 0.05) - np.log(style.luminance(b) + 0.05)) < 0.1


def test_diverging_needs_the_middle_as_a_break():
    with pytest.raises(StatusKommuneError, match="klassegrense"):
        kart.klassefarger([1, 2], "divergerende")


def test_at_most_seven_classes():
    with pytest.raises(StatusKommuneError, match="høyst 7"):
        kart.klassefarger(list(range(7)))


# --- the choropleth ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_geo():
    return synthetic_kommuner()


def test_each_kommune_is_drawn_in_its_class_colour(synthetic_geo):
    geo, vals = synthetic_geo, synthetic_values(synthetic_geo)
    grenser = [4, 8, 12]
    fig = kart.koropleth(geo, vals, klasser=grenser, enhet="Synthetic, prosent", desimaler=0)
    ax = fig.axes[0]
    colours = kart.klassefarger(grenser)
    s = vals.set_index("kommunenummer")["verdi"]
    for kode in geo.kommunenummer:
        if kode == "0299" or np.isnan(s[kode]):
            continue  # 0299 is too small for a pixel test; 0205 is missing (next test)
        want = colours[int(np.digitize(s[kode], grenser))]
        got = _pixel(fig, ax, *_centre(geo, kode))
        assert np.allclose(to_rgb(got), to_rgb(want), atol=2 / 255), (kode, got, want)
    plt.close(fig)


def test_enclave_keeps_its_own_colour(synthetic_geo):
    """0107 lies in a hole of 0101: the surrounding kommune must not paint over it."""
    # the kommune round it is in the class drawn later, so a filled hole would cover the enclave
    vals = pd.DataFrame({"kommunenummer": ["0101", "0107"], "verdi": [9.0, 1.0]})
    fig = kart.koropleth(synthetic_geo, vals, klasser=[5], enhet="x", desimaler=0)
    c = kart.klassefarger([5])
    assert _pixel(fig, fig.axes[0], 50 * KM, Y0 + 50 * KM) == c[0]   # inside the enclave
    assert _pixel(fig, fig.axes[0], 10 * KM, Y0 + 10 * KM) == c[1]   # the kommune round it
    plt.close(fig)


def test_missing_values_are_hatched_grey_and_named_in_the_legend(synthetic_geo):
    geo, vals = synthetic_geo, synthetic_values(synthetic_geo)
    fig = kart.koropleth(geo, vals, klasser=[4, 8, 12], enhet="Synthetic, prosent", desimaler=0)
    ax = fig.axes[0]
    p = _patches(ax)
    mangler = p["mangler-data"]
    assert mangler.get_hatch() and to_hex(mangler.get_facecolor()) == kart.MANGLER_FARGE.lower()
    x, y = _centre(geo, "0205")
    assert mangler.get_path().contains_point((x, y))
    assert not any(q.get_path().contains_point((x, y)) for g, q in p.items() if g.startswith("klasse-"))
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["under 4", "4–8", "8–12", "12 og over", "Mangler data"]
    assert legend.get_title().get_text() == "Synthetic, prosent"
    plt.close(fig)
    # without missing values there is no «Mangler data» entry
    full = vals.dropna()
    full = full[full.kommunenummer != "0205"]
    fig = kart.koropleth(geo.loc[geo.kommunenummer != "0205"], full, klasser=[4, 8, 12], enhet="x", desimaler=0)
    assert "Mangler data" not in [t.get_text() for t in fig.legends[0].get_texts()]
    plt.close(fig)


def test_one_artist_per_class_not_per_kommune(synthetic_geo):
    fig = kart.koropleth(synthetic_geo, synthetic_values(synthetic_geo), klasser=[4, 8, 12],
                         enhet="x", desimaler=0, fylker=synthetic_fylker(synthetic_geo))
    gids = sorted(_patches(fig.axes[0]))
    assert gids == ["fylkesgrenser", "klasse-1", "klasse-2", "klasse-3", "klasse-4", "mangler-data"]
    plt.close(fig)


def test_fylke_borders_are_drawn_between_fylker_not_along_the_coast(synthetic_geo):
    fig = kart.koropleth(synthetic_geo, synthetic_values(synthetic_geo), klasser=[6], enhet="x",
                         desimaler=0, fylker=synthetic_fylker(synthetic_geo))
    p = _patches(fig.axes[0])["fylkesgrenser"]
    xy = p.get_path().vertices
    assert len(xy) and np.allclose(xy[:, 0], 200 * KM)  # only the line where 01 meets 02
    assert p.get_linewidth() > _patches(fig.axes[0])["klasse-1"].get_linewidth()
    plt.close(fig)


def test_codes_as_numbers_match_and_unknown_codes_are_an_error(synthetic_geo):
    vals = pd.DataFrame({"kommunenummer": [101, 102], "verdi": [1.0, 2.0]})  # 101 is «0101»
    fig = kart.koropleth(synthetic_geo, vals, klasser=[1.5], enhet="x", desimaler=1)
    assert fig.legends[0].get_texts()[0].get_text() == "under 1,5"
    plt.close(fig)
    bad = pd.DataFrame({"kommunenummer": ["0101", "9999"], "verdi": [1.0, 2.0]})
    with pytest.raises(StatusKommuneError, match="9999"):
        kart.koropleth(synthetic_geo, bad, enhet="x", desimaler=0)
    broken = synthetic_geo.assign(geometri=synthetic_geo.geometri.map(shapely.to_wkt))
    broken.loc[3, "geometri"] = "POLYGON ((0 0, 1"
    with pytest.raises(StatusKommuneError, match=broken.kommunenummer[3]):
        kart.koropleth(broken, bad.iloc[:1], enhet="x", desimaler=0)


def test_svg_is_byte_identical_and_small(tmp_path, synthetic_geo):
    wkt = synthetic_geo.assign(geometri=synthetic_geo.geometri.map(shapely.to_wkt))  # WKT input works too
    out = []
    for i in range(2):
        fig = kart.koropleth(wkt, synthetic_values(synthetic_geo), n_klasser=4, enhet="Synthetic", desimaler=0,
                             fylker=synthetic_fylker(synthetic_geo), innfelt=(0, Y0, 80 * KM, Y0 + 80 * KM))
        p = tmp_path / f"kart{i}.svg"
        save_svg(fig, p, salt="kapittel/kart")
        plt.close(fig)
        out.append(p.read_bytes())
    assert out[0] == out[1]
    assert len(out[0]) < 100_000
    assert b'id="klasse-1"' in out[0] and b'id="innfelt"' in out[0]


def test_a_country_sized_map_is_fast_and_its_svg_small(tmp_path):
    """357 synthetic kommuner with about 31 000 vertices, as many as the real simplified map."""
    pts = shapely.points([(x * 40 * KM, Y0 + y * 40 * KM) for x in range(21) for y in range(17)][:357])
    geo = pd.DataFrame({"kommunenummer": [f"{1000 + i}" for i in range(357)],
                        "geometri": shapely.buffer(pts, 15 * KM, quad_segs=22)})
    assert 30_000 < shapely.get_num_coordinates(geo.geometri.to_numpy()).sum() < 33_000
    vals = pd.DataFrame({"kommunenummer": geo.kommunenummer, "verdi": np.arange(357.0)})
    t = time.perf_counter()
    fig = kart.koropleth(geo, vals, enhet="Synthetic", desimaler=0)
    save_svg(fig, tmp_path / "stor.svg", salt="kapittel/stor")
    plt.close(fig)
    # ~0,2 s here; adding the paths with add_patch (a Python walk over every vertex) takes ~1,3 s
    assert time.perf_counter() - t < 0.8
    assert (tmp_path / "stor.svg").stat().st_size < 1_000_000


def test_zoom_box_shows_only_what_is_in_it(synthetic_geo):
    box = (0, Y0, 80 * KM, Y0 + 80 * KM)
    fig = kart.koropleth(synthetic_geo, synthetic_values(synthetic_geo), klasser=[4, 8, 12], enhet="x",
                         desimaler=0, innfelt=box, innfelt_tittel="Synthetic zoom")
    inn = [a for a in fig.axes if a.get_gid() == "innfelt"]
    assert len(inn) == 1 and inn[0].get_title(loc="left") == "Synthetic zoom"
    xy = np.vstack([p.get_path().vertices for p in _patches(inn[0]).values()])
    assert xy[:, 0].max() <= 80 * KM * 1.03 and xy[:, 1].max() <= Y0 + 80 * KM * 1.03
    plt.close(fig)
    # a box off the map gives no zoom
    fig = kart.koropleth(synthetic_geo, synthetic_values(synthetic_geo), klasser=[4], enhet="x", desimaler=0)
    assert len(fig.axes) == 1
    plt.close(fig)


# --- locator map ------------------------------------------------------------------------------------

def test_locator_highlights_the_kommune_and_rings_a_tiny_one(synthetic_geo):
    fylker = synthetic_fylker(synthetic_geo)
    fig = kart.lokaliser_utsnitt(synthetic_geo, "0299", fylker=fylker)
    oversikt, utsnitt = fig.axes
    p = _patches(utsnitt)
    assert to_hex(p["kommune"].get_facecolor()) == kart.AKSENT.lower()
    ring = [l for l in utsnitt.get_lines() if l.get_gid() == "markor"]
    x, y = _centre(synthetic_geo, "0299")
    assert len(ring) == 1 and np.allclose(ring[0].get_xydata()[0], (x, y))
    # the ring is a visible size (pt) and the same colour as the kommune
    assert ring[0].get_markersize() >= 8 and ring[0].get_markeredgecolor() == kart.AKSENT
    # in the overview, its fylke (02) is darker than the rest of the country, the kommune darker still
    o = _patches(oversikt)
    assert o["fylke"].get_path().contains_point(_centre(synthetic_geo, "0203"))
    assert o["land"].get_path().contains_point(_centre(synthetic_geo, "0103"))
    lum = [style.luminance(to_hex(o[g].get_facecolor())) for g in ("land", "fylke", "kommune")]
    assert lum[0] > lum[1] > lum[2]
    assert style.contrast(kart.AKSENT, kart.FYLKE) >= 3  # WCAG 1.4.11 for graphics
    plt.close(fig)


def test_locator_needs_no_ring_for_a_large_kommune(synthetic_geo):
    fig = kart.lokaliser_utsnitt(synthetic_geo, 201)
    assert not [l for l in fig.axes[1].get_lines() if l.get_gid() == "markor"]
    assert _patches(fig.axes[1])["kommune"].get_path().contains_point(_centre(synthetic_geo, "0201"))
    plt.close(fig)
    with pytest.raises(StatusKommuneError, match="4444"):
        kart.lokaliser_utsnitt(synthetic_geo, "4444")


# --- facts for the alt text, and the loader ---------------------------------------------------------

def test_beskriv_counts_classes_and_names_extremes(synthetic_geo):
    vals = synthetic_values(synthetic_geo)
    navn = {k: ("Synthetic vest" if k.startswith("01") else "Synthetic øst") for k in synthetic_geo.kommunenummer}
    b = kart.beskriv(vals, [4, 8, 12], desimaler=0, alle=list(synthetic_geo.kommunenummer), fylke=navn)
    assert b.per_klasse == {"under 4": 3, "4–8": 4, "8–12": 4, "12 og over": 2}
    assert b.antall == 13 and b.mangler == ["0205"]
    assert b.hoyest[0] == ("0299", 14.0) and b.lavest[:2] == [("0101", 1.0), ("0102", 2.0)]
    assert b.hoyest_fylke == "Synthetic øst" and b.lavest_fylke == "Synthetic vest"
    assert b.fylker.set_index("fylke").loc["Synthetic vest", "antall"] == 7
    # default fylke: the first two digits
    assert kart.beskriv(vals, [4, 8, 12], desimaler=0).hoyest_fylke == "02"


def test_les_geometri_parses_once_per_file_version(tmp_path, synthetic_geo):
    p = tmp_path / "synthetic-kommuner.csv"
    synthetic_geo.assign(geometri=synthetic_geo.geometri.map(shapely.to_wkt)).to_csv(p, index=False)
    a = kart.les_geometri(p)
    assert list(a.columns) == ["kommunenummer", "geometri"] and a.kommunenummer[0] == "0101"
    assert isinstance(a.geometri[0], shapely.Geometry)
    info = kart._les_geometri.cache_info()
    kart.les_geometri(p)
    assert kart._les_geometri.cache_info().hits == info.hits + 1
    # a changed file is read again, and a broken row is named
    text = p.read_text(encoding="utf-8").replace("POLYGON ((200000", "POLYGON ((x", 1)
    p.write_text(text, encoding="utf-8")
    os.utime(p, ns=(1, 1))
    with pytest.raises(StatusKommuneError, match=r"synthetic-kommuner\.csv.*rad \d+ \(0\d{3}\)"):
        kart.les_geometri(p)
    with pytest.raises(StatusKommuneError, match="Fant ikke"):
        kart.les_geometri(tmp_path / "finnes-ikke.csv")


def test_two_panel_locator_frames_the_fylke_and_highlights_the_kommune(synthetic_geo):
    fylker = synthetic_fylker(synthetic_geo)
    fig = kart.lokaliser_utsnitt(synthetic_geo, "0299", fylker=fylker)
    oversikt, utsnitt = fig.axes
    assert fig.get_figwidth() == pytest.approx(6.2)  # the width of a report column, not a full page
    # left: the whole country with a frame round the right panel's area, which holds the fylke
    frame = [a for a in oversikt.get_children() if getattr(a, "get_gid", lambda: None)() == "utsnitt"][0]
    x0, y0 = frame.get_xy()
    x1, y1 = x0 + frame.get_width(), y0 + frame.get_height()
    assert (utsnitt.get_xlim()[0], utsnitt.get_ylim()[0]) == pytest.approx((x0, y0))
    fb = shapely.total_bounds(np.array(list(synthetic_geo.loc[synthetic_geo.kommunenummer.str[:2] == "02", "geometri"])))
    assert x0 <= fb[0] and y0 <= fb[1] and x1 >= fb[2] and y1 >= fb[3]
    # right: the kommune in the house colour, ringed because it is tiny at this scale too
    p = _patches(utsnitt)
    assert to_hex(p["kommune"].get_facecolor()) == kart.AKSENT.lower()
    assert [l for l in utsnitt.get_lines() if l.get_gid() == "markor"]
    plt.close(fig)


def test_small_scale_shapes_drop_skerries_but_keep_the_land():
    """SYNTHETIC: a 100 km square with 200 islands of 100 m; at a 5 km tolerance only the square stays."""
    land = shapely.box(0, 0, 100_000, 100_000)
    skjaer = [shapely.box(110_000 + i * 500, 0, 110_100 + i * 500, 100) for i in range(200)]
    g = np.array([shapely.multipolygons([land, *skjaer])], dtype=object)
    out = kart._forenklet(g, 5000.0)
    assert len(shapely.get_parts(out[0])) == 1
    assert shapely.area(out[0]) == pytest.approx(shapely.area(land), rel=0.01)

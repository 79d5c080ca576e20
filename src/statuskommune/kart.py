"""Maps in the house style: a classed choropleth of the kommuner and a locator map for one kommune.

Geometries come in as ARGUMENTS: a DataFrame with a code column (``kommunenummer``,
``fylkesnummer``) and a ``geometri`` column holding WKT strings or shapely geometries in a
projected CRS in metres (the report uses EPSG:25833, UTM 33N). ``les_geometri`` reads such a
CSV once per file version.

Rules every map keeps (tested in tests/test_kart.py):
- the colour scale is classed, never continuous; a class holds ``[grense_i, grense_i+1)``, the
  first is «under X», the last «X og over», numbers in Norwegian format with an en dash;
- the sequential palette (ColorBrewer YlGnBu, sampled at equal steps of log luminance) gets
  strictly darker class by class, and neighbouring classes differ by at least
  ``MIN_KONTRAST`` (WCAG contrast ratio), so the map reads in greyscale and for colour-blind
  readers; the diverging palette (ColorBrewer RdBu) does the same on each side of its middle
  break and tells the two sides apart by hue;
- a kommune without a value is drawn in a hatched neutral grey and named «Mangler data» in the
  legend, never given a class;
- one artist per class (a compound path), so a map of 357 kommuner stays a small, byte-for-byte
  reproducible SVG (saved by ``chapter.save_svg`` like every chart).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from . import fmt, style
from .errors import StatusKommuneError

GEOMETRI = "geometri"

#: At most this many classes: more cannot be told apart by lightness alone.
MAKS_KLASSER = 7
#: Smallest WCAG contrast ratio between neighbouring classes (tested for 2–7 classes).
MIN_KONTRAST = 1.4

SEKVENSIELL = ("YlGnBu", 0.18, 1.0)         # colormap, lightest and darkest position used
DIVERGERENDE = ("RdBu", 0.40, 0.0, 0.60, 1.0)  # low side light→dark, high side light→dark

MANGLER_FARGE = "#E3E3E3"
MANGLER_SKRAVUR = "#7A7A7A"
SKRAVUR = "//////"
SKRAVUR_BREDDE = 0.45                # pt
KOMMUNEGRENSE = ("#FFFFFF", 0.25)   # colour, line width in pt
FYLKESGRENSE = (style.TEXT, 0.55)   # on a white casing, so it shows on light and dark classes alike
FYLKESGRENSE_KANT = 1.6
LAND = "#E0E0E0"                    # locator map: the country ...
FYLKE = "#B3B3B3"                   # ... the kommune's fylke ...
AKSENT = style.PALETTE[0]           # ... and the kommune itself

#: The dense south-east (Oslo and the kommuner round the Oslofjord), EPSG:25833 metres.
OSLOOMRADET = (195_000.0, 6_545_000.0, 330_000.0, 6_715_000.0)

#: Figure size of the choropleth (inches): the map on the left, legend and zoom on the right.
KART_HOYDE = 5.6


# --- geometry in ---------------------------------------------------------------------------------

def _koder(s, bredde: int | None = None) -> np.ndarray:
    """Codes as strings; digits are zero-padded to ``bredde`` (301 -> "0301")."""
    out = []
    for v in s:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        t = str(v).strip()
        if bredde and t.isdigit() and len(t) < bredde:
            t = t.zfill(bredde)
        out.append(t)
    return np.array(out, dtype=object)


def _bredde(koder) -> int:
    return max((len(str(k).strip()) for k in koder), default=0)


@dataclass
class _Geo:
    koder: np.ndarray       # str codes
    geom: np.ndarray        # shapely geometries
    bredde: int


def _geometrier(geo: pd.DataFrame, kode: str, hva: str = "kartet") -> _Geo:
    for col in (kode, GEOMETRI):
        if col not in geo.columns:
            raise StatusKommuneError(f"Geometrien til {hva} mangler kolonnen «{col}» "
                                     f"(kolonner: {', '.join(map(str, geo.columns))}).")
    raw = geo[kode].tolist()
    bredde = 4 if kode == "kommunenummer" else 2 if kode == "fylkesnummer" else _bredde(raw)
    koder = _koder(raw, bredde)
    dup = sorted(set(pd.Series(koder)[pd.Series(koder).duplicated()]))
    if dup:
        raise StatusKommuneError(f"Geometrien til {hva} har {kode} {', '.join(dup)} mer enn én gang.")
    verdier = geo[GEOMETRI].to_numpy(dtype=object)
    geom = np.empty(len(verdier), dtype=object)
    er_tekst = np.array([isinstance(v, str) for v in verdier], dtype=bool)
    if er_tekst.any():
        geom[er_tekst] = shapely.from_wkt(verdier[er_tekst].astype(str), on_invalid="ignore")
    geom[~er_tekst] = [v if isinstance(v, shapely.Geometry) else None for v in verdier[~er_tekst]]
    feil = [k for k, g in zip(koder, geom) if g is None or shapely.is_empty(g)]
    if feil:
        raise StatusKommuneError(f"Geometrien til {hva}: {kode} {', '.join(feil[:10])}"
                                 f"{' …' if len(feil) > 10 else ''} har ingen gyldig geometri (WKT).")
    return _Geo(koder, geom, bredde)


def les_geometri(csv_path: str | Path, kode: str | None = None) -> pd.DataFrame:
    """Read a geometry CSV (a code column and ``geometri`` as WKT) into a DataFrame whose
    ``geometri`` holds shapely geometries. Parsed once per file version (path, mtime, size)."""
    p = Path(csv_path).resolve()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise StatusKommuneError(f"Fant ikke kartfilen {csv_path}.") from None
    return _les_geometri(str(p), st.st_mtime_ns, st.st_size, kode).copy()


@lru_cache(maxsize=8)
def _les_geometri(path: str, mtime_ns: int, size: int, kode: str | None) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    kode = kode or next((c for c in df.columns if c != GEOMETRI), None)
    if kode is None or GEOMETRI not in df.columns:
        raise StatusKommuneError(f"Kartfilen {path} må ha en kodekolonne og kolonnen «{GEOMETRI}».")
    geom = shapely.from_wkt(df[GEOMETRI].to_numpy(dtype=object), on_invalid="ignore")
    bad = [f"rad {i + 2} ({df[kode].iat[i]})" for i in np.flatnonzero(pd.isna(geom))]
    if bad:
        raise StatusKommuneError(f"Kartfilen {path}: ugyldig eller tom WKT i {', '.join(bad[:10])}.")
    out = pd.DataFrame({kode: df[kode].to_numpy(dtype=object), GEOMETRI: geom})
    return out


def _sti(geoms) -> MplPath:
    """One compound matplotlib path for all polygons in ``geoms`` (holes kept: exteriors run
    counter-clockwise and holes clockwise, so the non-zero fill rule leaves enclaves open)."""
    g = np.asarray(list(geoms), dtype=object)
    if not len(g):
        return MplPath(np.zeros((0, 2)))
    g = shapely.orient_polygons(g)
    parts = shapely.get_parts(g)
    parts = parts[shapely.get_type_id(parts) == 3]  # polygons only
    rings = shapely.get_rings(parts)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    if not len(xy):
        return MplPath(np.zeros((0, 2)))
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    new = np.r_[True, idx[1:] != idx[:-1]]
    last = np.r_[idx[1:] != idx[:-1], True]
    codes[new] = MplPath.MOVETO
    codes[last] = MplPath.CLOSEPOLY
    return MplPath(xy, codes)


def _delte_segmenter(geoms) -> np.ndarray:
    """The segments two of ``geoms`` share (their common borders, not the coast), each once,
    in ring order, as rows (x0, y0, x1, y1). Assumes a shared topology (neighbours have the same
    vertices along their border), as in a coverage simplified as a whole."""
    g = np.asarray(list(geoms), dtype=object)
    parts, pidx = shapely.get_parts(g, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    rings, ridx = shapely.get_rings(parts[poly], return_index=True)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return np.zeros((0, 4))
    eier = pidx[poly][ridx][idx]                  # which geometry each vertex belongs to
    inne = idx[1:] == idx[:-1]                    # vertex j -> j+1 within one ring
    seg = np.column_stack([xy[:-1], xy[1:]])[inne]
    eier = eier[:-1][inne]
    a, b = np.round(seg[:, :2], 2), np.round(seg[:, 2:], 2)
    snu = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    nokkel = np.column_stack([np.where(snu[:, None], b, a), np.where(snu[:, None], a, b)])
    _, first, inv, n = np.unique(nokkel, axis=0, return_index=True, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    # shared by two different geometries; keep the copy that comes first
    andre = np.zeros(len(first), bool)
    np.logical_or.at(andre, inv, eier != eier[first[inv]])
    keep = np.zeros(len(seg), bool)
    keep[first[andre & (n > 1)]] = True
    return seg[keep]


def _segment_sti(seg: np.ndarray) -> MplPath:
    """Segments as one path; consecutive segments that meet are joined into one line."""
    if not len(seg):
        return MplPath(np.zeros((0, 2)))
    start = np.r_[True, np.any(seg[1:, :2] != seg[:-1, 2:], axis=1)]
    n = len(seg) + int(start.sum())
    xy = np.empty((n, 2))
    codes = np.full(n, MplPath.LINETO, dtype=MplPath.code_type)
    pos = np.arange(len(seg)) + np.cumsum(start)    # where each segment's end point goes
    xy[pos] = seg[:, 2:]
    xy[pos[start] - 1] = seg[start, :2]
    codes[pos[start] - 1] = MplPath.MOVETO
    return MplPath(xy, codes)


def _linjer(geoms) -> MplPath:
    """All boundaries of ``geoms`` as open lines."""
    g = np.asarray(list(geoms), dtype=object)
    parts = shapely.get_parts(g)
    rings = shapely.get_rings(parts[shapely.get_type_id(parts) == 3])
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
    codes[np.r_[True, idx[1:] != idx[:-1]]] = MplPath.MOVETO
    return MplPath(xy, codes)


def _fylkesgrenser(f: "_Geo") -> np.ndarray | MplPath:
    """The borders between fylker (segments), or all their boundaries when the layer has no
    shared topology (then the coast is drawn too)."""
    seg = _delte_segmenter(f.geom)
    return seg if len(seg) or len(f.geom) < 2 else _linjer(f.geom)


# --- classes ---------------------------------------------------------------------------------------

def _round_half_up(x: np.ndarray, step: float) -> np.ndarray:
    q = np.asarray(x, dtype=float) / step
    return np.sign(q) * np.floor(np.abs(q) + 0.5) * step


def _steg(spenn: float, min_steg: float | None) -> list[float]:
    """Candidate rounding steps, coarsest first: 5, 2,5, 2, 1 × 10^e."""
    top = math.floor(math.log10(spenn)) if spenn > 0 else 0
    out = []
    for e in range(top, top - 7, -1):
        for m in (5, 2.5, 2, 1):
            s = m * 10.0 ** e
            if min_steg is not None and s < min_steg - 1e-12:
                continue
            # 2,5 needs one more decimal than its decade: skip it when that is not allowed
            if min_steg is not None and m == 2.5 and 0.5 * 10.0 ** e < min_steg - 1e-12:
                continue
            out.append(s)
    return out or ([min_steg] if min_steg else [1.0])


def _counts(v: np.ndarray, grenser) -> np.ndarray:
    return np.bincount(np.digitize(v, grenser), minlength=len(grenser) + 1)


def _brudd(v: np.ndarray, n: int, lo: float, hi: float, min_steg: float | None,
           streng: bool = True) -> list[float]:
    """``n - 1`` inner breaks for sorted ``v``, strictly between ``lo`` and ``hi`` (may be ±inf).

    Each break is its quantile rounded to the coarsest step that works. ``streng``: every break
    stays within half the gap to the neighbouring quantiles. Otherwise (many equal values, e.g.
    half the kommuner at 0) a break that would leave a class empty moves up to the first step
    above the next value, so the tied values share one class."""
    if n <= 1 or len(v) == 0:
        return []
    qs = np.quantile(v, np.arange(1, n) / n)
    ends = np.r_[max(lo, v[0]), qs, min(hi, v[-1])]
    tol = 0.5 * np.minimum(np.diff(ends)[:-1], np.diff(ends)[1:])
    spenn = float(np.ptp(qs)) or float(np.ptp(v)) or abs(float(qs[0])) or 1.0
    for step in _steg(spenn, min_steg):
        b = list(_round_half_up(qs, step) + 0.0)  # + 0.0: no −0
        prev = lo
        for i in range(len(b)):
            if not streng and not np.any((v >= prev) & (v < b[i])):
                rest = v[v >= prev]
                if not len(rest):
                    break
                b[i] = float(np.floor(rest[0] / step + 1) * step) + 0.0
            prev = b[i]
        b = np.asarray(b)
        if len(b) != n - 1 or np.any(np.diff(b) <= 0) or b[0] <= lo or b[-1] >= hi:
            continue
        if streng and np.any(np.abs(b - qs) > np.maximum(tol, 1e-12)):
            continue
        edges = np.r_[lo, b, hi]
        if any(not np.any((v >= x) & (v < z)) for x, z in zip(edges[:-1], edges[1:])):
            continue
        return [round(float(x), 10) + 0.0 for x in b]  # no float noise (0.15, not 0.15000000000000002)
    return []


def _brudd_beste(v, n, lo, hi, min_steg) -> list[float]:
    """``n`` classes if the data allow it (strict, then relaxed), else fewer."""
    for k in range(n, 1, -1):
        for streng in (True, False):
            b = _brudd(v, k, lo, hi, min_steg, streng)
            if b:
                return b
    return []


def klassegrenser(verdier, n: int = 5, *, desimaler: int | None = None,
                  midt: float | None = None) -> list[float]:
    """Class breaks for ``n`` classes: quantiles rounded to nice numbers (multiples of
    5, 2,5, 2 or 1 × 10^k, the coarsest that keeps each break near its quantile, the breaks
    strictly increasing and every class non-empty). ``desimaler`` forbids breaks finer than
    the legend can show. With ``midt`` (e.g. 0 for signed values) the middle value is a break
    and each side gets classes in proportion to its values. Returns ``n - 1`` breaks, or fewer
    when the data have too few distinct values for ``n`` non-empty classes.
    """
    if not 2 <= n <= MAKS_KLASSER:
        raise StatusKommuneError(f"Antall klasser må være mellom 2 og {MAKS_KLASSER} (fikk {n}).")
    v = pd.to_numeric(pd.Series(list(verdier), dtype=object), errors="coerce").to_numpy(dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if len(v) == 0:
        raise StatusKommuneError("Klassegrenser: ingen verdier å dele inn i klasser.")
    min_steg = 10.0 ** -desimaler if desimaler is not None else None
    if midt is not None:
        # the middle is always a break (a side without values keeps one, empty, class)
        lav, hoy = v[v < midt], v[v >= midt]
        n_lav = int(min(max(round(n * len(lav) / len(v)), 1), n - 1))
        return (_brudd_beste(lav, n_lav, -math.inf, midt, min_steg) + [float(midt)]
                + _brudd_beste(hoy, n - n_lav, midt, math.inf, min_steg))
    b = _brudd_beste(v, n, -math.inf, math.inf, min_steg)
    if b or v[0] == v[-1]:
        return b
    return [float(v[-1])]  # two distinct values that no step tells apart: the top one alone


def klasse_tekster(grenser, desimaler: int, enhet: str | None = None) -> list[str]:
    """Legend texts for the ``len(grenser) + 1`` classes: «under 1,00», «1,00–1,05», …,
    «1,10 og over». Ranges with an en dash («−10–0»); two negative ends are joined by «til»
    («−10 til −5»), where a dash between minus signs would be misread. ``enhet`` (e.g. «%»)
    is added after each text."""
    g = [float(x) for x in grenser]
    if not g:
        raise StatusKommuneError("Klassetekster: ingen klassegrenser.")
    if any(b <= a for a, b in zip(g, g[1:])):
        raise StatusKommuneError(f"Klassegrensene må øke: {g}.")
    t = [fmt.tall(x, desimaler) for x in g]
    like = [f"{a} og {b}" for a, b in zip(t, t[1:]) if a == b]
    if like:
        raise StatusKommuneError(f"Klassegrensene kan ikke skilles med {desimaler} desimaler "
                                 f"({', '.join(like)} blir like); bruk flere desimaler.")
    out = [f"under {t[0]}"]
    for (a, ta), (b, tb) in zip(zip(g, t), zip(g[1:], t[1:])):
        out.append(f"{ta} til {tb}" if b < 0 else f"{ta}{fmt.EN_DASH}{tb}")
    out.append(f"{t[-1]} og over")
    if enhet:
        out = [f"{s}{fmt.NBSP}{enhet}" for s in out]
    return out


def klasse(verdier, grenser) -> np.ndarray:
    """Class index per value (0 = «under» the first break); -1 for a missing value."""
    v = pd.to_numeric(pd.Series(list(verdier), dtype=object), errors="coerce").to_numpy(dtype=float)
    k = np.digitize(v, np.asarray(grenser, dtype=float))
    k[~np.isfinite(v)] = -1
    return k


# --- colours ---------------------------------------------------------------------------------------

def _log_lum(c: str) -> float:
    return math.log(style.luminance(c) + 0.05)


def _utvalg(cmap: str, t_lys: float, t_mork: float, n: int) -> list[str]:
    """``n`` colours of ``cmap`` between two positions, light to dark, at equal steps of log
    luminance (so every neighbouring pair has the same contrast ratio)."""
    cm = matplotlib.colormaps[cmap]
    t = np.linspace(t_lys, t_mork, 801)
    L = np.array([_log_lum(to_hex(cm(x))) for x in t])
    L = np.minimum.accumulate(L)  # monotone for the interpolation
    maal = np.linspace(L[0], L[-1], n + 2)[1:-1] if n == 1 else np.linspace(L[0], L[-1], n)
    ts = np.interp(-maal, -L, t)
    return [to_hex(cm(x)) for x in ts]


def klassefarger(grenser, palett: str = "sekvensiell", midt: float = 0.0) -> list[str]:
    """One colour per class (``len(grenser) + 1``), lowest class first.

    ``sekvensiell``: light to dark. ``divergerende``: ``midt`` must be a break; classes below it
    are red, darker the further down, classes above it blue, darker the further up; both sides
    use the same lightness steps, so equal distance from the middle looks equally strong."""
    n = len(grenser) + 1
    if n > MAKS_KLASSER + 1 or (palett == "sekvensiell" and n > MAKS_KLASSER):
        raise StatusKommuneError(f"For mange klasser ({n}); høyst {MAKS_KLASSER} kan skilles i gråtoner.")
    if palett == "sekvensiell":
        cmap, t0, t1 = SEKVENSIELL
        return _utvalg(cmap, t0, t1, n)
    if palett == "divergerende":
        g = [float(x) for x in grenser]
        if float(midt) not in g:
            raise StatusKommuneError(f"Divergerende palett: {fmt.tall(midt, 0)} må være en klassegrense "
                                     f"(grenser: {', '.join(fmt.tall(x, 2) for x in g)}).")
        n_lav = g.index(float(midt)) + 1
        n_hoy = n - n_lav
        m = max(n_lav, n_hoy)
        cmap, a0, a1, b0, b1 = DIVERGERENDE
        lav = _utvalg(cmap, a0, a1, m)[:n_lav][::-1]  # darkest (lowest values) first
        hoy = _utvalg(cmap, b0, b1, m)[:n_hoy]
        return lav + hoy
    raise StatusKommuneError(f"Ukjent palett «{palett}» (bruk «sekvensiell» eller «divergerende»).")


# --- drawing -------------------------------------------------------------------------------------

def _verdiserie(verdier, kode: str, verdi: str | None, bredde: int) -> pd.Series:
    if isinstance(verdier, pd.DataFrame):
        col = verdi or next((c for c in verdier.columns if c != kode), None)
        if kode not in verdier.columns or col not in verdier.columns:
            raise StatusKommuneError(f"Verdiene må ha kolonnene «{kode}» og «{col}» "
                                     f"(har {', '.join(map(str, verdier.columns))}).")
        s = pd.Series(verdier[col].to_numpy(), index=verdier[kode].to_numpy())
    elif isinstance(verdier, pd.Series):
        s = verdier
    elif isinstance(verdier, Mapping):
        s = pd.Series(dict(verdier))
    else:
        raise StatusKommuneError("Verdiene må være en DataFrame, en Series eller en ordbok kode → verdi.")
    s = pd.Series(pd.to_numeric(pd.Series(s.to_numpy(), dtype=object), errors="coerce").to_numpy(dtype=float),
                  index=_koder(s.index, bredde))
    dup = sorted(set(s.index[s.index.duplicated()]))
    if dup:
        raise StatusKommuneError(f"Verdiene har {kode} {', '.join(dup)} mer enn én gang.")
    return s


def _axes_map(fig: Figure, rect, bounds, pad: float = 0.01) -> plt.Axes:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="box", anchor="W")
    x0, y0, x1, y1 = bounds
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    ax.set_xlim(x0 - px, x1 + px)
    ax.set_ylim(y0 - py, y1 + py)
    return ax


def _legg_til(ax, path: MplPath, **kw) -> PathPatch:
    """Add one compound path as one artist. ``add_artist``, not ``add_patch``: the limits are set
    from the geometry's bounds, and ``add_patch`` would walk every vertex in Python to find them."""
    kw.setdefault("joinstyle", "round")
    p = PathPatch(path, **kw)
    ax.add_artist(p)
    return p


def _tegn_klasser(ax, geom: np.ndarray, k: np.ndarray, farger: list[str]) -> None:
    col, lw = KOMMUNEGRENSE
    for i, c in enumerate(farger):
        m = k == i
        if m.any():
            _legg_til(ax, _sti(geom[m]), facecolor=c, edgecolor=col, linewidth=lw, gid=f"klasse-{i + 1}",
                      zorder=2)
    m = k < 0
    if m.any():
        p = _legg_til(ax, _sti(geom[m]), facecolor=MANGLER_FARGE, edgecolor=col, hatch=SKRAVUR,
                      hatchcolor=MANGLER_SKRAVUR, linewidth=lw, gid="mangler-data", zorder=2)
        p.set_hatch_linewidth(SKRAVUR_BREDDE)


def _tegn_fylker(ax, grenser, farge=None, bredde=None, kant: bool = True) -> None:
    if grenser is None:
        return
    c, lw = FYLKESGRENSE
    path = grenser if isinstance(grenser, MplPath) else _segment_sti(grenser)
    if len(path.vertices):
        pe = [patheffects.Stroke(linewidth=FYLKESGRENSE_KANT, foreground="#FFFFFF"), patheffects.Normal()]
        _legg_til(ax, path, facecolor="none", edgecolor=farge or c, linewidth=bredde or lw,
                  gid="fylkesgrenser", zorder=3, capstyle="round", path_effects=pe if kant else None)


def koropleth(geo: pd.DataFrame, verdier, *, kode: str = "kommunenummer", verdi: str | None = None,
              klasser=None, n_klasser: int = 5, enhet: str, desimaler: int,
              palett: str = "sekvensiell", midt: float = 0.0, fylker: pd.DataFrame | None = None,
              fylkeskode: str = "fylkesnummer", mangler_tekst: str = "Mangler data",
              innfelt: tuple[float, float, float, float] | None = OSLOOMRADET,
              innfelt_tittel: str = "Osloområdet", hoyde: float = KART_HOYDE) -> Figure:
    """A classed choropleth of the kommuner in ``geo``, coloured by ``verdier``.

    ``verdier``: a DataFrame with ``kode`` and ``verdi`` columns (default: the other column),
    a Series indexed by code, or a dict. Codes may be ints (301 is «0301»). A value for a code
    that is not on the map is an error (a kommune of another year's division would vanish).
    ``klasser``: the breaks; default quantile breaks (``klassegrenser``) for ``n_klasser``
    classes, around ``midt`` for ``palett="divergerende"``. ``enhet`` is the legend title.
    ``innfelt``: a box (EPSG:25833 metres) drawn enlarged beside the map; None for none.
    """
    style.apply_style()
    g = _geometrier(geo, kode)
    f = _geometrier(fylker, fylkeskode, "fylkene") if fylker is not None else None
    s = _verdiserie(verdier, kode, verdi, g.bredde)
    ukjent = sorted(set(s.index) - set(g.koder))
    if ukjent:
        raise StatusKommuneError(f"Verdiene har {kode} som ikke finnes i kartet: {', '.join(ukjent[:10])}"
                                 f"{' …' if len(ukjent) > 10 else ''}. Bruker data og kart samme inndeling?")
    v = s.reindex(g.koder).to_numpy(dtype=float)
    if klasser is None:
        klasser = klassegrenser(v, n_klasser, desimaler=desimaler,
                                midt=midt if palett == "divergerende" else None)
    grenser = [float(x) for x in klasser]
    tekster = klasse_tekster(grenser, desimaler)
    farger = klassefarger(grenser, palett, midt)
    k = klasse(v, grenser)

    bounds = tuple(shapely.total_bounds(g.geom))
    bx, by = bounds[2] - bounds[0], bounds[3] - bounds[1]
    map_w = hoyde * bx / by
    side = 1.75  # the legend and zoom column, inches
    fig = plt.figure(figsize=(map_w + side, hoyde))
    W = map_w + side
    ax = _axes_map(fig, [0, 0, map_w / W, 1], bounds)
    _tegn_klasser(ax, g.geom, k, farger)
    fg = _fylkesgrenser(f) if f is not None else None
    _tegn_fylker(ax, fg)

    handles = [Patch(facecolor=c, edgecolor=style.TEXT_MUTED, linewidth=0.4, label=t)
               for c, t in zip(farger, tekster)]
    if (k < 0).any():
        handles.append(Patch(facecolor=MANGLER_FARGE, edgecolor=style.TEXT_MUTED, hatch="/////",
                             hatchcolor=MANGLER_SKRAVUR, linewidth=0.4, label=mangler_tekst))
    base = style.SIZES["print"]["base_pt"]
    with matplotlib.rc_context({"hatch.linewidth": SKRAVUR_BREDDE}):  # the legend copies the handles
        leg = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(map_w / W + 0.01, 0.99),
                         title=fmt.typografi(enhet), alignment="left", handlelength=1.6, handleheight=1.1,
                         borderaxespad=0, borderpad=0, fontsize=base, title_fontproperties={"size": base},
                         labelspacing=0.45)
    leg.set_gid("tegnforklaring")

    if innfelt is not None:
        _innfelt(fig, ax, g, k, farger, fg, innfelt, innfelt_tittel, (map_w / W, side / W), bounds)
    return fig


def _innfelt(fig, ax, g: _Geo, k, farger, fg, box, tittel, col, bounds) -> None:
    """An enlarged view of ``box`` in the right-hand column, its outline drawn on the map."""
    x0, y0, x1, y1 = box
    # only if the box lies on this map and is small enough to be worth enlarging
    if not (bounds[0] < x1 and x0 < bounds[2] and bounds[1] < y1 and y0 < bounds[3]):
        return
    if (x1 - x0) * (y1 - y0) > 0.1 * (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]):
        return
    # only what is inside the box, cut at a margin just outside it (keeps the SVG small)
    mx, my = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    velg = shapely.intersects(g.geom, shapely.box(x0, y0, x1, y1))
    if not velg.any():
        return
    utsnitt = shapely.clip_by_rect(g.geom[velg], x0 - mx, y0 - my, x1 + mx, y1 + my)
    left, width = col[0] + 0.02 * col[1], 0.96 * col[1]
    fw, fh = fig.get_size_inches()
    h = width * fw * (y1 - y0) / (x1 - x0) / fh
    inn = fig.add_axes([left, 0.0, width, h])
    inn.set_xlim(x0, x1)
    inn.set_ylim(y0, y1)
    inn.set_aspect("equal", adjustable="box", anchor="SW")
    inn.set_xticks([])
    inn.set_yticks([])
    for sp in inn.spines.values():
        sp.set_visible(True)
        sp.set_color(style.TEXT_MUTED)
        sp.set_linewidth(0.6)
    inn.set_gid("innfelt")
    _tegn_klasser(inn, utsnitt, k[velg], farger)
    if isinstance(fg, np.ndarray):
        inne = ((fg[:, [0, 2]] > x0 - mx) & (fg[:, [0, 2]] < x1 + mx)
                & (fg[:, [1, 3]] > y0 - my) & (fg[:, [1, 3]] < y1 + my)).any(axis=1)
        _tegn_fylker(inn, fg[inne])
    else:
        _tegn_fylker(inn, fg)
    inn.set_title(tittel, loc="left", fontsize=style.SIZES["print"]["base_pt"], color=style.TEXT, pad=3)
    ax.add_artist(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor=style.TEXT,
                           linewidth=0.6, zorder=4, gid="innfelt-ramme"))


def _forenklet(geoms: np.ndarray, toleranse: float) -> np.ndarray:
    """Shapes as they can be seen at a small scale: simplified by ``toleranse`` metres and without
    the islands smaller than a square of that side (thousands of skerries make most of an SVG)."""
    ut = []
    for g in shapely.simplify(geoms, toleranse):
        deler = shapely.get_parts(g)
        store = deler[shapely.area(deler) >= toleranse * toleranse]
        ut.append(shapely.multipolygons(store) if len(store) else g)
    return np.array(ut, dtype=object)


def lokaliser_utsnitt(geo: pd.DataFrame, kommunenummer, *, kode: str = "kommunenummer",
                      fylker: pd.DataFrame | None = None, fylkeskode: str = "fylkesnummer",
                      bredde: float = 6.2, hoyde: float = 3.6, minste_pt: float = 7.0) -> Figure:
    """A locator map in two panels that fits the width of a report column: on the left the whole
    country with the kommune's fylke and a frame round the area of the right panel; on the right
    the fylke, with its kommuner and the kommune highlighted (with a ring when it is small)."""
    style.apply_style()
    g = _geometrier(geo, kode)
    f = _geometrier(fylker, fylkeskode, "fylkene") if fylker is not None else None
    nr = str(_koder([kommunenummer], g.bredde)[0])
    if nr not in set(g.koder):
        raise StatusKommuneError(f"Lokaliseringskart: {kode} {nr} finnes ikke i kartet.")
    er = g.koder == nr
    i_fylket = np.array([str(c)[:2] == nr[:2] for c in g.koder])
    land_b = tuple(shapely.total_bounds(g.geom))
    lx, ly = land_b[2] - land_b[0], land_b[3] - land_b[1]
    venstre = min(0.42, hoyde * lx / ly / bredde * 1.02)
    fig = plt.figure(figsize=(bredde, hoyde))
    # left: the country
    ax = _axes_map(fig, [0, 0, venstre, 1], land_b, pad=0.02)
    # The overview is a few centimetres wide: detail finer than half a point cannot be seen, so
    # the shapes are simplified (a smaller SVG, faster to write).
    grov = max(ly / (hoyde * 72), lx / (venstre * bredde * 72)) * 0.5  # half a point at this scale
    if f is not None and (f.koder == nr[:2]).any():
        lag = ((f.geom[f.koder != nr[:2]], LAND, "land"), (f.geom[f.koder == nr[:2]], FYLKE, "fylke"))
    else:
        lag = ((g.geom[~i_fylket], LAND, "land"), (g.geom[i_fylket], FYLKE, "fylke"))
    for geom, c, gid in lag:
        if len(geom):
            _legg_til(ax, _sti(_forenklet(geom, grov)), facecolor=c, edgecolor=c, linewidth=0.3, gid=gid, zorder=1)
    _legg_til(ax, _sti(g.geom[er]), facecolor=AKSENT, edgecolor=AKSENT, linewidth=0.3, gid="kommune", zorder=3)
    fb = shapely.total_bounds(g.geom[i_fylket])
    fx, fy = fb[2] - fb[0], fb[3] - fb[1]
    # the right panel's area, with the panel's aspect ratio, centred on the fylke
    høyre_b = [venstre + 0.03, 0.0, 1 - venstre - 0.03, 1.0]
    asp = (høyre_b[2] * bredde) / (høyre_b[3] * hoyde)
    w = max(fx * 1.08, fy * 1.08 * asp)
    h = w / asp
    cx, cy = (fb[0] + fb[2]) / 2, (fb[1] + fb[3]) / 2
    box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    ax.add_artist(Rectangle((box[0], box[1]), w, h, fill=False, edgecolor=style.TEXT, linewidth=0.8,
                            zorder=5, gid="utsnitt"))
    # right: the fylke and its surroundings
    ax2 = _axes_map(fig, høyre_b, box, pad=0.0)
    ax2.set_aspect("equal", adjustable="box", anchor="C")
    # half a point at the panel's scale: simplification that cannot be seen, but halves the SVG
    fin = w / (høyre_b[2] * bredde * 72) * 0.5
    synlig = shapely.intersects(g.geom, shapely.box(*box))
    andre = synlig & ~i_fylket
    if andre.any():  # only the part inside the panel is drawn (a smaller SVG)
        klipp = _forenklet(shapely.clip_by_rect(g.geom[andre], *box), fin)
        _legg_til(ax2, _sti(klipp[~shapely.is_empty(klipp)]), facecolor=LAND, edgecolor="#FFFFFF", linewidth=0.4,
                  gid="andre", zorder=1)
    naboer = i_fylket & ~er
    if naboer.any():
        _legg_til(ax2, _sti(_forenklet(g.geom[naboer], fin)), facecolor=FYLKE, edgecolor="#FFFFFF", linewidth=0.5, gid="fylke", zorder=2)
    mål = g.geom[er][0]
    _legg_til(ax2, _sti([mål]), facecolor=AKSENT, edgecolor="#FFFFFF", linewidth=0.8, gid="kommune", zorder=4)
    pt_per_m = høyre_b[2] * bredde * 72 / w
    diameter_pt = 2 * math.sqrt(shapely.area(mål) / math.pi) * pt_per_m
    if diameter_pt < minste_pt:
        p = shapely.point_on_surface(mål)
        ax2.plot([p.x], [p.y], marker="o", markersize=11, markerfacecolor="none", markeredgecolor=AKSENT,
                 markeredgewidth=1.8, linestyle="none", zorder=5, gid="markor", clip_on=False,
                 path_effects=[patheffects.withStroke(linewidth=3.4, foreground="#FFFFFF")])
    return fig


def oversikt(geo: pd.DataFrame, *, kode: str = "kommunenummer", fylker: pd.DataFrame | None = None,
             fylkeskode: str = "fylkesnummer", hoyde: float = 6.0) -> Figure:
    """An overview map of all kommuner (light fill, white kommune borders, dark fylke borders):
    the picture on the index of kommune editions."""
    style.apply_style()
    g = _geometrier(geo, kode)
    bounds = tuple(shapely.total_bounds(g.geom))
    bx, by = bounds[2] - bounds[0], bounds[3] - bounds[1]
    fig = plt.figure(figsize=(hoyde * bx / by, hoyde))
    ax = _axes_map(fig, [0, 0, 1, 1], bounds, pad=0.01)
    _legg_til(ax, _sti(g.geom), facecolor=FYLKE, edgecolor="#FFFFFF", linewidth=0.25, gid="kommuner", zorder=1)
    if fylker is not None:
        _tegn_fylker(ax, _fylkesgrenser(_geometrier(fylker, fylkeskode, "fylkene")))
    return fig


# --- facts for the alt text -----------------------------------------------------------------------

@dataclass(frozen=True)
class Beskrivelse:
    """Facts a notebook needs for a map's alt text (it writes the sentence itself)."""
    antall: int                              # kommuner with a value
    mangler: list[str]                       # codes on the map without a value
    per_klasse: dict[str, int]               # class text -> number of kommuner, lowest class first
    hoyest: list[tuple[str, float]]          # (code, value), highest first
    lavest: list[tuple[str, float]]          # (code, value), lowest first
    fylker: pd.DataFrame = field(repr=False)  # fylke, median, antall; highest median first

    @property
    def hoyest_fylke(self) -> str | None:
        return None if self.fylker.empty else str(self.fylker["fylke"].iat[0])

    @property
    def lavest_fylke(self) -> str | None:
        return None if self.fylker.empty else str(self.fylker["fylke"].iat[-1])


def beskriv(verdier, grenser, *, desimaler: int, kode: str = "kommunenummer", verdi: str | None = None,
            alle: list | None = None, fylke: Mapping | None = None, n: int = 3,
            enhet: str | None = None) -> Beskrivelse:
    """Counts per class, the ``n`` highest and lowest kommuner, and the fylke medians.

    ``alle``: every code on the map (then ``mangler`` lists those without a value).
    ``fylke``: code -> fylke name; default the kommunenummer's first two digits. Ties are
    ordered by code, so the result is the same on every run."""
    bredde = 4 if kode == "kommunenummer" else 0
    s = _verdiserie(verdier, kode, verdi, bredde)
    alle_k = list(_koder(alle, bredde)) if alle is not None else list(s.index)
    s = s.reindex(sorted(set(alle_k) | set(s.index)))
    har = s.dropna()
    tekster = klasse_tekster(grenser, desimaler, enhet)
    counts = np.bincount(np.digitize(har.to_numpy(), np.asarray(grenser, float)), minlength=len(tekster))
    df = pd.DataFrame({"kode": har.index.astype(str), "v": har.to_numpy()})
    ned = df.sort_values(["v", "kode"], ascending=[False, True])
    opp = df.sort_values(["v", "kode"], ascending=[True, True])
    if fylke is None:
        df["fylke"] = [k[:2] for k in df["kode"]]
    else:
        fk = {str(_koder([a], bredde)[0]): b for a, b in dict(fylke).items()}
        df["fylke"] = [fk.get(k) for k in df["kode"]]
        ukjent = df.loc[df["fylke"].isna(), "kode"].tolist()
        if ukjent:
            raise StatusKommuneError(f"Fylkestabellen mangler {kode} {', '.join(ukjent[:10])}.")
    fy = (df.groupby("fylke", sort=True)["v"].agg(median="median", antall="size").reset_index()
          .sort_values(["median", "fylke"], ascending=[False, True]).reset_index(drop=True))
    return Beskrivelse(
        antall=len(har),
        mangler=[k for k in s.index[s.isna()] if k in set(alle_k)],
        per_klasse=dict(zip(tekster, (int(c) for c in counts))),
        hoyest=list(zip(ned["kode"].head(n), ned["v"].head(n).astype(float))),
        lavest=list(zip(opp["kode"].head(n), opp["v"].head(n).astype(float))),
        fylker=fy,
    )

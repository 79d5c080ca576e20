"""The house style for figures: one declarative unit. Notebooks call ``apply_style()`` once
and never set colours, fonts or sizes themselves.

Palette: the UK Government Analysis Function's accessible categorical palette ("main6"),
chosen because every colour has at least 3:1 contrast against white (WCAG 2.1, SC 1.4.11)
and neighbouring colours keep 3:1 against each other, so stacked bars stay readable.
Lines also carry markers and dash styles, so no series is told apart by colour alone (SC 1.4.1).
Font: Source Sans Pro (SIL OFL 1.1) from the PyPI package ``font-source-sans-pro``; the same
files are used by matplotlib (SVG), typst (PDF) and the HTML pages (served locally).
"""

from __future__ import annotations

from pathlib import Path

BACKGROUND = "#FFFFFF"
TEXT = "#1A1A1A"          # body text, 17:1 on white
TEXT_MUTED = "#595959"    # axes, ticks, notes: 7:1 on white
GRID = "#D9D9D9"          # decorative only (not required to carry information)

#: Series colours in the order they are used.
PALETTE: list[str] = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
#: Marker and dash per series position (same order as PALETTE).
MARKERS: list[str] = ["o", "s", "D", "^", "v", "P"]
DASHES: list = ["-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 1)), (0, (8, 3))]
#: A highlight colour for a reference line (e.g. a recommended level).
REFERENCE = "#3D3D3D"

FONT_FAMILY = "Source Sans Pro"

#: Figure sizes in inches. One SVG serves the web page (scaled to the column) and the
#: PDF (16 cm text width); "print" is the size drawn, "screen" the CSS max width in px.
SIZES = {
    "print": {"width_in": 6.3, "height_in": 3.6, "base_pt": 9.5},
    "screen": {"max_width_px": 760},
}

CM = 1 / 2.54


def font_dir() -> Path:
    import font_source_sans_pro

    return Path(font_source_sans_pro.__file__).resolve().parent / "files"


def font_files() -> dict[str, Path]:
    d = font_dir()
    return {
        "regular": d / "SourceSansPro-Regular.ttf",
        "italic": d / "SourceSansPro-It.ttf",
        "semibold": d / "SourceSansPro-Semibold.ttf",
        "bold": d / "SourceSansPro-Bold.ttf",
        "license": d / "LICENSE.txt",
    }


def rc_params() -> dict:
    s = SIZES["print"]
    base = s["base_pt"]
    return {
        "figure.figsize": (s["width_in"], s["height_in"]),
        "figure.dpi": 100,
        "figure.facecolor": BACKGROUND,
        "savefig.facecolor": BACKGROUND,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.05,
        "font.family": FONT_FAMILY,
        "font.size": base,
        "text.color": TEXT,
        "axes.titlesize": base + 1,
        "axes.labelsize": base,
        "axes.labelcolor": TEXT_MUTED,
        "axes.edgecolor": TEXT_MUTED,
        "axes.linewidth": 0.8,
        "axes.facecolor": BACKGROUND,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "axes.unicode_minus": True,
        "axes.prop_cycle": __import__("cycler").cycler(color=PALETTE),
        "grid.color": GRID,
        "grid.linewidth": 0.6,
        "xtick.color": TEXT_MUTED,
        "ytick.color": TEXT_MUTED,
        "xtick.labelcolor": TEXT,
        "ytick.labelcolor": TEXT,
        "xtick.labelsize": base,
        "ytick.labelsize": base,
        "legend.frameon": False,
        "legend.fontsize": base,
        "lines.linewidth": 2.0,
        "lines.markersize": 5,
        # Glyphs as paths: the SVG looks the same in every browser and in typst, with no
        # font lookup. Text alternatives are the alt text and the data table, not the SVG.
        "svg.fonttype": "path",
    }


_registered = False


def register_fonts() -> None:
    global _registered
    if _registered:
        return
    from matplotlib import font_manager

    for key, path in font_files().items():
        if key != "license":
            font_manager.fontManager.addfont(str(path))
    _registered = True


def apply_style() -> None:
    """Apply the house style to matplotlib (idempotent)."""
    import matplotlib

    matplotlib.use("Agg")
    register_fonts()
    matplotlib.rcParams.update(rc_params())


def series_style(i: int) -> dict:
    """Colour, marker and dash for the i-th series."""
    n = len(PALETTE)
    return {"color": PALETTE[i % n], "marker": MARKERS[i % n], "linestyle": DASHES[i % n]}


# --- contrast (WCAG 2.x relative luminance), used by tests and by ``check`` ---

def _lin(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * _lin(r) + 0.7152 * _lin(g) + 0.0722 * _lin(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)

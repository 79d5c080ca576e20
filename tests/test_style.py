
import pytest

from statuskommune import style


def test_every_series_colour_has_3_to_1_contrast():
    for c in style.PALETTE + [style.REFERENCE, style.TEXT_MUTED]:
        assert style.contrast(c, style.BACKGROUND) >= 3.0, c


def test_text_colours_have_4_5_to_1_contrast():
    for c in (style.TEXT, style.TEXT_MUTED):
        assert style.contrast(c, style.BACKGROUND) >= 4.5, c


def test_neighbouring_colours_are_distinguishable_in_stacked_bars():
    # Stacked bars put series i and i+1 next to each other (WCAG 1.4.11 between adjacent parts).
    for a, b in zip(style.PALETTE, style.PALETTE[1:]):
        assert style.contrast(a, b) >= 3.0, (a, b)
    # and no two series share a colour, marker or dash
    assert len(set(style.PALETTE)) == len(style.PALETTE)
    assert len(set(style.MARKERS)) == len(style.MARKERS)
    assert len({str(d) for d in style.DASHES}) == len(style.DASHES)


def test_contrast_formula_known_values():
    assert style.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert style.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_font_is_shipped_and_has_norwegian_typography_glyphs():
    from fontTools.ttLib import TTFont

    files = style.font_files()
    for key in ("regular", "bold", "italic", "semibold"):
        cmap = TTFont(files[key]).getBestCmap()
        for ch in "\u00a0\u2013\u2212æøåÆØÅ%":
            assert ord(ch) in cmap, (key, hex(ord(ch)))
    assert "Open Font License" in files["license"].read_text(encoding="utf-8", errors="replace")


def test_lines_carry_markers_and_dashes():
    import matplotlib.pyplot as plt
    import pandas as pd

    from statuskommune import charts

    d = pd.DataFrame({"aar": [2020, 2021] * 3, "verdi": [1, 2, 3, 4, 5, 6], "s": list("aabbcc")})
    fig = charts.linje(d, "aar", "verdi", "s")
    lines = [l for l in fig.axes[0].get_lines() if l.get_label() in ("a", "b", "c")]
    assert len(lines) == 3
    assert len({l.get_marker() for l in lines}) == 3
    assert len({str(l._unscaled_dash_pattern) for l in lines}) == 3  # solid, dashed, dotted
    assert [l.get_color().upper() for l in lines] == style.PALETTE[:3]
    plt.close(fig)


def test_axis_ticks_use_norwegian_format():
    import matplotlib.pyplot as plt
    import pandas as pd

    from statuskommune import charts

    d = pd.DataFrame({"aar": [2020, 2021, 2022], "verdi": [-1.5, 0.5, 2.5]})
    fig = charts.linje(d, "aar", "verdi")
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert any("\u2212" in l for l in labels), labels
    assert not any("-" in l or "." in l for l in labels), labels
    plt.close(fig)

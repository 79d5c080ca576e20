import json

import pandas as pd
import pytest

from statuskommune import charts
from statuskommune.chapter import Kapittel, read_manifest
from statuskommune.errors import DatasetNotFound, DatasetNotInVintage, StatusKommuneError


def _kap(project, tmp_path, **kw):
    return Kapittel("01-a", data_dir=project / "data", output_dir=tmp_path / "out", **kw)


def test_figure_is_published_with_composed_source_line(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x", reproduserer="2.1") as f:
        a = f.last("syntetisk/a")
        b = f.last("syntetisk/b")
        d = pd.concat([a.assign(s="a"), b.assign(s="b")])
        f.tegn(charts.linje(d, "aar", "verdi", "s"), data=d, tittel="T", alt="Linjediagram for test.")
    m = read_manifest(tmp_path / "out")
    fig = m["figures"][0]
    assert fig["kilde"] == "Syntetiske testdata a; Syntetiske testdata b"
    assert fig["datasets"] == ["syntetisk/a", "syntetisk/b"]
    assert fig["reproduserer"] == "2.1"
    assert (tmp_path / "out" / "x.svg").read_text().startswith("<?xml")
    csv = pd.read_csv(tmp_path / "out" / "x.csv")
    assert list(csv.columns) == ["År", "Prosent", "S"]  # reader-facing headings from the schema
    assert set(m["datasets_read"]) == {"syntetisk/a", "syntetisk/b"}


def test_svg_is_deterministic(project, tmp_path):
    outs = []
    for run in range(2):
        kap = Kapittel("01-a", data_dir=project / "data", output_dir=tmp_path / f"o{run}")
        with kap.figur("x") as f:
            d = f.last("syntetisk/a")
            f.tegn(charts.stolper(d.assign(aar=d.aar.astype(str)), "aar", "verdi"), data=d, tittel="T", alt="A test.")
        outs.append((tmp_path / f"o{run}" / "x.svg").read_bytes())
    assert outs[0] == outs[1]
    assert b"<dc:date>" not in outs[0]


def test_figure_without_tegn_is_an_error(project, tmp_path):
    kap = _kap(project, tmp_path)
    with pytest.raises(StatusKommuneError, match="kalte aldri f.tegn"):
        with kap.figur("x") as f:
            f.last("syntetisk/a")


def test_figure_needs_alt_text_and_a_source(project, tmp_path):
    kap = _kap(project, tmp_path)
    d = pd.DataFrame({"aar": [1, 2], "verdi": [1.0, 2.0]})
    with pytest.raises(StatusKommuneError, match="ingen datasett"):
        with kap.figur("y") as f:
            f.tegn(charts.linje(d, "aar", "verdi"), data=d, tittel="T", alt="A")
    with pytest.raises(StatusKommuneError, match="alt-tekst"):
        with kap.figur("z") as f:
            f.last("syntetisk/a")
            f.tegn(charts.linje(d, "aar", "verdi"), data=d, tittel="T", alt=" ")


def test_numbers_are_formatted_norwegian(project, tmp_path):
    kap = _kap(project, tmp_path)
    assert kap.tall("a", -0.25, 1) == "\u22120,3"
    assert kap.tall("b", 58, 0, som="prosent") == "58 prosent"
    assert kap.tall("c", 12345, som="heltall") == "12\u00a0345"
    with pytest.raises(StatusKommuneError):
        kap.tall("Ugyldig-nøkkel", 1)


def test_missing_dataset_in_vintage_is_skipped_only_when_allowed(project, tmp_path):
    (project / "data/2024").mkdir()
    _kap(project, tmp_path)
    with pytest.raises(DatasetNotInVintage):
        Kapittel("01-a", vintage="2024", data_dir=project / "data", output_dir=tmp_path / "s").last("syntetisk/a")
    lenient = Kapittel("01-a", vintage="2024", data_dir=project / "data", output_dir=tmp_path / "l",
                       allow_missing_data=True)
    with lenient.figur("x") as f:
        f.last("syntetisk/a")
        raise AssertionError("never reached")
    assert lenient.skipped and lenient.skipped[0]["figure"] == "x"
    assert json.loads((tmp_path / "l" / "manifest.json").read_text())["datasets_read"] == {"syntetisk/a": "missing"}


def test_unknown_dataset_is_never_skipped(project, tmp_path):
    kap = _kap(project, tmp_path, allow_missing_data=True)
    with pytest.raises(DatasetNotFound, match="finnes ikke"):
        with kap.figur("x") as f:
            f.last("syntetisk/skrivefeil")


def test_output_folder_is_cleared_of_stale_figures(project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "gammel.svg").write_text("<svg/>")
    _kap(project, tmp_path)
    assert not (out / "gammel.svg").exists()

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


def _draw(f, d, **kw):
    f.tegn(charts.linje(d, "aar", "verdi"), data=d, tittel="T", alt="Linjediagram for test.", **kw)


def test_strict_edition_fails_a_figure_whose_dataset_is_missing(project, tmp_path):
    """Without allow_missing_data, a figure block must never be skipped silently."""
    (project / "data/2024").mkdir()
    strict = Kapittel("01-a", vintage="2024", data_dir=project / "data", output_dir=tmp_path / "s")
    with pytest.raises(DatasetNotInVintage, match="syntetisk/a"):
        with strict.figur("x") as f:
            f.last("syntetisk/a")
    assert strict.skipped == [] and strict.figures == []
    with pytest.raises(DatasetNotInVintage):
        with strict.blokk("tall") as b:
            b.last("syntetisk/a")
    assert read_manifest(tmp_path / "s")["skipped"] == []


def test_lenient_edition_skips_a_block_and_records_why(project, tmp_path):
    (project / "data/2024").mkdir()
    kap = Kapittel("01-a", vintage="2024", data_dir=project / "data", output_dir=tmp_path / "l",
                   allow_missing_data=True)
    with kap.blokk("nokkeltall") as b:
        b.last("syntetisk/a")
        raise AssertionError("never reached")
    m = read_manifest(tmp_path / "l")
    assert m["skipped"] == [{"block": "nokkeltall", "reason": kap.skipped[0]["reason"]}]
    assert "2024" in m["skipped"][0]["reason"]


def test_other_errors_in_a_lenient_figure_are_not_skipped(project, tmp_path):
    kap = _kap(project, tmp_path, allow_missing_data=True)
    with pytest.raises(KeyError):
        with kap.figur("x") as f:
            f.last("syntetisk/a")["finnes_ikke"]
    assert kap.skipped == []


def test_same_figure_id_twice_is_an_error(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        _draw(f, f.last("syntetisk/a"))
    with pytest.raises(StatusKommuneError, match="«x» er brukt to ganger i 01-a"):
        kap.figur("x")
    assert [f["id"] for f in read_manifest(tmp_path / "out")["figures"]] == ["x"]


@pytest.mark.parametrize("bad", ["X", "fig_1", "-a", "a b", ""])
def test_figure_id_must_be_lowercase_with_hyphens(project, tmp_path, bad):
    with pytest.raises(StatusKommuneError, match="ugyldig"):
        _kap(project, tmp_path).figur(bad)


def test_figure_limited_to_other_editions_is_skipped(project, tmp_path):
    kap = _kap(project, tmp_path)  # edition 2025
    with kap.figur("bare-2024", utgaver=[2024]) as f:
        f.last("syntetisk/a")
        raise AssertionError("never reached")
    with kap.figur("begge", utgaver=["2024", 2025]) as f:
        _draw(f, f.last("syntetisk/b"))
    m = read_manifest(tmp_path / "out")
    assert [f["id"] for f in m["figures"]] == ["begge"]
    assert set(m["datasets_read"]) == {"syntetisk/b"}  # the skipped block read nothing
    assert not (tmp_path / "out" / "bare-2024.svg").exists()


def test_figure_numbers_record_only_the_figures_datasets(project, tmp_path):
    kap = _kap(project, tmp_path)
    kap.last("syntetisk/b")  # read by the chapter, not by the figure
    with kap.figur("x") as f:
        d = f.last("syntetisk/a")
        f.tall("a_siste", d.verdi.iloc[-1])
        _draw(f, d)
    kap.tall("b_alene", 1.0)
    m = read_manifest(tmp_path / "out")
    assert m["numbers"]["a_siste"]["datasets"] == ["syntetisk/a"]
    assert m["numbers"]["a_siste"]["tekst"] == "\u22120,5"
    assert m["numbers"]["b_alene"]["datasets"] == ["syntetisk/a", "syntetisk/b"]  # chapter-level: all read so far
    assert m["figures"][0]["datasets"] == ["syntetisk/a"]


def test_dataset_loaded_twice_is_recorded_once(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        d = f.last("syntetisk/a")
        f.last("syntetisk/a")
        _draw(f, d)
    m = read_manifest(tmp_path / "out")
    assert m["figures"][0]["datasets"] == ["syntetisk/a"]
    assert m["figures"][0]["kilde"] == "Syntetiske testdata a"
    assert list(m["datasets_read"]) == ["syntetisk/a"]


def test_data_from_another_vintage_is_keyed_with_its_vintage(project, tmp_path):
    import shutil

    shutil.copytree(project / "data/2025", project / "data/2024")
    kap = _kap(project, tmp_path)
    with kap.figur("revisjon") as f:
        ny = f.last("syntetisk/a")
        gammel = f.last("syntetisk/a", aargang="2024")
        d = pd.concat([ny.assign(s="2025"), gammel.assign(s="2024")], ignore_index=True)
        f.tegn(charts.linje(d, "aar", "verdi", "s"), data=d, tittel="T", alt="Linjediagram for test.")
    m = read_manifest(tmp_path / "out")
    assert m["figures"][0]["datasets"] == ["syntetisk/a", "syntetisk/a@2024"]
    assert set(m["datasets_read"]) == {"syntetisk/a", "syntetisk/a@2024"}
    assert kap.datasett("syntetisk/a", "2024").csv == project / "data/2024/syntetisk/a.csv"


def test_number_formats_and_unknown_format(project, tmp_path):
    kap = _kap(project, tmp_path)
    assert kap.tall("pp", -1.25, som="prosentpoeng") == "\u22121,3 prosentpoeng"
    assert kap.tall("hel", 7.0, 0) == "7"
    assert read_manifest(tmp_path / "out")["numbers"]["hel"]["verdi"] == 7
    assert kap.tall("tom", None) == ".."
    assert kap.tekst("svakest", "Agder") == "Agder"
    with pytest.raises(StatusKommuneError, match="ukjent format"):
        kap.tall("x", 1, som="promille")
    with pytest.raises(StatusKommuneError, match="Tekstnøkkel"):
        kap.tekst("Ugyldig", "x")


def test_vis_tall_prints_sorted_numbers_and_figures(project, tmp_path, capsys):
    kap = _kap(project, tmp_path)
    kap.tall("b", 2, 0)
    kap.tall("a", 1, 0)
    kap.vis_tall()
    assert capsys.readouterr().out == "a = 1\nb = 2\n0 figurer: \n"


def test_kommune_must_be_four_digits(project, tmp_path):
    with pytest.raises(StatusKommuneError, match="firesifret"):
        _kap(project, tmp_path, kommune="301")
    assert _kap(project, tmp_path, kommune="0301").kommune == "0301"


def test_figure_table_columns_and_pivot(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        d = f.last("syntetisk/a")
        _draw(f, d, kolonner={"aar": "Årstall", "verdi": "Andel"}, desimaler=2,
              tabell={"rader": "aar", "kolonner": "aar", "verdier": "verdi"})
    rec = read_manifest(tmp_path / "out")["figures"][0]
    assert rec["kolonner"] == {"aar": "Årstall", "verdi": "Andel"} and rec["desimaler"] == 2
    assert rec["tabell"] == {"rader": "Årstall", "kolonner": "Årstall", "verdier": "Andel"}
    assert list(pd.read_csv(tmp_path / "out" / "x.csv").columns) == ["Årstall", "Andel"]


def test_only_old_outputs_are_cleared(project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("a.svg", "a.csv", "manifest.json", "notat.txt"):
        (out / name).write_text("gammel")
    _kap(project, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "notat.txt"]
    assert read_manifest(out)["chapter"] == "01-a"


def test_manifest_describes_the_run(project, tmp_path):
    kap = Kapittel("01-a", edition=2025, vintage=2025, kommune="0301", data_dir=project / "data",
                   output_dir=tmp_path / "out")
    kap.tall("x", 1.23456789, 2)
    m = read_manifest(tmp_path / "out")
    assert (m["chapter"], m["edition"], m["vintage"], m["kommune"]) == ("01-a", "2025", "2025", "0301")
    assert m["numbers"]["x"] == {"key": "x", "verdi": 1.234568, "tekst": "1,23", "datasets": []}
    assert "chapter.py" in m["library"] and "fmt.py" in m["library"]
    assert not (tmp_path / "out" / "manifest.json.tmp").exists()


def test_default_output_folder_is_under_build(project):
    kap = Kapittel("01-a", data_dir=project / "data")
    assert kap.output_dir == project / "_build" / "scratch" / "2025" / "01-a"
    assert (kap.output_dir / "manifest.json").is_file()


def test_text_keys_record_the_datasets_read(project, tmp_path):
    kap = _kap(project, tmp_path)
    kap.last("syntetisk/b")
    kap.tekst("navn", "Agder")
    assert read_manifest(tmp_path / "out")["numbers"]["navn"] == {"key": "navn", "verdi": None, "tekst": "Agder",
                                                                  "datasets": ["syntetisk/b"]}


def test_kolonner_selects_and_names_the_columns(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        d = f.last("syntetisk/a").assign(hjelp=1)
        _draw(f, d, kolonner={"verdi": "Andel", "aar": "År"})
    assert (tmp_path / "out" / "x.csv").read_text().splitlines()[:2] == ["Andel,År", "1.5,2022"]


def test_first_schema_title_wins_and_untitled_columns_are_capitalised(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        a = f.last("syntetisk/a")
        f.last("syntetisk/b")
        _draw(f, a.assign(gruppe="g"))
    assert read_manifest(tmp_path / "out")["figures"][0]["kolonner"] == {"aar": "År", "verdi": "Prosent",
                                                                         "gruppe": "Gruppe"}


def test_svg_has_no_creator_or_date(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        _draw(f, f.last("syntetisk/a"))
    svg = (tmp_path / "out" / "x.svg").read_text()
    assert "Matplotlib" not in svg and "<dc:date>" not in svg


def test_duplicate_id_is_found_by_value_not_identity(project, tmp_path):
    kap = _kap(project, tmp_path)
    with kap.figur("-".join(["en", "figur"])) as f:
        _draw(f, f.last("syntetisk/a"))
    with pytest.raises(StatusKommuneError, match="brukt to ganger"):
        kap.figur("-".join(["en", "figur"]))


def test_format_name_is_compared_by_value(project, tmp_path):
    kap = _kap(project, tmp_path)
    assert kap.tall("n", 12345.4, som="".join(["hel", "tall"])) == "12\u00a0345"


@pytest.mark.parametrize("verdi,des,stored", [(2.5, 0, 2.5), (7.0, 0, 7), (7.0, 1, 7.0), (1 / 3, 2, 0.333333)])
def test_stored_value_is_the_computed_one(project, tmp_path, verdi, des, stored):
    kap = _kap(project, tmp_path)
    kap.tall("x", verdi, des)
    v = read_manifest(tmp_path / "out")["numbers"]["x"]["verdi"]
    assert v == stored and type(v) is type(stored)


def _drawn_with_display(project, tmp_path, monkeypatch, env, display):
    import IPython.display

    monkeypatch.setenv("STATUSKOMMUNE_NO_DISPLAY", env)
    monkeypatch.setattr(IPython.display, "display", display)
    kap = _kap(project, tmp_path)
    with kap.figur("x") as f:
        _draw(f, f.last("syntetisk/a"))
    return kap


@pytest.mark.parametrize("env,shown", [("0", 1), ("", 1), ("1", 0)])
def test_figure_is_shown_in_jupyter_unless_switched_off(project, tmp_path, monkeypatch, env, shown):
    calls = []
    _drawn_with_display(project, tmp_path, monkeypatch, env, lambda obj: calls.append(obj))
    assert len(calls) == shown


def test_a_failing_display_does_not_fail_the_figure(project, tmp_path, monkeypatch):
    def broken(obj):
        raise RuntimeError("ingen frontend")

    kap = _drawn_with_display(project, tmp_path, monkeypatch, "0", broken)
    assert [f.id for f in kap.figures] == ["x"]

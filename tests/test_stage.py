import json

import pytest

from statuskommune import config
from statuskommune.chapter import Kapittel
from statuskommune import charts
from statuskommune.errors import StagingError
from statuskommune.stage import scan_headings, stage


def _run_notebooks_inline(project):
    """Produce the two synthetic chapters' outputs in-process (no kernel: fast)."""
    ed = config.load(project, "2025")
    for slug, ds, fid, key in [("01-a", "syntetisk/a", "serie-a", "a_siste"), ("02-b", "syntetisk/b", "serie-b", "b_siste")]:
        kap = Kapittel(slug, data_dir=project / "data", output_dir=ed.output_dir(slug))
        with kap.figur(fid) as f:
            d = f.last(ds)
            f.tall(key, d.verdi.iloc[-1])
            f.tegn(charts.linje(d, "aar", "verdi"), data=d, tittel="Syntetisk serie", alt="Linjediagram over testdata.")
    return ed


def test_stage_fills_numbers_figures_and_numbering(project, tmp_path):
    ed = _run_notebooks_inline(project)
    st = stage(ed, tmp_path / "stage")
    a = (tmp_path / "stage" / "01-a.qmd").read_text()
    assert "Verdien er \u22120,5" in a
    assert '![Syntetisk serie. [Kilde: Syntetiske testdata a.]{.kilde}](figures/01-a/serie-a.svg){#fig-serie-a fig-alt="Linjediagram over testdata."}' in a
    assert "Vis tallene bak figur 1.1" in a and "Last ned tallene bak figur 1.1 (CSV)" in a
    idx = json.loads((tmp_path / "stage" / "crossref.json").read_text())
    assert idx["fig-serie-a"]["number"] == "1.1" and idx["fig-serie-b"]["number"] == "2.1"
    assert idx["sec-a"]["number"] == "1" and idx["sec-a-del"]["number"] == "1.1"
    assert (tmp_path / "stage" / "figures" / "01-a" / "serie-a.svg").is_file()
    assert (tmp_path / "stage" / "data" / "serie-a.csv").is_file()
    assert [p.stem for p in st.pages][:3] == ["index", "01-a", "02-b"]
    q = (tmp_path / "stage" / "_quarto.yml").read_text()
    assert "01-a.qmd" in q and "lang: nb" in q


def test_data_table_is_norwegian_and_accessible(project, tmp_path):
    ed = _run_notebooks_inline(project)
    stage(ed, tmp_path / "stage")
    a = (tmp_path / "stage" / "01-a.qmd").read_text()
    assert '<th scope="col">År</th>' in a and '<th scope="row">2024</th>' in a
    assert '<td class="tall">\u22120,5</td>' in a
    assert "<caption>Tallene bak figur 1.1: Syntetisk serie</caption>" in a


def test_unknown_number_names_file_and_line(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\nOg {{< var finnes_ikke >}}.\n")
    with pytest.raises(StagingError, match=r"chapters/02-b.qmd, linje \d+: \{\{< var finnes_ikke >\}\}"):
        stage(ed, tmp_path / "stage")


def test_unknown_figure_and_reference_are_errors(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\n{{< fig mangler >}}\n\nSe @fig-borte.\n")
    with pytest.raises(StagingError) as e:
        stage(ed, tmp_path / "stage")
    assert "figuren «mangler» finnes ikke" in str(e.value)
    p.write_text(p.read_text().replace("{{< fig mangler >}}", ""))
    with pytest.raises(StagingError, match="@fig-borte peker ikke på noe"):
        stage(ed, tmp_path / "stage")


def test_figure_used_twice_is_an_error(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\n{{< fig serie-a >}}\n")
    with pytest.raises(StagingError, match="allerede brukt"):
        stage(ed, tmp_path / "stage")


def test_missing_notebook_outputs_say_what_to_run(project, tmp_path):
    ed = config.load(project, "2025")
    with pytest.raises(StagingError, match="statuskommune execute"):
        stage(ed, tmp_path / "stage")


def test_scan_headings_ignores_code_and_reads_attributes():
    body = "# A {#sec-a}\n\n```\n# not a heading\n```\n\n## B {.unnumbered}\n"
    assert scan_headings(body) == [(1, "A", "sec-a", False), (2, "B", None, True)]

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
    assert [(p.stem, p.kind, p.title, p.number) for p in st.pages][:3] == [
        ("index", "index", "Om testrapporten", None), ("01-a", "chapter", "Kapittel A", 1),
        ("02-b", "chapter", "Kapittel B", 2)]
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


def test_same_number_key_from_two_chapters_is_rejected(project, tmp_path):
    ed = _run_notebooks_inline(project)
    m = json.loads((ed.output_dir("02-b") / "manifest.json").read_text())
    m["numbers"]["a_siste"] = dict(m["numbers"]["b_siste"], key="a_siste")  # 02-b also makes a_siste
    (ed.output_dir("02-b") / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StagingError, match="Tallnøkkelen «a_siste» lages både av 01-a og 02-b"):
        stage(ed, tmp_path / "stage")


def test_same_figure_id_from_two_chapters_is_rejected(project, tmp_path):
    ed = _run_notebooks_inline(project)
    m = json.loads((ed.output_dir("02-b") / "manifest.json").read_text())
    m["figures"][0]["id"] = "serie-a"
    (ed.output_dir("02-b") / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StagingError, match="Figur-id «serie-a» lages både av 01-a og 02-b"):
        stage(ed, tmp_path / "stage")


def test_unnumbered_chapter_is_not_numbered(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "01-a.qmd"
    p.write_text(p.read_text().replace("# Kapittel A {#sec-a}", "# Kapittel A {#sec-a .unnumbered}"))
    st = stage(ed, tmp_path / "stage")
    idx = json.loads((tmp_path / "stage" / "crossref.json").read_text())
    assert [(pg.stem, pg.number) for pg in st.pages[:3]] == [("index", None), ("01-a", None), ("02-b", 1)]
    assert idx["sec-a"]["number"] is None and idx["sec-a-del"]["number"] is None
    assert idx["sec-b"]["number"] == "1"
    assert idx["fig-serie-a"]["number"] == "1" and idx["fig-serie-b"]["number"] == "1.1"


def test_unnumbered_section_does_not_take_a_number(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "01-a.qmd"
    p.write_text(p.read_text().replace("## Del {#sec-a-del}", "## Forord {-}\n\n## Del {#sec-a-del}"))
    stage(ed, tmp_path / "stage")
    idx = json.loads((tmp_path / "stage" / "crossref.json").read_text())
    assert idx["sec-a-del"]["number"] == "1.1"


FRONT = "---\ntitle: Kapittel B\nauthor: Test\n---\n"


def test_error_line_numbers_count_the_front_matter(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    body = p.read_text()
    p.write_text(FRONT + body + "\nOg {{< var finnes_ikke >}}.\n")
    line = (FRONT + body).count("\n") + 2  # the line in the file an editor shows
    assert p.read_text().splitlines()[line - 1] == "Og {{< var finnes_ikke >}}."
    with pytest.raises(StagingError, match=rf"chapters/02-b\.qmd, linje {line}: \{{\{{< var finnes_ikke >\}}\}}"):
        stage(ed, tmp_path / "stage")


def test_error_line_number_without_front_matter(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text("# Kapittel B {#sec-b}\n\n{{< fig finnes-ikke >}}\n")
    with pytest.raises(StagingError, match=r"chapters/02-b\.qmd, linje 3: figuren «finnes-ikke» finnes ikke"):
        stage(ed, tmp_path / "stage")


def test_front_matter_is_kept_in_the_staged_chapter(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(FRONT + p.read_text())
    stage(ed, tmp_path / "stage")
    assert (tmp_path / "stage" / "02-b.qmd").read_text().startswith(FRONT)


def test_unknown_shortcode_is_reported(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\n{{< foo bar >}}\n\n{{< pagebreak >}}\n")
    with pytest.raises(StagingError) as e:
        stage(ed, tmp_path / "stage")
    msg = str(e.value)
    assert "chapters/02-b.qmd, linje 7: ukjent kortkode «{{< foo bar >}}»" in msg
    assert "pagebreak" not in msg


def test_shortcodes_in_code_blocks_are_left_alone(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\n```\n{{< foo >}} {{< var finnes_ikke >}}\n{{< fig finnes-ikke >}}\n```\n")
    stage(ed, tmp_path / "stage")
    assert "{{< var finnes_ikke >}}" in (tmp_path / "stage" / "02-b.qmd").read_text()


def test_unused_figure_is_a_warning(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text().replace("{{< fig serie-b >}}", "").replace("(@Fig-serie-b)", ""))
    st = stage(ed, tmp_path / "stage")
    figure_warnings = [w for w in st.warnings if w.startswith("Figuren")]
    assert figure_warnings == ["Figuren «serie-b» er laget, men ikke brukt i noe kapittel."]


def test_chapter_without_level_one_heading(project, tmp_path):
    ed = _run_notebooks_inline(project)
    (project / "chapters" / "02-b.qmd").write_text("## Bare nivå 2\n")
    with pytest.raises(StagingError, match=r"chapters/02-b\.qmd: mangler overskrift på nivå 1"):
        stage(ed, tmp_path / "stage")


def test_duplicate_section_id(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "02-b.qmd"
    p.write_text(p.read_text() + "\n## Igjen {#sec-a}\n")
    with pytest.raises(StagingError, match="id «sec-a» er brukt to ganger"):
        stage(ed, tmp_path / "stage")


@pytest.mark.parametrize("symbol", ["..", ".", ":", ""])
def test_ssb_symbols_in_figure_csv_are_missing(tmp_path, symbol):
    from statuskommune.stage import _read_table, figure_table_html

    csv = tmp_path / "f.csv"
    csv.write_text(f"År,Andel\n2023,{symbol}\n2024,1234.5\n", encoding="utf-8")
    header, data = _read_table(csv)
    assert header == ["År", "Andel"] and data == [[2023.0, None], [2024.0, 1234.5]]
    html = figure_table_html({"tittel": "T", "desimaler": 1}, csv, "1.1")
    assert '<th scope="row">2023</th><td class="tall"><span class="mangler">mangler</span></td>' in html
    assert '<td class="tall">1\u00a0234,5</td>' in html


def test_text_columns_in_figure_csv_stay_text(tmp_path):
    from statuskommune.stage import _read_table

    csv = tmp_path / "f.csv"
    csv.write_text("Gruppe,Andel\n1-5 år,2\n6-9 år,..\n", encoding="utf-8")
    assert _read_table(csv)[1] == [["1-5 år", 2.0], ["6-9 år", None]]


def test_scan_headings_reads_unnumbered_forms():
    body = "# A {.unnumbered #sec-a}\n## B {-}\n## C {#sec-c .class}\n~~~\n## D\n~~~\n### E\n"
    assert scan_headings(body) == [(1, "A", "sec-a", True), (2, "B", None, True), (2, "C", "sec-c", False),
                                   (3, "E", None, False)]


def _figure_rec(**kw):
    rec = {"id": "x", "tittel": "Andel *ansatte* [utvalg]", "kilde": "SSB, tabell 12345", "alt": 'Søyler "høye"',
           "svg": "x.svg", "csv": "x.csv", "desimaler": 1}
    rec.update(kw)
    return rec


def test_figure_markdown_escapes_caption_and_alt_text():
    from statuskommune.stage import _figure_markdown

    md = _figure_markdown(_figure_rec(), "02-a", "2.1", "<table/>")
    assert md.startswith(r'![Andel \*ansatte\* \[utvalg\]. [Kilde: SSB, tabell 12345.]{.kilde}](figures/02-a/x.svg)'
                         r'{#fig-x fig-alt="Søyler \"høye\""}')
    assert "<summary>Vis tallene bak figur 2.1</summary>\n<table/>\n</details>" in md
    assert '<a href="data/x.csv" download="x.csv">Last ned tallene bak figur 2.1 (CSV)</a>' in md


def test_partial_reproduction_note_stays_out_of_the_caption():
    """«delvis» says how much of the previous edition's figure is reproduced: a coverage note for
    editors (the «Datagrunnlag» page), never part of what readers see under the figure."""
    from statuskommune.stage import _figure_markdown

    md = _figure_markdown(_figure_rec(tittel="T!", delvis="Bare 2024"), "02-a", "2.1", "")
    assert md.startswith("![T! [Kilde: SSB, tabell 12345.]{.kilde}]")
    assert "Bare 2024" not in md


def test_figure_table_formats_years_integers_and_pivots(tmp_path):
    from statuskommune.stage import figure_table_html

    csv = tmp_path / "x.csv"
    csv.write_text("År,Gruppe,Antall\n2023,0-5 år,1200\n2023,6-9 år,..\n2024,0-5 år,1300.5\n", encoding="utf-8")
    plain = figure_table_html(_figure_rec(desimaler=0), csv, "1.2")
    assert '<th scope="col">Gruppe</th>' in plain
    assert '<th scope="row">2023</th><td>0\u20135 år</td><td class="tall">1\u00a0200</td>' in plain
    assert '<td class="tall">1\u00a0301</td>' in plain  # half away from zero
    piv = figure_table_html(_figure_rec(desimaler=1, tabell={"rader": "Gruppe", "kolonner": "År", "verdier": "Antall"}),
                            csv, "1.2")
    assert '<thead><tr><th scope="col">Gruppe</th><th scope="col">2023</th><th scope="col">2024</th></tr></thead>' in piv
    assert ('<th scope="row">6\u20139 år</th><td class="tall"><span class="mangler">mangler</span></td><td class="tall"><span class="mangler">mangler</span></td>' in piv)
    assert '<th scope="row">0\u20135 år</th><td class="tall">1\u00a0200,0</td><td class="tall">1\u00a0300,5</td>' in piv
    assert 'aria-label="Tallene bak figur 1.2: Andel *ansatte* [utvalg]"' in piv


def test_staged_quarto_yml_lists_pages_and_house_style(project, tmp_path):
    import yaml

    ed = _run_notebooks_inline(project)
    st = stage(ed, tmp_path / "stage")
    q = yaml.safe_load((tmp_path / "stage" / "_quarto.yml").read_text())
    assert q["book"]["chapters"] == ["index.qmd", "01-a.qmd", "02-b.qmd"]
    assert q["book"]["appendices"] == [p.qmd for p in st.pages if p.kind == "appendix"] != []
    assert q["book"]["output-file"] == "statuskommune-2025" and q["project"]["type"] == "book"
    assert q["project"]["render"] == [p.qmd for p in st.pages] and "output-dir" not in q["project"]
    assert q["format"]["html"]["css"] == "assets/statuskommune.css"
    assert (tmp_path / "stage" / "assets" / "statuskommune.css").is_file()
    meta = json.loads((tmp_path / "stage" / "stage.json").read_text())
    assert meta["edition"] == "2025" and [f["id"] for f in meta["figures"]] == ["serie-a", "serie-b"]
    assert [f["notebook"] for f in st.figures] == ["01-a", "02-b"]


def test_restaging_replaces_the_old_stage(project, tmp_path):
    ed = _run_notebooks_inline(project)
    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "gammel.qmd").write_text("x")
    stage(ed, tmp_path / "stage")
    assert not (tmp_path / "stage" / "gammel.qmd").exists()


def test_chapter_without_notebook_needs_no_manifest(project, tmp_path):
    _run_notebooks_inline(project)
    (project / "notebooks" / "01-a.ipynb").unlink()  # the first chapter is prose only
    from statuskommune.stage import load_manifests
    assert list(load_manifests(config.load(project, "2025"))) == ["02-b"]


@pytest.mark.parametrize("meta", ["a", "ab", "abc", "abcd", "abcde", "title: X", "title: Kapittel\nauthor: T"])
def test_split_front_matter(meta):
    from statuskommune.stage import _split_front_matter

    front = f"---\n{meta}\n---\n"
    assert _split_front_matter(front + "# A\n") == (front, "# A\n")
    assert _split_front_matter(front.rstrip("\n")) == (front.rstrip("\n"), "")  # ends the file
    unclosed = f"---\n{meta}\n# A\n"
    assert _split_front_matter(unclosed) == ("", unclosed)
    assert _split_front_matter("# A\n---\n") == ("", "# A\n---\n")


def test_only_level_one_and_two_headings_are_numbered(project, tmp_path):
    ed = _run_notebooks_inline(project)
    p = project / "chapters" / "01-a.qmd"
    p.write_text(p.read_text() + "\n### Underavsnitt {#sec-a-under}\n\n## Neste {#sec-a-neste}\n")
    stage(ed, tmp_path / "stage")
    idx = json.loads((tmp_path / "stage" / "crossref.json").read_text())
    assert idx["sec-a-under"]["number"] is None and idx["sec-a-under"]["level"] == 3
    assert idx["sec-a-neste"]["number"] == "1.2"

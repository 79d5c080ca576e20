import json
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from statuskommune.errors import ToolMissingError
from statuskommune.render import html as html_r
from statuskommune.render import pdf as pdf_r
from statuskommune.render import quarto, tools
from statuskommune.stage import Page, Staged, stage  # noqa: F401
from test_stage import _run_notebooks_inline

FILTER = Path(html_r.FILTER)


def _pandoc(md: str, to: str, tmp_path, index: dict, page="02-b.html", chapter="2") -> subprocess.CompletedProcess:
    (tmp_path / "idx.json").write_text(json.dumps(index))
    (tmp_path / "in.md").write_text(md)
    return subprocess.run([tools.pandoc_path(), str(tmp_path / "in.md"), "-t", to, "--lua-filter", str(FILTER),
                           "-M", f"crossref-index={tmp_path / 'idx.json'}", "-M", f"page={page}",
                           "-M", f"chapter-number={chapter}", "--wrap=none"], capture_output=True, text=True)


INDEX = {"fig-x": {"kind": "fig", "number": "2.3", "page": "02-b.html", "title": "X"},
         "fig-y": {"kind": "fig", "number": "1.1", "page": "01-a.html", "title": "Y"},
         "sec-okonomi": {"kind": "sec", "level": 2, "number": "2.4", "page": "02-b.html", "title": "Økonomi"}}
FIG = '![Tittel. [Kilde: SSB.]{.kilde}](figures/x.svg){#fig-x fig-alt="Linjediagram som viser fall."}\n'


def test_html_figure_has_number_alt_and_source(tmp_path):
    out = _pandoc(FIG, "html5", tmp_path, INDEX).stdout
    assert '<figure id="fig-x" class="figur">' in out
    assert 'alt="Linjediagram som viser fall."' in out
    assert '<span class="fignr">Figur\u00a02.3:</span> Tittel.' in out
    assert '<span class="kilde">Kilde: SSB.</span>' in out


def test_typst_figure_keeps_alt_text(tmp_path):
    out = _pandoc(FIG, "typst", tmp_path, INDEX).stdout
    assert 'image("/figures/x.svg", width: 100%, alt: "Linjediagram som viser fall.")' in out
    assert "caption: [Figur\u00a02.3: Tittel." in out and "<fig-x>" in out


def test_cross_references_in_norwegian(tmp_path):
    md = "Se @fig-x og @fig-y. @Fig-x viser det. Les @sec-okonomi.\n"
    html = _pandoc(md, "html5", tmp_path, INDEX).stdout
    assert '<a href="#fig-x">figur\u00a02.3</a>' in html
    assert '<a href="01-a.html#fig-y">figur\u00a01.1</a>' in html
    assert '<a href="#fig-x">Figur\u00a02.3</a>' in html
    assert "avsnitt\u00a02.4" in html
    typ = _pandoc(md, "typst", tmp_path, INDEX).stdout
    assert "#link(<fig-x>)[figur\u00a02.3]" in typ


def test_unknown_reference_stops_pandoc_with_page_and_id(tmp_path):
    r = _pandoc("Se @fig-borte.\n", "html5", tmp_path, INDEX)
    assert r.returncode != 0
    assert "02-b.html" in r.stderr and "@fig-borte" in r.stderr


def test_figure_without_alt_stops_pandoc(tmp_path):
    r = _pandoc("![T](x.svg){#fig-x}\n", "html5", tmp_path, INDEX)
    assert r.returncode != 0 and "fig-alt" in r.stderr


def test_headings_numbered_like_quarto(tmp_path):
    md = "# Kap {#sec-k}\n\n## Første\n\n## Andre {.unnumbered}\n\n## Tredje\n"
    html = _pandoc(md, "html5", tmp_path, INDEX).stdout
    assert '<span class="nr">2</span> Kap' in html
    assert '<span class="nr">2.1</span> Første' in html
    assert '<span class="nr">2.2</span> Tredje' in html
    assert "Andre</h2>" in html and '<span class="nr">2.2</span> Andre' not in html


def test_html_only_content_is_dropped_from_typst(tmp_path):
    md = '::: {.content-visible when-format="html"}\nBare nett.\n:::\n\nAlle.\n'
    assert "Bare nett" in _pandoc(md, "html5", tmp_path, INDEX).stdout
    assert "Bare nett" not in _pandoc(md, "typst", tmp_path, INDEX).stdout


def test_synthetic_pdf_is_tagged_ua1_with_alt_text(project, tmp_path):
    ed = _run_notebooks_inline(project)
    st = stage(ed, tmp_path / "stage")
    pdf = pdf_r.render_pdf(st, tmp_path / "r.pdf")
    r = PdfReader(str(pdf))
    root = r.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("nb")
    assert r.metadata.title == "Syntetisk rapport 2025"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp
    text = "".join(p.extract_text() for p in r.pages)
    assert "Figur\u00a01.1: Syntetisk serie." in text and "Figur\u00a02.1: Syntetisk serie." in text


def test_quarto_command_line(tmp_path):
    """`quarto render --to` takes one format per project render: one command per format."""
    cmd = quarto.command("/opt/quarto/bin/quarto", tmp_path / "stage", "html", tmp_path / "out")
    assert cmd == ["/opt/quarto/bin/quarto", "render", str(tmp_path / "stage"), "--to", "html",
                   "--output-dir", str(tmp_path / "out"), "--quiet"]
    assert quarto.command("q", tmp_path, "pdf", tmp_path)[4] == "statuskommune-typst"


def test_staged_project_is_a_quarto_book(project, tmp_path):
    import yaml

    ed = _run_notebooks_inline(project)
    stage(ed, tmp_path / "stage")
    q = yaml.safe_load((tmp_path / "stage" / "_quarto.yml").read_text())
    assert q["project"]["type"] == "book"
    assert q["book"]["chapters"] == ["index.qmd", "01-a.qmd", "02-b.qmd"]
    assert q["book"]["appendices"] == ["kilder.qmd", "figurer.qmd"]
    assert q["lang"] == "nb"
    assert (tmp_path / "stage" / q["format"]["html"]["css"]).is_file()
    for ch in q["book"]["chapters"] + q["book"]["appendices"]:
        body = (tmp_path / "stage" / ch).read_text()
        assert "{{< fig" not in body and "{{< var" not in body  # only standard Quarto markup is left


def test_quarto_renderer_requires_quarto(monkeypatch, tmp_path):
    monkeypatch.setattr(tools, "quarto_path", lambda: None)
    with pytest.raises(ToolMissingError, match="builtin"):
        quarto.render(tmp_path, ["html"], tmp_path / "o")
    from statuskommune.build import choose_renderer

    assert choose_renderer("auto") == "builtin"
    with pytest.raises(ToolMissingError):
        choose_renderer("quarto")


def test_missing_pandoc_says_what_to_do(monkeypatch):
    import pypandoc

    def boom():
        raise OSError("no pandoc")
    monkeypatch.setattr(pypandoc, "get_pandoc_path", boom)
    with pytest.raises(ToolMissingError, match="make install"):
        tools.pandoc_path()


def test_missing_typst_says_what_to_do(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **kw):
        if name == "typst":
            raise ImportError("no typst")
        return real(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ToolMissingError, match="typst"):
        tools.typst_module()


def test_build_with_quarto_renderer_runs_quarto_on_the_staged_project(project, tmp_path, monkeypatch):
    """A stand-in `quarto` on PATH records its arguments and writes the outputs Quarto would;
    this tests the build's Quarto path end to end without claiming Quarto itself renders."""
    import os
    import stat

    from statuskommune.build import build

    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "quarto-args.txt"
    fake = bindir / "quarto"
    fake.write_text("#!/bin/sh\n"
                    f"echo \"$@\" >> {log}\n"
                    "if [ \"$5\" = --output-dir ]; then mkdir -p \"$6\"\n"
                    "  if [ \"$4\" = html ]; then echo '<html lang=\"nb\"></html>' > \"$6/index.html\"\n"
                    "  else echo '%PDF-1.7' > \"$6/statuskommune-2025.pdf\"; fi\n"
                    "else f=\"$2\"; echo '<html lang=\"nb\"></html>' > \"${f%.qmd}.html\"; fi\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    # auto stays with the built-in renderer even where quarto is on PATH (its HTML passes the
    # accessibility checks); --renderer quarto is the way to Quarto
    assert build(project, "2025", renderer="auto", quiet=True, to=["html"]).renderer == "builtin"
    assert not log.exists()
    res = build(project, "2025", renderer="quarto", quiet=True)
    assert res.renderer == "quarto"
    calls = [line.split() for line in log.read_text().splitlines()]
    assert [c[:1] + c[2:4] for c in calls[:2]] == [["render", "--to", "statuskommune-typst"], ["render", "--to", "html"]]
    assert all(c[1].endswith("_build/2025/stage") for c in calls[:2])
    # pages that are not book chapters (the editors' page, the accessibility statement) are
    # rendered on their own
    assert {Path(c[1]).name for c in calls[2:]} == {"datagrunnlag.qmd", "tilgjengelighet.qmd"}
    stage_dir = project / "_build/2025/stage"
    assert (stage_dir / "_extensions/statuskommune/typst-template.typ").is_file()
    for name in ("index.html", "tilgjengelighet.html", "statuskommune-2025.pdf"):
        assert (project / "_book/2025" / name).is_file(), name

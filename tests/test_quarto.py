"""The report built by real Quarto (``--renderer quarto``) against the built-in renderer.

Layout may differ; content may not: the same pages, figure numbers, captions, «Kilde:» lines, alt
texts, data tables, CSV links, computed numbers in the text and cross-references. The Quarto PDF
is tagged PDF/UA-1 with /Lang nb-NO, a title and alt text on every figure.

Outside CI these tests skip when ``quarto`` is not on PATH (install from https://quarto.org, or
``bash ../shared/tools/quarto/setup.sh``); with CI=true a missing Quarto is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from conftest import pdf_pages, need_quarto
from test_e2e import _walk

from statuskommune.render import quarto as quarto_r

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[1]
XREF = re.compile(r"^([\w-]*\.html)?(?:#((?:fig|sec)-[\w-]+))?$")


# --- what a reader gets, extracted the same way from both builds ----------------------
def _norm(s: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", s.replace("\u00ad", "")).strip()  # keeps no-break spaces


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _figures(out: Path) -> dict[str, dict]:
    """id -> what the reader sees of a figure: caption parts, alt text, table, CSV link."""
    figs = {}
    for page in sorted(out.glob("*.html")):
        soup = _soup(page)
        for cap in soup.find_all("figcaption"):
            fig = cap.find_parent("figure")
            holder = fig if fig.get("id", "").startswith("fig-") else fig.find_parent(id=re.compile("^fig-"))
            if holder is None:
                continue
            kilde = cap.select_one("span.kilde")
            delvis = cap.select_one("span.delvis")
            text = _norm(cap.get_text(" "))
            details = holder.find_next_sibling("details")
            link = details.find_next_sibling("p", class_="lastned").find("a") if details else None
            figs[holder["id"]] = {
                "page": page.name,
                "number": re.match(r"Figur\u00a0(\d+\.\d+):", text).group(1) if re.match(r"Figur\u00a0\d", text) else text[:20],
                "caption": text,
                "kilde": _norm(kilde.get_text(" ")) if kilde else None,
                "delvis": _norm(delvis.get_text(" ")) if delvis else None,
                "alt": fig.find("img")["alt"],
                "img": fig.find("img")["src"],
                "table": [[_norm(c.get_text(" ")) for c in tr.find_all(["th", "td"])]
                          for tr in details.find_all("tr")] if details else None,
                "summary": _norm(details.find("summary").get_text(" ")) if details else None,
                "csv": (link["href"], link.get("download"), _norm(link.get_text(" "))) if link else None,
            }
    return figs


def _main(soup: BeautifulSoup):
    return soup.find("main") or soup.body


def _prose(out: Path) -> dict[str, list[str]]:
    """Page -> its paragraphs and list items (the running text with its computed numbers)."""
    res = {}
    for page in sorted(out.glob("*.html")):
        main = _main(_soup(page))
        for el in main.select("figure, details, nav, .lastned, footer, #title-block-header"):
            el.decompose()
        res[page.name] = [_norm(p.get_text("")) for p in main.find_all(["p", "li"]) if _norm(p.get_text(""))]
    return res


def _xrefs(out: Path) -> list[tuple[str, str, str]]:
    """(page, target id, link text) for every cross-reference to a figure or a section."""
    refs = []
    for page in sorted(out.glob("*.html")):
        main = _main(_soup(page))
        for el in main.select("nav, #TOC, .sidebar"):
            el.decompose()
        for a in main.find_all("a", href=True):
            m = XREF.match(a["href"])
            text = _norm(a.get_text(""))
            if m and re.match(r"(?i)(figur|avsnitt|kapittel)\u00a0", text):
                target = m.group(1) or page.name
                # a chapter reference goes to the chapter's page (Quarto leaves out "#sec-…")
                refs.append((page.name, target if text.lower().startswith("kapittel") else
                             f"{target}#{m.group(2)}", text))
    return refs




def _stage_figures(root: Path) -> list[dict]:
    return json.loads((root / "_build" / "2025" / "stage" / "stage.json").read_text())["figures"]


# --- tests ------------------------------------------------------------------------------
def test_quarto_publishes_the_same_files(built_report, quarto_report):
    (_, b), (_, q) = built_report, quarto_report
    for name in ("index.html", "tilgjengelighet.html", "kilder.html", "figurer.html", "statuskommune-2025.pdf"):
        assert (q.out_dir / name).is_file(), name
    pages = {p.name for p in b.out_dir.glob("*.html")}
    assert pages == {p.name for p in q.out_dir.glob("*.html")}
    for sub in ("figures", "data", "assets"):
        files = {p.relative_to(b.out_dir / sub) for p in (b.out_dir / sub).rglob("*") if p.is_file()}
        assert files and files <= {p.relative_to(q.out_dir / sub) for p in (q.out_dir / sub).rglob("*")}, sub
    assert json.loads((q.out_dir / ".build.json").read_text())["renderer"] == "quarto"
    for page in q.out_dir.glob("*.html"):  # the accessibility statement is linked from every page
        links = [a["href"] for a in _soup(page).find_all("a", href=True)]
        assert "tilgjengelighet.html" in links or page.name == "tilgjengelighet.html", page.name


def test_quarto_html_is_norwegian_and_requests_nothing_from_other_hosts(quarto_report):
    _, q = quarto_report
    for page in q.out_dir.glob("*.html"):
        soup = _soup(page)
        assert soup.html.get("lang") == "nb", page.name
        for tag, attr in (("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src"), ("source", "src")):
            for el in soup.find_all(tag):
                assert not re.match(r"^(https?:)?//", el.get(attr, ""), re.I), (page.name, str(el)[:200])
                if el.get(attr) and not el[attr].startswith(("data:", "#")):
                    assert (q.out_dir / el[attr].split("#")[0].split("?")[0]).is_file(), (page.name, el[attr])


def test_quarto_figures_equal_builtin(built_report, quarto_report):
    """Numbers, captions, «Kilde:» lines, alt texts, data tables and CSV links."""
    (_, b), (_, q) = built_report, quarto_report
    fb, fq = _figures(b.out_dir), _figures(q.out_dir)
    assert len(fb) >= 6 and set(fb) == set(fq)
    for fid, want in fb.items():
        got = fq[fid]
        assert got == want, (fid, {k: (want[k], got[k]) for k in want if want[k] != got[k]})
        assert (q.out_dir / got["img"]).is_file() and (q.out_dir / got["csv"][0]).is_file()


def test_quarto_text_and_numbers_equal_builtin(built_report, quarto_report):
    (_, b), (_, q) = built_report, quarto_report
    pb, pq = _prose(b.out_dir), _prose(q.out_dir)
    assert pb.keys() == pq.keys()
    for page in pb:
        missing = [p for p in pb[page] if p not in pq[page]]
        assert not missing, (page, missing[:3])
    numbers = [n["tekst"] for m in (b.out_dir.parent.parent / "figures" / "2025").glob("*/manifest.json")
               for n in json.loads(m.read_text())["numbers"].values()]
    text = " ".join(" ".join(v) for v in pq.values())
    assert numbers and all(n in text for n in numbers if n in " ".join(" ".join(v) for v in pb.values()))


def test_quarto_cross_references_equal_builtin(built_report, quarto_report):
    (_, b), (_, q) = built_report, quarto_report
    rb, rq = _xrefs(b.out_dir), _xrefs(q.out_dir)
    assert any(t.startswith("figur") for _, _, t in rb) and any(t.startswith("avsnitt") for _, _, t in rb)
    assert sorted(rb) == sorted(rq)
    html = " ".join(p.read_text(encoding="utf-8") for p in q.out_dir.glob("*.html"))
    assert "Kapitel\u00a0" not in html and "Seksjon\u00a0" not in html  # Quarto's nb labels are overridden


def test_quarto_pdf_is_tagged_ua1_with_title_language_and_alt_text(quarto_report):
    root, res = quarto_report
    pdf = PdfReader(str(res.pdf))
    cat = pdf.trailer["/Root"]
    assert cat["/MarkInfo"]["/Marked"]
    assert str(cat["/Lang"]) == "nb-NO"
    assert pdf.metadata.title == "Status Kommune 2025"
    assert cat["/ViewerPreferences"]["/DisplayDocTitle"]
    xmp = cat["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert re.search(r'pdfuaid:part(?:="1"|>\s*1\s*<)', xmp)
    elems = []
    _walk(cat["/StructTreeRoot"].get_object()["/K"], elems)
    figs = [e for e in elems if e["/S"] == "/Figure"]
    want = _stage_figures(root)
    assert len(figs) == len(want)
    assert {str(f.get("/Alt", "")) for f in figs} == {f["alt"] for f in want}
    heads = [int(str(e["/S"])[2:]) for e in elems if re.fullmatch(r"/H[1-6]", str(e["/S"]))]
    assert heads and all(b <= a + 1 for a, b in zip(heads, heads[1:])), heads


def test_quarto_pdf_has_the_builtin_captions_sources_and_references(built_report, quarto_report):
    root, res = quarto_report
    text_q = _norm(" ".join(pdf_pages(res.pdf)))
    text_b = _norm(" ".join(pdf_pages(built_report[1].pdf)))
    for f in _stage_figures(root):
        head = _norm(f"Figur\u00a0{f['number']}: {f['tittel']}")[:50]
        assert head in text_q, f["id"]
    assert text_q.count("Kilde:") == text_b.count("Kilde:")
    refs = lambda t: sorted(re.findall(r"(?:figur|avsnitt|kapittel)\u00a0\d+(?:\.\d+)?", t))  # noqa: E731
    assert refs(text_q) == refs(text_b) and refs(text_q)
    assert "Kapitel" not in text_q


def test_quarto_html_only_build(quarto_report):
    """--to html: every page (also tilgjengelighet.html); the PDF published by the html,pdf build
    above stays, unchanged, and the pages still link to it (publishing one format keeps the other)."""
    from statuskommune.build import build

    root, first = quarto_report
    pdf = (first.out_dir / "statuskommune-2025.pdf").read_bytes()
    res = build(root, None, to=["html"], renderer="quarto", quiet=True)
    assert res.rendered and all(o.state == "cached" for o in res.outcomes)  # a new format: render only
    assert (res.out_dir / "index.html").is_file() and (res.out_dir / "tilgjengelighet.html").is_file()
    assert (res.out_dir / "statuskommune-2025.pdf").read_bytes() == pdf
    assert "statuskommune-2025.pdf" in (res.out_dir / "index.html").read_text(encoding="utf-8")


# --- the project root as a Quarto project (the author's `quarto preview`) ----------------
def test_extension_in_the_project_is_up_to_date():
    """_extensions/statuskommune/ is written from the package (python -m statuskommune.render.quarto)."""
    d = REPO / "_extensions" / "statuskommune"
    want = quarto_r.extension_files()
    have = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    assert have == want, "kjør: .venv/bin/python -m statuskommune.render.quarto"
    assert "#set document(title:" in want["typst-template.typ"].decode()  # the house template


def test_variables_file_from_manifests(tmp_path):
    """The pre-render script writes {{< var >}} values where Quarto reads them (_variables.yml)."""
    import yaml

    (tmp_path / "_quarto.yml").write_text("statuskommune:\n  default-edition: 2025\n")
    d = tmp_path / "figures" / "2025" / "02-a"
    d.mkdir(parents=True)
    (d / "manifest.json").write_text(json.dumps({"numbers": {"syntetisk_andel": {"tekst": "12,5 prosent"}}}))
    script = REPO / "_extensions" / "statuskommune" / "variabler.py"
    r = subprocess.run(["python3", str(script)], cwd=tmp_path, capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if k != "QUARTO_PROFILE"})
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load((tmp_path / "_variables.yml").read_text()) == {"syntetisk_andel": "12,5 prosent"}


def test_quarto_renders_the_project_root_with_the_fig_shortcode(built_report, quarto_report, tmp_path_factory):
    """`quarto render` of the project itself (after `statuskommune execute`) gives the same figure
    numbers, captions, alt texts and numbers in the text as the build."""
    need_quarto()
    src, b = built_report
    root = tmp_path_factory.mktemp("rot") / "statuskommune"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("_book", "_build", ".venv"), symlinks=True)
    out = root / "_site-test"
    r = subprocess.run([need_quarto(), "render", "--to", "html", "--output-dir", str(out), "--quiet"],
                       cwd=root, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    fb, fr = _figures(b.out_dir), _figures(out / "chapters")
    assert set(fb) == set(fr)
    for fid, want in fb.items():
        got = fr[fid]
        for k in ("number", "caption", "kilde", "delvis", "alt"):
            assert got[k] == want[k], (fid, k, want[k], got[k])
        assert got["table"] == want["table"], fid
    pb, pr = _prose(b.out_dir), _prose(out / "chapters")
    for page, paras in pr.items():
        want = [p for p in pb[page] if not re.search(r"(figur|avsnitt|kapittel)\u00a0", p)]
        assert [p for p in want if p not in paras] == [], page


def test_staged_project_uses_the_house_typst_format(project, tmp_path):
    """The staged book renders its PDF with the project's template (not orange-book), PDF/UA-1."""
    import yaml
    from test_stage import _run_notebooks_inline

    from statuskommune.stage import stage

    ed = _run_notebooks_inline(project)
    stage(ed, tmp_path / "stage")
    q = yaml.safe_load((tmp_path / "stage" / "_quarto.yml").read_text())
    assert "typst" not in q["format"]  # Quarto's default typst book template cannot do ua-1 here
    typst = q["format"][quarto_r.TYPST_FORMAT]
    assert typst["pdf-standard"] == ["ua-1"] and typst["font-paths"] == ["assets/fonts"]
    ext = yaml.safe_load((tmp_path / "stage" / "_extensions" / "statuskommune" / "_extension.yml").read_text())
    assert ext["contributes"]["formats"]["typst"]["template-partials"][0] == "typst-template.typ"
    assert "pre-render" not in q["project"]


def test_project_fixes_quartos_norwegian_labels():
    from statuskommune import config

    lang = config.load(REPO, None).quarto["language"]
    assert lang["crossref-ch-prefix"] == "kapittel" and lang["crossref-sec-prefix"] == "avsnitt"

"""The real report, built once into a temporary copy of the repository (see conftest.built_report)."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject
from conftest import pdf_pages

pytestmark = pytest.mark.e2e

EXTERNAL = re.compile(r"^(https?:)?//", re.I)


def _figures(root):
    stage = json.loads((root / "_build" / "2025" / "stage" / "stage.json").read_text())
    return stage["figures"]


def _walk(node, out):
    node = node.get_object()
    if isinstance(node, ArrayObject):
        for k in node:
            _walk(k, out)
    elif isinstance(node, DictionaryObject):
        if "/S" in node:
            out.append(node)
        if "/K" in node:
            _walk(node["/K"], out)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00ad", "")).strip()


@pytest.fixture(scope="module")
def pdf(built_report):
    root, res = built_report
    return PdfReader(str(res.pdf))


@pytest.fixture(scope="module")
def pdf_text(built_report):
    return _norm(" ".join(pdf_pages(built_report[1].pdf)))


def test_outputs_exist_at_documented_paths(built_report):
    root, res = built_report
    assert res.html == root / "_book" / "2025" / "index.html"
    assert res.pdf == root / "_book" / "2025" / "statuskommune-2025.pdf"
    assert res.html.is_file() and res.pdf.is_file()


def test_report_has_every_figure_the_notebooks_published(built_report):
    """The real count comes from the notebooks' manifests: every published figure is in the report."""
    from statuskommune import config
    from statuskommune.chapter import read_manifest

    root, _ = built_report
    ed = config.load(root, "2025")
    published = [f["id"] for ch in ed.chapters if ed.notebook_for(ch) is not None
                 for f in read_manifest(ed.output_dir(ch.stem))["figures"]]
    staged = [f["id"] for f in _figures(root)]
    assert len(published) >= 6
    assert sorted(staged) == sorted(published)
    for f in _figures(root):
        assert (root / "_book" / "2025" / "figures" / f["chapter"] / f["svg"]).is_file(), f["id"]


def test_pdf_has_cover_toc_and_pages(built_report, pdf, pdf_text):
    assert len(pdf.pages) >= 8
    assert "Innhold" in pdf_text
    first = _norm(pdf_pages(built_report[1].pdf)[0])
    assert "Status Kommune 2025" in first


def test_pdf_has_every_figure_caption_with_source(built_report, pdf_text):
    root, _ = built_report
    for f in _figures(root):
        from statuskommune.fmt import typografi

        head = _norm(f"Figur {f['number']}: {typografi(f['tittel'])}")[:60]  # _norm: any space is " "
        assert head in pdf_text, f["id"]
    assert pdf_text.count("Kilde:") >= len(_figures(root))


def test_pdf_is_tagged_with_alt_text_on_every_figure(built_report, pdf):
    root, _ = built_report
    cat = pdf.trailer["/Root"]
    assert cat["/MarkInfo"]["/Marked"]
    assert str(cat["/Lang"]).lower().startswith("nb")
    assert pdf.metadata.title == "Status Kommune 2025"
    assert cat["/ViewerPreferences"]["/DisplayDocTitle"]
    xmp = cat["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert re.search(r'pdfuaid:part(?:="1"|>\s*1\s*<)', xmp)
    elems = []
    _walk(cat["/StructTreeRoot"].get_object()["/K"], elems)
    figs = [e for e in elems if e["/S"] == "/Figure"]
    assert len(figs) == len(_figures(root))
    assert all(str(f.get("/Alt", "")).strip() for f in figs)
    alts = {str(f["/Alt"]) for f in figs}
    from statuskommune.fmt import typografi

    # the alt text written once reaches the PDF (set in the house typography: CO₂, unbreakable numbers)
    assert alts == {typografi(f["alt"]) for f in _figures(root)}
    heads = [int(str(e["/S"])[2:]) for e in elems if re.fullmatch(r"/H[1-6]", str(e["/S"]))]
    assert all(b <= a + 1 for a, b in zip(heads, heads[1:])), heads


def _pages(root):
    return sorted((root / "_book" / "2025").glob("*.html"))


def test_html_pages_figures_and_downloads(built_report):
    root, _ = built_report
    out = root / "_book" / "2025"
    n_fig = 0
    for page in _pages(root):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert soup.html["lang"] == "nb", page.name
        assert soup.select_one("a.hopp[href='#innhold']") and soup.select_one("main#innhold"), page.name
        assert len(soup.find_all("h1")) == 1, page.name
        for fig in soup.select("figure.figur"):
            n_fig += 1
            img = fig.find("img")
            assert img and img.get("alt", "").strip(), (page.name, fig.get("id"))
            assert (out / img["src"]).is_file(), img["src"]
            assert fig.find("figcaption").get_text().startswith("Figur\u00a0")
            details = fig.find_next_sibling("details")
            assert details and details.find("table"), fig.get("id")
        for a in soup.find_all("a", href=True):
            href = a["href"]
            if EXTERNAL.match(href) or href.startswith(("#", "mailto:")):
                continue
            assert (out / href.split("#")[0]).is_file(), (page.name, href)
        pdf_link = soup.select_one("a.pdf")
        assert pdf_link and (out / pdf_link["href"]).is_file()
        a11y = [a for a in soup.find_all("a") if "Tilgjengelighetserklæring" in a.get_text()]
        assert a11y, page.name
    assert n_fig == len(_figures(root))


def test_html_requests_nothing_from_other_hosts(built_report):
    root, _ = built_report
    out = root / "_book" / "2025"
    for page in _pages(root):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in (("img", "src"), ("script", "src"), ("link", "href"), ("iframe", "src"), ("source", "src")):
            for el in soup.find_all(tag):
                assert not EXTERNAL.match(el.get(attr, "")), (page.name, el)
    css = (out / "assets" / "statuskommune.css").read_text()
    for url in re.findall(r"url\(([^)]+)\)", css):
        assert not EXTERNAL.match(url.strip("'\"")), url
        assert (out / "assets" / url.strip("'\"")).is_file(), url


# --- Norwegian typography in what readers see ------------------------------------------

NUMBERING = re.compile(r"(?i)\b(figur|figure|avsnitt|kapittel|kap\.|tabell|table|tab)\s\d+(\.\d+)*")
HEADNUM = re.compile(r"(?m)^\s*\d+(\.\d+)+\s")
URL = re.compile(r"(https?://|www\.)\S+|\S+\.(csv|pdf|html|ipynb|txt)\b")
VERSION = re.compile(r"\b(NLOD|CC BY|PDF/UA-1|WCAG)\)?\s*\d+(\.\d+)*")  # version numbers, not decimals


def _lint(text: str) -> list[str]:
    text = VERSION.sub(" ", URL.sub(" ", NUMBERING.sub(" ", text.replace("\u00a0", " "))))
    text = HEADNUM.sub(" ", text)
    bad = []
    for pat, what in [(r"\b(19|20)\d{2}-(19|20)\d{2}\b", "bindestrek i årsintervall"),
                      (r"(?<![\d.])\d+\.\d{1,2}(?![\d.])", "desimalpunktum"),
                      (r"\b\d{1,3},\d{3}\b(?!,)", "komma som tusenskille"),
                      (r"(?<![\w\-–])-\d", "bindestrek som minustegn")]:
        for m in re.finditer(pat, text):
            bad.append(f"{what}: …{text[max(0, m.start() - 30):m.end() + 30]}…")
    return bad


def test_html_text_lint(built_report):
    root, _ = built_report
    problems = []
    from statuskommune.readerlint import EDITORS_PAGES

    for page in _pages(root):
        if page.name in EDITORS_PAGES:  # verbatim quotes from the sources, for editors
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for el in soup.select(".nr, .fignr, nav.meny, footer"):
            el.decompose()
        main = soup.find("main")
        problems += [f"{page.name}: {p}" for p in _lint(main.get_text("\n"))]
    assert not problems, "\n".join(problems[:20])


def test_pdf_text_lint(built_report):
    # Skip the cover and contents, and stop at the appendix "Figurliste": its table lists figure
    # numbers ("2.48"), which are numbering, not decimals.
    pages = pdf_pages(built_report[1].pdf)[2:]
    end = next((i for i, t in enumerate(pages) if "Figurliste" in t.splitlines()[:3]), len(pages))
    assert end > 0
    problems = _lint("\n".join(pages[:end]))
    assert not problems, "\n".join(problems[:20])


def test_html_numbers_in_data_tables_use_norwegian_format(built_report):
    root, _ = built_report
    cells = []
    for page in _pages(root):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        cells += [td.get_text() for td in soup.select("table.figurtabell td.tall")]
    assert cells
    for c in cells:
        assert not re.search(r"\d\.\d", c) and "-" not in c, c
    assert any("," in c for c in cells) and any("\u2212" in c for c in cells)


def test_html_heading_levels_do_not_skip(built_report):
    root, _ = built_report
    for page in _pages(root):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        levels = [int(h.name[1]) for h in soup.find("main").find_all(re.compile(r"^h[1-6]$"))]
        assert levels and levels[0] == 1, page.name
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (page.name, levels)


def test_older_edition_builds_from_its_own_vintage(built_report):
    from statuskommune.build import build

    root, _ = built_report
    res = build(root, "2024", quiet=True)
    assert res.pdf == root / "_book" / "2024" / "statuskommune-2024.pdf" and res.pdf.is_file()
    html = (root / "_book" / "2024" / "02-lokaldemokrati.html").read_text(encoding="utf-8")
    assert "TBU, mars 2024" in html and "mars 2025" not in html.split("<main")[1].split("</main>")[0]
    assert (root / "_book" / "2025" / "index.html").is_file()  # the other edition is untouched

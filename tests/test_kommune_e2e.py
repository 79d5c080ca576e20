"""Kommune editions end to end: a large kommune (Bergen), a very small one (Utsira) and one that
was split in 2024 (Haram), built once with the command a kommune's user runs, into a temporary
copy of the repository. Expected numbers are computed here from the committed data, not typed in."""

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from statuskommune import fmt, kommuner
from statuskommune.readerlint import EDITORS_PAGES, lint_html, lint_pdf_pages
from test_e2e import _lint, _norm, _walk
from conftest import pdf_pages

pytestmark = pytest.mark.e2e
KOMMUNER = ["4601", "1151", "1580"]


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(root))
    return subprocess.run([sys.executable, "-m", "statuskommune", *args], capture_output=True, text=True,
                          env=env, cwd=root, timeout=900)


@pytest.fixture(scope="module")
def kommune_root(tmp_path_factory):
    from conftest import copy_repo

    root = copy_repo(tmp_path_factory.mktemp("kommuner") / "statuskommune")
    r = _cli(root, "build", "--edition", "2025", "--kommune", ",".join(KOMMUNER), "--quiet")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return root


def _dir(root, nr):
    return root / "_book" / "2025" / "kommuner" / nr


def _folketall(root) -> dict[tuple[str, int], int]:
    """{(kommunenummer, år): innbyggere} from the committed CSV (all ages summed)."""
    sums: dict[tuple[str, int], int] = {}
    with open(root / "data" / "2025" / "kommune" / "befolkning.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["nivaa"] == "kommune":  # one row per kommune and year, one column per age group
                sums[(r["kode"], int(r["aar"]))] = sum(int(v) for k, v in r.items() if k.startswith("personer_"))
    return sums


def _befolkning(root, kode, aar=None, folketall=None):
    folketall = folketall or _folketall(root)
    aar = aar or max(a for k, a in folketall if k == kode)
    return aar, folketall[(kode, aar)]


def _text(root, nr):
    soup = BeautifulSoup((_dir(root, nr) / "index.html").read_text(encoding="utf-8"), "html.parser")
    return _norm(soup.find("main").get_text(" "))


def _manifest(root, nr):
    return json.loads((root / "figures" / "2025" / "kommuner" / nr / "index" / "manifest.json").read_text())


def test_editions_at_the_documented_paths(kommune_root):
    for nr in KOMMUNER:
        d = _dir(kommune_root, nr)
        assert (d / "index.html").is_file()
        assert (d / f"statuskommune-2025-{nr}.pdf").is_file()
    html = (_dir(kommune_root, "4601") / "index.html").read_text(encoding="utf-8")
    assert "<title>Status Kommune 2025 – Bergen</title>" in html
    assert '<html lang="nb">' in html


def test_bergen_prose_has_the_computed_population(kommune_root):
    aar, n = _befolkning(kommune_root, "4601")
    assert f"Bergen hadde {fmt.tall(n, 0)} innbyggere 1. januar {aar}".replace("\u00a0", " ") in _text(kommune_root, "4601")


def test_utsira_reads_well_for_a_very_small_kommune(kommune_root):
    text = _text(kommune_root, "1151")
    aar, n = _befolkning(kommune_root, "1151")
    assert f"Utsira hadde {n} innbyggere 1. januar {aar}." in text
    assert "0,0 prosent" not in text and "0,00 prosent" not in text  # no share too small to mean anything
    folketall = _folketall(kommune_root)
    sizes = [folketall[(k.nr, aar)] for k in kommuner.alle(kommune_root) if (k.nr, aar) in folketall]
    assert len(sizes) == 357
    if n == min(sizes):
        assert "landets minste kommune" in text
    # Utsira has no cost index in the data: the figure is there and says what is missing
    assert "Kostnadsindeksen for Utsira mangler i datagrunnlaget" in text


def test_split_kommune_says_what_is_missing_and_invents_nothing(kommune_root):
    text = _text(kommune_root, "1580")
    assert "kommunen ble opprettet ved en deling 1. januar 2024" in text
    assert "Tallene for Haram mangler for 2021" in text
    m = _manifest(kommune_root, "1580")
    assert "endring_kommune" not in m["numbers"]  # no ten-year change for a kommune that did not exist
    folketall = (_dir(kommune_root, "1580") / "data" / "folketall.csv").read_text(encoding="utf-8").splitlines()
    assert all(int(line.split(",")[0]) >= 2024 for line in folketall[1:])


def test_each_edition_has_at_least_six_figures_with_tables_csv_and_sources(kommune_root):
    for nr in KOMMUNER:
        soup = BeautifulSoup((_dir(kommune_root, nr) / "index.html").read_text(encoding="utf-8"), "html.parser")
        figs = soup.select("figure.figur")
        assert len(figs) >= 6, nr
        for fig in figs:
            img = fig.find("img")
            assert img and img.get("alt", "").strip()
            assert (_dir(kommune_root, nr) / img["src"]).is_file()
            assert "Kilde:" in fig.get_text()
        csvs = [a["href"] for a in soup.select("a[download]") if a["href"].endswith(".csv")]
        assert len(csvs) == len(figs)
        assert all((_dir(kommune_root, nr) / h).is_file() for h in csvs)
        kart = soup.select_one("figure#fig-kart")
        assert "© Kartverket" in kart.get_text()


def test_every_number_in_the_prose_comes_from_the_kommune_notebook(kommune_root):
    src = (kommune_root / "chapters" / "kommune" / "index.qmd").read_text(encoding="utf-8")
    # ages («67 år») and the reference date («1. januar») are definitions, not data
    rest = re.sub(r"\{\{<[^>]*>\}\}|\{#[^}]*\}|\b\d+ år\b|\b1\. januar", "", src)
    assert not re.search(r"\d", rest), "tall skrevet inn for hånd i malen: " + re.search(r".{0,30}\d.{0,30}", rest).group(0)


def test_reader_lint_html_and_pdf(kommune_root):
    problems = []
    for nr in KOMMUNER:
        for page in sorted(_dir(kommune_root, nr).glob("*.html")):
            if page.name in EDITORS_PAGES:
                continue
            problems += [f"{nr}/{page.name}: {p}" for p in lint_html(page.read_text(encoding="utf-8"), page.name, edition="2025")]
            soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            for el in soup.select(".nr, .fignr, nav.meny, footer"):
                el.decompose()
            problems += [f"{nr}/{page.name}: {p}" for p in _lint(soup.find("main").get_text("\n"))]
        pages = pdf_pages(_dir(kommune_root, nr) / f"statuskommune-2025-{nr}.pdf")
        problems += [f"{nr} PDF: {p}" for p in lint_pdf_pages(pages, nr, edition="2025")]
    assert not problems, "\n".join(problems[:20])


def test_pdf_is_tagged_with_the_alt_text_of_every_figure(kommune_root):
    pdf = PdfReader(str(_dir(kommune_root, "4601") / "statuskommune-2025-4601.pdf"))
    cat = pdf.trailer["/Root"]
    assert str(cat["/Lang"]).lower().startswith("nb")
    assert pdf.metadata.title == "Status Kommune 2025 – Bergen"
    elems = []
    _walk(cat["/StructTreeRoot"].get_object()["/K"], elems)
    alts = {str(e["/Alt"]) for e in elems if e["/S"] == "/Figure"}
    assert alts == {f["alt"] for f in _manifest(kommune_root, "4601")["figures"]}


def test_index_lists_the_published_editions_and_every_link_works(kommune_root):
    base = kommune_root / "_book" / "2025" / "kommuner"
    soup = BeautifulSoup((base / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in soup.select(".kommuneliste a")]
    assert sorted(links) == sorted(f"{nr}/index.html" for nr in KOMMUNER)
    assert all((base / h).is_file() for h in links)
    img = soup.select_one(".kommunekart img")
    assert img and img["alt"] and (base / img["src"]).is_file()
    assert soup.find("html")["lang"] == "nb"
    # usable without JavaScript: the list is plain links; the filter field starts hidden
    assert soup.select_one("#finn").has_attr("hidden")


def _tree_hash(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(d)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("arg,expect", [
    ("9999", "Nærmeste kommunenumre: 5636"),
    ("abc", "ingen kommune heter «abc»"),
    ("3001", "har kommunen nummeret 3101 (Halden); bruk --kommune 3101"),
    ("1507", "ble delt 1. januar 2024 i 1508 Ålesund og 1580 Haram"),
])
def test_bad_kommune_stops_with_a_clear_message_and_touches_nothing(kommune_root, arg, expect):
    before = _tree_hash(kommune_root / "_book")
    r = _cli(kommune_root, "build", "--kommune", arg, "--quiet")
    assert r.returncode == 1
    assert expect in r.stderr, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert _tree_hash(kommune_root / "_book") == before


# --- accessibility of one kommune edition: axe-core in Chromium and veraPDF PDF/UA-1 ---------------

@pytest.mark.browser
def test_kommune_edition_and_index_pass_axe_at_320px_without_other_hosts(kommune_root):
    import shutil

    from test_browser import CHROMIUM, REPO, _need

    _need(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    _need(shutil.which("node") is not None and (REPO / "node_modules" / "playwright-core").is_dir(),
          "Node.js med playwright-core (npm ci)")
    site = kommune_root / "_book" / "2025"
    from statuskommune.render import html as html_r
    html_r.copy_assets(site)  # the index page uses the national edition's style sheet (not built here)
    pages = []
    for sub in ("kommuner/4601", "kommuner"):
        r = subprocess.run(["node", str(REPO / "tests" / "browser" / "check.mjs"), str(site), sub],
                           capture_output=True, text=True, timeout=600, env=dict(os.environ, CHROMIUM=CHROMIUM))
        assert r.returncode == 0, r.stderr[-3000:]
        pages += json.loads(r.stdout)["pages"]
    assert {"kommuner/4601/index.html", "kommuner/index.html"} <= {p["page"] for p in pages}
    bad = {p["page"]: p["violations"] for p in pages if p["violations"]}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
    assert not {p["page"]: p["overflow320"] for p in pages if p["overflow320"] > 0}
    assert not {p["page"]: p["external"] for p in pages if p["external"]}
    downloads = [d for p in pages for d in p["downloads"]]
    assert any(d["href"].endswith(".pdf") for d in downloads)
    assert all(d["status"] == 200 for d in downloads), downloads


def test_kommune_pdf_is_pdf_ua_1(kommune_root):
    import verapdf
    from test_verapdf import _need as need_tool

    try:
        verapdf.ensure()
    except verapdf.Unavailable as exc:
        need_tool(False, str(exc))
    report = verapdf.validate(_dir(kommune_root, "1151") / "statuskommune-2025-1151.pdf", "ua1")
    assert report.profile.startswith("PDF/UA-1"), report.profile
    assert report.compliant and not report.rules, report.describe()

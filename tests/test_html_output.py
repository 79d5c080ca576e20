"""What a reader gets in the web edition and the PDF (issue 13 §5)."""

import re

import yaml
from bs4 import BeautifulSoup

from statuskommune import fmt
from statuskommune.build import build
from conftest import pdf_pages

ALT_ALLOWED = {"img", "area", "input"}


def test_running_text_typography():
    assert fmt.lopende_tekst("Skogen binder CO2, 3 000 dekar.") == "Skogen binder CO\u2082, 3\u00a0000 dekar."
    assert fmt.lopende_tekst("12 345 678 kroner") == "12\u00a0345\u00a0678 kroner"
    # link targets, URLs, attributes and code are never altered
    s = "[CO2-tall](https://example.org/a--CO2) <https://example.org/co2--b> {#sec-co2 .x} `CO2 3 000`"
    assert fmt.lopende_tekst(s) == s.replace("[CO2-tall]", "[CO\u2082-tall]")
    assert fmt.lopende_tekst("i årene 2015 2024") == "i årene 2015 2024"  # years are not thousands
    assert fmt.kjemi("data/CO2.csv og CO2ekv") == "data/CO2.csv og CO2ekv"


def test_accessibility_statement_contact_from_configuration(project):
    res = build(project, "2025", quiet=True, to=["html"])
    page = (project / "_book/2025/tilgjengelighet.html").read_text(encoding="utf-8")
    assert any("statuskommune.contact" in w for w in res.warnings)
    assert "mailto:" not in page and "@" not in BeautifulSoup(page, "html.parser").main.get_text()
    prof = project / "_quarto-2025.yml"
    q = yaml.safe_load(prof.read_text(encoding="utf-8"))
    q["statuskommune"]["contact"] = "mailto:tilgjengelighet@example.org"
    prof.write_text(yaml.safe_dump(q), encoding="utf-8")
    res = build(project, "2025", quiet=True, to=["html"])
    page = (project / "_book/2025/tilgjengelighet.html").read_text(encoding="utf-8")
    assert "tilgjengelighet@example.org" in page
    assert not any("statuskommune.contact" in w for w in res.warnings)


def test_cover_shows_configured_publication_date_never_the_build_date(project):
    import datetime as dt

    import pypdf

    prof = project / "_quarto-2025.yml"
    q = yaml.safe_load(prof.read_text(encoding="utf-8"))
    q["statuskommune"]["publication-date"] = "2025-06-05"
    prof.write_text(yaml.safe_dump(q), encoding="utf-8")
    res = build(project, "2025", quiet=True, to=["pdf"])
    first = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(res.pdf)).pages[:2])
    assert "5. juni 2025" in first
    assert fmt.dato(dt.date.today()) not in first


def _pages(out, readers_only=False):
    from statuskommune.readerlint import EDITORS_PAGES

    return [p for p in sorted(out.glob("*.html")) if not (readers_only and p.name in EDITORS_PAGES)]


def test_no_alt_attribute_outside_images(built_report):
    root, res = built_report
    bad = []
    for page in _pages(res.out_dir):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        bad += [f"{page.name}: <{el.name}>" for el in soup.find_all(alt=True) if el.name not in ALT_ALLOWED]
    assert not bad, bad[:10]


def test_missing_values_in_data_tables_are_said_in_words(built_report):
    root, res = built_report
    cells = []
    for page in _pages(res.out_dir):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        cells += [c.get_text().strip() for c in soup.select("table.figurtabell td")]
    assert cells and ".." not in cells and ":" not in cells
    assert "mangler" in cells  # the real edition has gaps (e.g. years without a survey)


def test_chemical_formulas_and_unbreakable_numbers(built_report):
    root, res = built_report
    text = "\n".join(BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser").main.get_text("\n")
                     for p in _pages(res.out_dir, readers_only=True))
    assert "CO\u2082" in text and not re.search(r"\bCO2\b", text)
    assert not re.search(r"(?<![\d,.])\d{1,3} \d{3}(?!\d)", text), "a number with a breakable space"
    pdf = "\n".join(pdf_pages(res.pdf))
    assert "CO\u2082" in pdf and not re.search(r"\bCO2\b", pdf)


def test_pdf_appendices_are_a_small_part_and_urls_are_links(built_report):
    import json

    import pypdf

    from statuskommune import appendix

    root, res = built_report
    r = pypdf.PdfReader(str(res.pdf))
    firsts = [(t.splitlines() or [""])[0].strip() for t in pdf_pages(res.pdf)]
    start = firsts.index("Kilder")
    assert (len(r.pages) - start) / len(r.pages) <= 0.2, f"vedleggene er {len(r.pages) - start} av {len(r.pages)} sider"
    uris = set()
    for p in r.pages:
        for a in p.get("/Annots") or []:
            a = a.get_object()
            if a.get("/A") and a["/A"].get("/URI"):
                uris.add(str(a["/A"]["/URI"]))
    staged = json.loads((root / "_build" / res.edition / "stage" / "stage.json").read_text(encoding="utf-8"))
    stems = {f["id"] for f in staged["figures"]}
    assert stems
    from statuskommune import config
    from statuskommune.stage import load_manifests

    ed = config.load(root, res.edition)
    used = appendix.datasets_used(ed, load_manifests(ed), staged["figures"])
    wanted = {u for d in used for u in appendix._urls(d["url"])}
    assert wanted and wanted <= uris, sorted(wanted - uris)[:5]
    assert not [u for u in uris if "\u2013" in u or "\u2014" in u]

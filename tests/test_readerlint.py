"""Nothing of the pipeline's working notes reaches a reader (issue 13 §1).

Unit tests of each rule on made-up sentences, then the rules on the real built edition."""

import datetime as dt

import pytest

from statuskommune import fmt
from statuskommune.readerlint import EDITORS_PAGES, lint_html, lint_pdf_pages, lint_text
from conftest import pdf_pages


def _rules(text, **kw):
    kw.setdefault("edition", "2025")
    return {f.rule for f in lint_text(text, "test", **kw)}


@pytest.mark.parametrize("text, rule", [
    ("Tallene er hentet fra 000_0f2a8750f9b7c090.txt.", "filnavn"),
    ("Se data/2025/tbu/driftsresultat.resource.yaml for detaljer.", "filnavn"),
    ("Skrevet av fra seed 000, linje 1564–1602.", "linjenummer"),
    ("Skrevet av fra seed 000.", "«seed» (arbeidsnotat)"),
    ("Prosjektet har ikke funnet tallene.", "«prosjektet» (arbeidsnotat)"),
    ("Figur 3.2 er ikke gjengitt i denne utgaven.", "dekningsnotat"),
    ("Norsk Vann, rapport 259/2021 (gjengitt i Status Kommune).", "«gjengitt i» (kilden skal være den primære)"),
    ("Figuren i Status Kommune 2025 viser flere institusjoner.", "omtale av en annen utgaves figur"),
    ("Publisert: ukjent", "«ukjent» som metadata"),
    ("«Figurer og dekning» viser hvilke av figurene i forrige utgave som er gjengitt.", "dekningsnotat"),
    ("Alle figurene er laget på nytt fra data med oppgitt kilde.", "dekningsnotat"),
])
def test_each_rule_finds_its_working_note(text, rule):
    assert rule in _rules(text)


def test_self_citation_of_the_edition_being_built():
    assert any("rapporten selv" in r for r in _rules("x", sources=["Kilde: KS, Status Kommune 2025."]))
    assert any("rapporten selv" in r for r in _rules("Kilde: Norsk helsenett og KS, Status Kommune 2025."))
    # the previous edition may be cited by a later one
    assert not _rules("x", edition="2026", sources=["Kilde: KS, Status Kommune 2025."])


def test_build_date_is_not_shown():
    today = dt.date(2026, 11, 23)
    assert "byggedatoen vises for leserne" in _rules(f"Utgave 2025 · laget {fmt.dato(today)}", build_date=today)
    assert not _rules("Utgave 2025 · publisert 12. juni 2025", build_date=today)


def test_clean_reader_text_passes():
    text = ("Netto driftsresultat var 0,1 prosent av inntektene i 2024 (figur 2.3). "
            "Kilde: Respons Analyse, Tillitsbarometeret (gjengitt av NTB). Tall fra SSB, tabell 09475.")
    assert lint_text(text, "test", edition="2025", sources=[text]) == []


def test_html_page_checks_main_text_and_kilde_spans():
    html = ('<html><body><nav>seed</nav><main><p>Tekst.</p>'
            '<figcaption>Tittel. <span class="kilde">Kilde: KS, Status Kommune 2025.</span></figcaption>'
            '</main></body></html>')
    rules = {f.rule for f in lint_html(html, "x.html", edition="2025")}
    assert rules == {"kilden viser til rapporten selv (Status Kommune 2025)"}


# --- the real edition -------------------------------------------------------------------------

def test_built_html_has_no_working_notes(built_report):
    root, res = built_report
    found = []
    for page in sorted(res.out_dir.glob("*.html")):
        if page.name in EDITORS_PAGES:
            continue
        found += lint_html(page.read_text(encoding="utf-8"), page.name, edition=res.edition,
                           build_date=dt.date.today())
    assert not found, "\n".join(map(str, found[:40]))


def test_built_pdf_has_no_working_notes(built_report):
    root, res = built_report
    pages = pdf_pages(res.pdf)
    found = lint_pdf_pages(pages, res.pdf.name, edition=res.edition, build_date=dt.date.today())
    assert not found, "\n".join(map(str, found[:40]))


def test_editors_page_has_the_full_provenance_and_is_not_in_the_pdf(built_report):
    root, res = built_report
    ed_page = (res.out_dir / "datagrunnlag.html").read_text(encoding="utf-8")
    assert "Tallene er hentet fra" in ed_page and "resource.yaml" in ed_page
    text = "\n".join(pdf_pages(res.pdf))
    assert "Datagrunnlag for redaksjonen" not in text and "Tallene er hentet fra" not in text

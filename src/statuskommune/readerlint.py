"""Reader-output lint: the pipeline's working notes must never reach a reader.

Runs on the text of the built HTML pages and PDF (the editors' page «Datagrunnlag» is exempt: it is
where the full provenance belongs). It finds file names, line numbers, the word «seed», talk about
«prosjektet», coverage wording, the report citing itself as a source, and the build date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import fmt

EDITORS_PAGES = {"datagrunnlag.html"}

FILE_RE = re.compile(r"\b[\w.\-]+\.(?:txt|csv|ya?ml|ipynb|qmd|py|json|typ|lua)\b", re.I)
RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\blinje(?:r|ne)?\s+\d+", re.I), "linjenummer"),
    (re.compile(r"\bseed\b", re.I), "«seed» (arbeidsnotat)"),
    (re.compile(r"\bprosjekte(?:t|ts)\b", re.I), "«prosjektet» (arbeidsnotat)"),
    (re.compile(r"\b(?:ikke|delvis)\s+gjengitt\b|\bdekningsrapport\w*|\bdekning av figurene\b"
                r"|\bforrige utgaves figur\w*|\bkunne ikke gjengis\b", re.I), "dekningsnotat"),
    (re.compile(r"\bFigurer og dekning\b|\bfigurene i forrige utgave\b|\b(?:tegnet|laget) på nytt\b"
                r"|\bsom er gjengitt\b", re.I), "dekningsnotat"),
    (re.compile(r"\bgjengitt i\b", re.I), "«gjengitt i» (kilden skal være den primære)"),
    (re.compile(r"\bfiguren i Status Kommune\b", re.I), "omtale av en annen utgaves figur"),
    (re.compile(r"\bPublisert:\s*ukjent\b|\bukjent dato\b", re.I), "«ukjent» som metadata"),
]


@dataclass
class Finding:
    where: str
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: …{self.excerpt}…"


def _excerpt(text: str, m: re.Match) -> str:
    return text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")


def lint_text(text: str, where: str, *, edition: str, build_date: dt.date | None = None,
              sources: list[str] | None = None) -> list[Finding]:
    """Working notes in ``text`` (a page's visible text). ``sources`` are the page's «Kilde» lines,
    checked for self-citation of the edition being built."""
    out = []
    for m in FILE_RE.finditer(text):
        out.append(Finding(where, "filnavn", _excerpt(text, m)))
    for rx, rule in RULES:
        for m in rx.finditer(text):
            out.append(Finding(where, rule, _excerpt(text, m)))
    self_ref = re.compile(rf"Status\s+Kommune\s+{re.escape(str(edition))}", re.I)
    for m in re.finditer(rf"\bKS,\s+Status\s+Kommune\s+{re.escape(str(edition))}", text, re.I):
        out.append(Finding(where, f"kilden viser til rapporten selv (Status Kommune {edition})", _excerpt(text, m)))
    for s in sources or []:
        if self_ref.search(s):
            out.append(Finding(where, f"kilden viser til rapporten selv (Status Kommune {edition})", s[:120]))
    if build_date is not None:
        for form in {fmt.dato(build_date), fmt.dato(build_date, "short"), build_date.isoformat()}:
            i = text.find(form)
            if i != -1:
                out.append(Finding(where, "byggedatoen vises for leserne", text[max(0, i - 40):i + 40]))
    return out


def lint_html(html: str, page: str, *, edition: str, build_date: dt.date | None = None) -> list[Finding]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    sources = [el.get_text(" ") for el in soup.select(".kilde")]
    main = soup.find("main") or soup
    return lint_text(main.get_text(" "), page, edition=edition, build_date=build_date, sources=sources)


def lint_pdf_pages(pages: list[str], name: str, *, edition: str, build_date: dt.date | None = None) -> list[Finding]:
    out = []
    for i, t in enumerate(pages, start=1):
        sources = [ln for ln in t.splitlines() if ln.strip().startswith("Kilde:")]
        out += lint_text(t, f"{name}, side {i}", edition=edition, build_date=build_date, sources=sources)
    return out

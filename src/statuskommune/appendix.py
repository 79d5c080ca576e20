"""Generated pages: "Kilder og data", the table of figures with the coverage report, and the
accessibility statement. All come from the registries (dataset descriptions, notebook manifests,
the edition's reference figure list), never from hand-kept copies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from . import coverage, fmt
from . import datasets as ds_mod
from .config import Edition


def datasets_used(ed: Edition, manifests: dict[str, dict], figures: list[dict]) -> list[dict]:
    """Every dataset read by the edition's notebooks, with its provenance and the figures using it."""
    names: dict[str, None] = {}
    for m in manifests.values():
        for n, fp in m.get("datasets_read", {}).items():
            if fp != ds_mod.MISSING:
                names[n] = None
    out = []
    for key in sorted(names):
        n, _, vintage = key.partition("@")
        d = ds_mod.resolve(ed.root, n, vintage or ed.vintage)
        p = d.provenance
        out.append({
            "name": n,
            "file": d.csv.relative_to(ed.root).as_posix(),
            "descriptor": d.descriptor_path.relative_to(ed.root).as_posix(),
            "title": d.title,
            "publisher": p.get("publisher", ""),
            "original": p.get("original", ""),
            "via": p.get("via", ""),
            "url": p.get("url", ""),
            "published": str(p.get("published", "") or ""),
            "retrieved": str(p.get("retrieved", "") or ""),
            "licence": d.licence,
            "licence_names": [x.get("name", "") for x in (d.descriptor.get("licenses") or [])],
            "unit": p.get("unit", ""),
            "copied_from": p.get("copied_from", ""),
            "kilde": d.kilde,
            "figures": [f["number"] for f in figures if key in f.get("datasets", [])],
            "csv_name": (f"{vintage}--" if vintage else "") + n.replace("/", "--") + ".csv",
        })
    return out


def _date(s: str) -> str:
    try:
        return fmt.dato(s) if len(s) == 10 else s
    except ValueError:
        return s


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _urls(s: str) -> list[str]:
    return [u.strip() for u in re.split(r"[;\s]+", s or "") if u.strip().startswith(("http://", "https://"))]


def reader_sources(used: list[dict], figures: list[dict]) -> list[dict]:
    """The reader's source list: one entry per «Kilde» text, with its publisher, the figures that
    cite it and the public addresses of the data. Working notes (where the project copied a number
    from, files, lines) stay in the dataset descriptions, for editors."""
    by_kilde: dict[str, dict] = {}
    for d in used:
        e = by_kilde.setdefault(d["kilde"], {"kilde": d["kilde"], "publishers": [], "urls": [], "figures": []})
        if d["publisher"] and d["publisher"] not in e["publishers"]:
            e["publishers"].append(d["publisher"])
        for u in _urls(d["url"]):
            if u not in e["urls"]:
                e["urls"].append(u)
        for n in d["figures"]:
            if n not in e["figures"]:
                e["figures"].append(n)
    key = lambda n: tuple(int(x) for x in n.split("."))  # noqa: E731
    out = [e for e in by_kilde.values() if e["figures"]]
    for e in out:
        e["figures"].sort(key=key)
    return sorted(out, key=lambda e: e["kilde"].casefold())


def _md_link_text(s: str) -> str:
    """Link text shown exactly as written: no smart dashes («--» stays two hyphens)."""
    return _md_escape(s).replace("-", "\\-")


def write_pages(ed: Edition, stage_dir: Path, figures: list[dict], used: list[dict],
                manifests: dict[str, dict]):
    from .stage import Page

    pages = []
    # --- Kilder (for readers, in the PDF and on the web) --------------------------------------
    lines = ["# Kilder {#sec-kilder .unnumbered}", "",
             "Figurene i rapporten er tegnet fra tall som kildene nedenfor har publisert. Under hver "
             "figur i nettutgaven kan tallene vises som en tabell og lastes ned.", ""]
    for e in reader_sources(used, figures):
        figs = fmt.liste([f"figur\u00a0{n}" for n in e["figures"]])
        text = f"- **{_md_escape(fmt.typografi(e['kilde']))}.** "
        if e["publishers"] and not any(p.split(" (")[0] in e["kilde"] for p in e["publishers"]):
            text += "Utgiver: " + _md_escape(fmt.liste(e["publishers"])) + ". "
        text += f"Brukt i {figs}."
        if e["urls"]:
            text += " " + " ".join(f"<{u}>" for u in e["urls"])
        lines.append(text)
    lines.append("")
    (stage_dir / "kilder.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages.append(Page("kilder", "appendix", "Kilder"))

    # --- Figurliste (for readers) --------------------------------------------------------------
    lines = ["# Figurliste {#sec-figurer .unnumbered}", ""]
    lines += ["| Figur | Tittel | Kilde |", "|:-|:---------|:----|"]
    for f in figures:
        lines.append(f"| [{f['number']}]({f['page']}#fig-{f['id']}) | {_md_escape(fmt.typografi(f['tittel']))} | "
                     f"{_md_escape(fmt.typografi(f['kilde']))} |")
    lines.append("")
    (stage_dir / "figurer.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages.append(Page("figurer", "appendix", "Figurliste"))

    # --- Hva er endret siden forrige utgave --------------------------------------------------------
    prev = ed.previous_edition
    if prev:
        from . import config as config_mod
        from . import diff as diff_mod

        old_vintage = config_mod.load(ed.root, prev).vintage
        lines = diff_mod.reader_page(ed.root, prev, ed.vintage, old_vintage)
        (stage_dir / "endringer.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
        pages.append(Page("endringer", "appendix", "Hva er endret siden forrige utgave"))

    # --- Datagrunnlag (for editors; web only) ----------------------------------------------------
    pages.append(_editors_page(ed, stage_dir, figures, used))

    # --- Tilgjengelighetserklæring (HTML only) ------------------------------------------
    if not ed.accessibility_url.startswith(("http://", "https://")):
        pages.append(_accessibility_page(ed, stage_dir))
    return pages


EDITORS_PAGE = "datagrunnlag"


def _editors_page(ed: Edition, stage_dir: Path, figures: list[dict], used: list[dict]):
    """Everything an editor needs to check a number: each dataset's full description and the
    coverage of the previous edition's figures. Not part of the PDF."""
    from .stage import Page

    src_dir = stage_dir / "data" / "kilder"
    src_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# Datagrunnlag for redaksjonen {#sec-datagrunnlag .unnumbered}", "",
             "Denne siden er for redaksjonen og for lesere som vil etterprøve tallene. Hvert datasett "
             "er en CSV-fil med en maskinlesbar beskrivelse (Frictionless Data) som oppgir utgiver, "
             "originaltabell, lisens, datoer og nøyaktig hvor tallene er hentet fra. Tallene i "
             "nedlastingene bruker desimalpunktum.", "",
             "## Datasett {.unnumbered}", ""]
    for d in used:
        shutil.copyfile(ed.root / d["file"], src_dir / d["csv_name"])
        shutil.copyfile(ed.root / d["descriptor"], src_dir / (d["csv_name"][:-4] + ".resource.yaml"))
        lines += [f"### {_md_escape(d['title'])} {{.unnumbered}}", ""]
        rows = [("Utgiver", d["publisher"]), ("Originalkilde", d["original"]), ("Kilde i figurene", d["kilde"])]
        if d["via"]:
            rows.append(("Hentet via", d["via"]))
        rows += [("Nettadresse", " ".join(f"<{u}>" for u in _urls(d["url"])))]
        if d["published"]:
            rows.append(("Publisert", _date(d["published"])))
        if d["retrieved"]:
            rows.append(("Hentet", _date(d["retrieved"])))
        rows.append(("Lisens", d["licence"]))
        if d["unit"]:
            rows.append(("Enhet", d["unit"]))
        if d["copied_from"]:
            rows.append(("Tallene er hentet fra", d["copied_from"]))
        if d["figures"]:
            rows.append(("Brukt i", fmt.liste([f"figur\u00a0{n}" for n in d["figures"]])))
        desc_name = d["csv_name"][:-4] + ".resource.yaml"
        rows.append(("Data", f"[{_md_link_text(d['csv_name'])}](data/kilder/{d['csv_name']}) og beskrivelsen "
                             f"[{_md_link_text(desc_name)}](data/kilder/{desc_name})"))
        for k, v in rows:
            if not v:
                continue
            shown = v if k in ("Nettadresse", "Data") else _md_escape(fmt.typografi(str(v)))
            lines.append(f"- **{k}:** {shown}")
        lines.append("")
    cov = coverage.compute(ed, figures)
    if cov is not None:
        counts = cov.counts()
        lines += ["## Dekning av figurene i forrige utgave {.unnumbered}", "",
                  f"Tabellen viser hvordan hver av de {cov.total} figurene i «{cov.reference_title}» "
                  f"er dekket i denne utgaven: {counts['gjengitt']} er gjengitt, {counts['delvis']} er "
                  f"delvis gjengitt, og {counts['ikke']} er ikke gjengitt. En figur gjengis bare med "
                  "tall fra en kilde som kan siteres; mangler tallene, står det hvilken kilde som trengs.",
                  "", "| Figur | Tittel | Kilde i forrige utgave | Status | Vår figur | Merknad |",
                  "|:-|:-------|:----|:--|:-|:-------|"]
        for r in cov.rows:
            ours = ", ".join(f"[{n}]({p}#fig-{i})" for n, p, i in r.ours)
            lines.append(f"| {r.figur} | {_md_escape(fmt.typografi(r.tittel))} | {_md_escape(r.kilde)} | "
                         f"{coverage.STATUS_TEXT[r.status]} | {ours} | {_md_escape(fmt.typografi(r.merknad))} |")
        lines.append("")
    (stage_dir / f"{EDITORS_PAGE}.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Page(EDITORS_PAGE, "extra", "Datagrunnlag for redaksjonen", in_pdf=False)


def _accessibility_page(ed: Edition, stage_dir: Path):
    from .stage import Page

    if ed.contact:
        feedback = (f"Finner du noe som ikke er tilgjengelig, kan du melde fra til {ed.publisher}: "
                    f"<{ed.contact}>. Du kan også klage til Tilsynet for universell utforming av ikt.")
    else:
        feedback = ("Finner du noe som ikke er tilgjengelig, kan du klage til Tilsynet for universell "
                    "utforming av ikt.")
    text = [
        "# Tilgjengelighet {#sec-tilgjengelighet .unnumbered}", "",
        f"Nettutgaven av {ed.title} skal oppfylle kravene i WCAG 2.1 nivå AA, slik forskrift om "
        "universell utforming av IKT-løsninger krever. Hver side testes automatisk med axe-core og "
        "Nu Html Checker før publisering, og PDF-en lages som tagget PDF/UA-1.", "",
        "## Slik er rapporten laget tilgjengelig {.unnumbered}", "",
        "- Alle figurer har en alternativ tekst som sier hva slags diagram det er og hva det viser.",
        "- Under hver figur kan tallene vises som en tabell, og de kan lastes ned som CSV.",
        "- Fargene har minst 3:1 kontrast mot bakgrunnen, og linjer skilles også med markører og strektype.",
        "- Sidene kan leses på en skjermbredde ned til 320 piksler uten sidelengs rulling.",
        "- Nettstedet henter ingen skrifter, skript eller stilark fra andre nettsteder.", "",
        "## Kjente mangler {.unnumbered}", "",
        "- Diagrammene er bilder; innholdet er tilgjengelig gjennom alternativ tekst og tabell, ikke i selve bildet.", "",
        "## Tilbakemelding {.unnumbered}", "",
        feedback,
    ]
    (stage_dir / "tilgjengelighet.qmd").write_text("\n".join(text) + "\n", encoding="utf-8")
    return Page("tilgjengelighet", "extra", "Tilgjengelighet", in_pdf=False)


def config_warnings(ed: Edition) -> list[str]:
    """What the editors have not configured, said at build time (never guessed for readers)."""
    out = []
    prof = f"_quarto-{ed.edition}.yml"
    if not ed.contact and not ed.accessibility_url.startswith(("http://", "https://")):
        out.append(f"{prof}: statuskommune.contact (e-post eller nettadresse for tilbakemeldinger om "
                   "tilgjengelighet) er ikke satt; tilgjengelighetserklæringen nevner da bare Tilsynet.")
    if not ed.publication_date:
        out.append(f"{prof}: statuskommune.publication-date er ikke satt; omslaget og kolofonen viser da "
                   "ingen publiseringsdato.")
    return out


LICENCE_TEXT = {"CC-BY-4.0": "CC BY 4.0", "NLOD-2.0": "NLOD 2.0"}


def colophon_facts(ed: Edition, used: list[dict]) -> dict:
    """What the colophon may say, each fact from the configuration or the datasets' descriptions."""
    names = set()
    for d in used:
        names.update(d["licence_names"])
    open_ = [LICENCE_TEXT[n] for n in sorted(names) if n in LICENCE_TEXT]
    parts = []
    if open_:
        parts.append("Tall fra offentlige kilder er åpne data (" + fmt.liste(open_) + ").")
    if names - set(LICENCE_TEXT):
        parts.append("Tall fra andre utgivere er sitert med kildehenvisning, og opphavsretten ligger hos utgiveren.")
    return {"publisher": ed.publisher, "published": ed.publication_date, "web_url": ed.web_url,
            "licences": " ".join(parts)}

"""Generated pages: "Kilder og data", the table of figures with the coverage report, and the
accessibility statement. All come from the registries (dataset descriptions, notebook manifests,
the edition's reference figure list), never from hand-kept copies.
"""

from __future__ import annotations

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


def write_pages(ed: Edition, stage_dir: Path, figures: list[dict], used: list[dict],
                manifests: dict[str, dict]):
    from .stage import Page

    pages = []
    # --- Kilder og data ---------------------------------------------------------------
    src_dir = stage_dir / "data" / "kilder"
    src_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# Kilder og data {#sec-kilder .unnumbered}", "",
             "Alle figurene i rapporten er tegnet på nytt fra datasettene nedenfor. Hvert datasett "
             "er en CSV-fil med en maskinlesbar beskrivelse (Frictionless Data) som oppgir utgiver, "
             "originaltabell, lisens og datoer. Der tall er skrevet av fra en publikasjon, sier "
             "beskrivelsen nøyaktig hvor de er hentet fra. Tallene i nedlastingene bruker desimalpunktum.", ""]
    lines += ["## Datasett {.unnumbered}", ""]
    for d in used:
        shutil.copyfile(ed.root / d["file"], src_dir / d["csv_name"])
        shutil.copyfile(ed.root / d["descriptor"], src_dir / (d["csv_name"][:-4] + ".resource.yaml"))
        lines.append(f"### {_md_escape(d['title'])} {{.unnumbered}}")
        lines.append("")
        rows = [("Utgiver", d["publisher"]), ("Originalkilde", d["original"])]
        if d["via"]:
            rows.append(("Hentet via", d["via"]))
        if d["url"]:
            rows.append(("Nettadresse", f"<{d['url']}>"))
        if d["published"]:
            rows.append(("Publisert", _date(d["published"])))
        rows += [("Hentet", _date(d["retrieved"])), ("Lisens", d["licence"])]
        if d["unit"]:
            rows.append(("Enhet", d["unit"]))
        if d["figures"]:
            rows.append(("Brukt i", fmt.liste([f"figur {n}" for n in d["figures"]])))
        desc_name = d["csv_name"][:-4] + ".resource.yaml"
        rows.append(("Data", f"[{d['csv_name']}](data/kilder/{d['csv_name']}) og beskrivelsen "
                             f"[{desc_name}](data/kilder/{desc_name}), som også sier nøyaktig hvor tallene er hentet fra"))
        for k, v in rows:
            shown = v if k in ("Nettadresse", "Data") else _md_escape(fmt.typografi(str(v)))
            lines.append(f"- **{k}:** {shown}")
        lines.append("")
    (stage_dir / "kilder.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages.append(Page("kilder", "appendix", "Kilder og data"))

    # --- Figurer og dekning -------------------------------------------------------------
    lines = ["# Figurer og dekning {#sec-figurer .unnumbered}", "",
             "## Figurliste {.unnumbered}", ""]
    lines += ["| Figur | Tittel | Kilde |", "|:-|:---------|:----|"]
    for f in figures:
        lines.append(f"| [{f['number']}]({f['page']}#fig-{f['id']}) | {_md_escape(f['tittel'])} | "
                     f"{_md_escape(f['kilde'])} |")
    lines.append("")
    cov = coverage.compute(ed, figures)
    if cov is not None:
        counts = cov.counts()
        lines += ["## Dekning av figurene i forrige utgave {.unnumbered}", "",
                  f"Tabellen viser hvordan hver av de {cov.total} figurene i «{cov.reference_title}» "
                  f"er dekket i denne utgaven: {counts['gjengitt']} er gjengitt, {counts['delvis']} er "
                  f"delvis gjengitt, og {counts['ikke']} er ikke gjengitt. En figur gjengis bare med "
                  "tall fra en kilde som kan siteres; mangler tallene, står det hvilken kilde som trengs.",
                  "", "| Figur | Tittel | Kilde i 2025-utgaven | Status | Vår figur | Merknad |",
                  "|:-|:-------|:----|:--|:-|:-------|"]
        for r in cov.rows:
            ours = ", ".join(f"[{n}]({p}#fig-{i})" for n, p, i in r.ours)
            lines.append(f"| {r.figur} | {_md_escape(fmt.typografi(r.tittel))} | {_md_escape(r.kilde)} | "
                         f"{coverage.STATUS_TEXT[r.status]} | {ours} | {_md_escape(fmt.typografi(r.merknad))} |")
        lines.append("")
    (stage_dir / "figurer.qmd").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages.append(Page("figurer", "appendix", "Figurer og dekning"))

    # --- Tilgjengelighetserklæring (HTML only) ------------------------------------------
    if not ed.accessibility_url.startswith(("http://", "https://")):
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
            "- Diagrammene er bilder; innholdet er tilgjengelig gjennom alternativ tekst og tabell, ikke i selve bildet.",
            "- PDF-en er ikke kontrollert med veraPDF eller PAC; den automatiske kontrollen dekker tagging, språk, tittel og alternativ tekst.", "",
            "## Tilbakemelding {.unnumbered}", "",
            "Finner du noe som ikke er tilgjengelig, kan du melde fra til KS. Du kan også klage til "
            "Tilsynet for universell utforming av ikt.",
        ]
        (stage_dir / "tilgjengelighet.qmd").write_text("\n".join(text) + "\n", encoding="utf-8")
        pages.append(Page("tilgjengelighet", "extra", "Tilgjengelighet", in_pdf=False))
    return pages

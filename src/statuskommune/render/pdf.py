"""Built-in PDF renderer: pandoc writes each chapter as typst, typst compiles a tagged PDF/UA-1.

The cover, table of contents, page numbers and typography are set in ``templates/rapport.typ``.
Figure captions ("Figur N.M: … Kilde: …") and alt text come from the Lua filter.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import fmt, style
from ..errors import RenderError
from ..stage import Staged
from .html import pandoc_page
from .tools import typst_module

HERE = Path(__file__).resolve().parent
PDF_STANDARDS = ["ua-1"]


def source_date_epoch(where: Path) -> int:
    """The PDF's metadata timestamp (never shown on a page): $SOURCE_DATE_EPOCH, else the time of
    the last git commit, else a fixed date, so a rebuild of the same commit gives the same bytes.
    The date readers see on the cover and in the colophon is the configured publication date."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    import subprocess

    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True,
                             cwd=where, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return int(out.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    return 1735689600  # 2025-01-01


def _typst_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_par(s: str) -> str:
    return f"#par({_typst_str(s)})"


def cover_line(staged: Staged) -> str:
    c = staged.colophon
    line = f"Utgave {staged.edition}"
    if c.get("published"):
        line += " · publisert " + fmt.dato(c["published"])
    return line


def colophon_lines(staged: Staged) -> list[str]:
    """The colophon's paragraphs: only what is true of this edition (publisher, date, data, web
    edition), each from the configuration or the datasets' descriptions. Both renderers use them."""
    c = staged.colophon
    out = [f"Utgitt av {c.get('publisher', 'KS')}."]
    if c.get("published"):
        out.append("Publisert " + fmt.dato(c["published"]) + ".")
    if c.get("web_url"):
        out.append(f"Nettutgave: {c['web_url']}")
    out.append("Nettutgaven har de samme figurene, og under hver figur kan tallene vises som "
               "tabell og lastes ned som CSV-fil.")
    out.append("Figurene er tegnet fra tallene til kildene som er oppgitt under hver figur og i "
               "vedlegget «Kilder»." + (" " + c["licences"] if c.get("licences") else ""))
    return out


def colophon(staged: Staged) -> str:
    out = [f"#par(strong({_typst_str(staged.title)}))"]
    for line in colophon_lines(staged):
        if line.startswith("Nettutgave: "):
            out.append(f"#par[Nettutgave: #link({_typst_str(line[len('Nettutgave: '):])})]")
        else:
            out.append(_typst_par(line))
    return "\n  ".join(out)


def build_typst_source(staged: Staged, date_text: str | None = None) -> Path:
    tdir = staged.dir / "typ"
    tdir.mkdir(exist_ok=True)
    pages = [p for p in staged.pages if p.in_pdf]
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(lambda p: pandoc_page(staged, p, "typst"), pages))
    includes = []
    for page, body in zip(pages, bodies):
        (tdir / f"{page.stem}.typ").write_text(body, encoding="utf-8")
        if page.kind == "appendix" and not any("vedlegg-start" in i for i in includes):
            includes.append("// vedlegg-start\n#vedlegg()")
        includes.append(f'#include "typ/{page.stem}.typ"')
    tpl = (HERE / "templates" / "rapport.typ").read_text(encoding="utf-8")
    src = (tpl.replace("{{TITLE}}", _typst_str(staged.title))
              .replace("{{EDITION}}", _typst_str(staged.edition))
              .replace("{{COVERLINE}}", "#" + _typst_str(cover_line(staged)))
              .replace("{{COLOPHON}}", colophon(staged))
              .replace("{{SUBTITLE}}", _typst_str(staged.subtitle))
              .replace("{{PRIMARY}}", style.PALETTE[0])
              .replace("{{BODY}}", "\n".join(includes)))
    main = staged.dir / "rapport.typ"
    main.write_text(src, encoding="utf-8")
    return main


def render_pdf(staged: Staged, out_pdf: Path) -> Path:
    typst = typst_module()
    epoch = source_date_epoch(staged.dir)
    main = build_typst_source(staged)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    try:
        typst.compile(str(main), output=str(out_pdf), root=str(staged.dir),
                      font_paths=[str(style.font_dir())], pdf_standards=PDF_STANDARDS, timestamp=epoch)
    except Exception as exc:  # typst.TypstError and friends
        raise RenderError(f"typst kunne ikke lage PDF-en fra {main}:\n{exc}") from exc
    return out_pdf

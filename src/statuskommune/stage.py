"""Stage a renderable project: chapters with figures and numbers filled in, plus generated pages.

Chapters are Quarto markdown written by authors. Two shortcodes tie them to the notebooks:

- ``{{< var key >}}``: a number (or short text) computed by a chapter notebook with
  ``kap.tall(key, …)``; Quarto's own shortcode syntax, resolved here.
- ``{{< fig id >}}`` on a line of its own: the figure ``id`` published by a notebook with
  ``f.tegn(…)``. It expands to standard Quarto figure markup::

      ![Tittel [Kilde: …]{.kilde}](figures/<chapter>/<id>.svg){#fig-<id> fig-alt="…"}

  followed, for HTML only, by the data table and the CSV link.

Cross-references use Quarto syntax: ``@fig-id`` ("figur 2.3"), ``@Fig-id`` ("Figur 2.3"),
``@sec-id`` ("avsnitt 2.1" / "kapittel 2"). Numbers are assigned here, once, and used by every
renderer, the table of figures and the coverage report.

The staged folder is a complete Quarto book project: ``quarto render`` can run on it, and the
built-in renderer (pandoc + typst) reads the same files.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from . import fmt
from .chapter import read_manifest
from .config import Edition
from .errors import StagingError

VAR_RE = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.\-]+)\s*>\}\}")
FIG_RE = re.compile(r"^\{\{<\s*fig\s+([a-z0-9][a-z0-9-]*)\s*>\}\}\s*$")
SHORTCODE_RE = re.compile(r"\{\{<\s*(\w+)([^>]*)>\}\}")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$")
REF_RE = re.compile(r"(?<![\w@])@([Ff]ig|[Ss]ec)-([A-Za-z0-9][A-Za-z0-9_-]*)")


@dataclass
class Page:
    stem: str
    kind: str                 # "index" | "chapter" | "appendix" | "extra"
    title: str = ""
    number: int | None = None
    source: str | None = None  # the author's file, relative to the project root
    in_pdf: bool = True

    @property
    def qmd(self) -> str:
        return f"{self.stem}.qmd"

    @property
    def html(self) -> str:
        return "index.html" if self.stem == "index" else f"{self.stem}.html"


@dataclass
class Staged:
    dir: Path
    edition: str
    title: str
    pages: list[Page]
    index: dict               # crossref index: id -> {kind, number, page, title}
    figures: list[dict]       # in report order: manifest record + number + chapter
    warnings: list[str] = field(default_factory=list)
    subtitle: str = ""
    colophon: dict = field(default_factory=dict)  # publisher, published, web_url, licences


def _esc_md(s: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", s)


def _esc_attr(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def load_manifests(ed: Edition) -> dict[str, dict]:
    out = {}
    for ch in ed.chapters:
        if ed.notebook_for(ch) is None:
            continue
        d = ed.output_dir(ch.stem)
        try:
            out[ch.stem] = read_manifest(d)
        except FileNotFoundError as exc:
            raise StagingError(f"Kapittel {ch.stem}: fant ikke resultatene fra notatboken ({d}/manifest.json). "
                               "Kjør «statuskommune execute» først.") from exc
    return out


def _collect(manifests: dict[str, dict]) -> tuple[dict, dict]:
    numbers: dict[str, tuple[str, str]] = {}
    figures: dict[str, tuple[str, dict]] = {}
    for stem, m in manifests.items():
        for key, rec in m.get("numbers", {}).items():
            if key in numbers:
                raise StagingError(f"Tallnøkkelen «{key}» lages både av {numbers[key][0]} og {stem}; gi dem ulike navn.")
            numbers[key] = (stem, rec["tekst"])
        for rec in m.get("figures", []):
            if rec["id"] in figures:
                raise StagingError(f"Figur-id «{rec['id']}» lages både av {figures[rec['id']][0]} og {stem}.")
            figures[rec["id"]] = (stem, rec)
    return numbers, figures


def _split_front_matter(text: str) -> tuple[str, str]:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            nl = text.find("\n", end + 4)
            nl = len(text) if nl == -1 else nl + 1
            return text[:nl], text[nl:]
    return "", text


def scan_headings(body: str) -> list[tuple[int, str, str | None, bool]]:
    """(level, title, id, unnumbered) for ATX headings outside fenced code."""
    out, fence = [], False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        m = HEADING_RE.match(line)
        if m:
            attrs = m.group(3) or ""
            ident = next((a[1:] for a in attrs.split() if a.startswith("#")), None)
            unnumbered = ".unnumbered" in attrs.split() or "-" in attrs.split()
            out.append((len(m.group(1)), m.group(2).strip(), ident, unnumbered))
    return out


def _heading_lines(body: str, ident: str) -> list[int]:
    """1-based lines of ``body`` holding a heading with the id ``ident`` (outside fenced code)."""
    out, fence = [], False
    for n, line in enumerate(body.splitlines(), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        m = HEADING_RE.match(line) if not fence else None
        if m and f"#{ident}" in (m.group(3) or "").split():
            out.append(n)
    return out


def _read_table(csv_path: Path) -> tuple[list[str], list[list]]:
    """Read a figure's CSV (machine format) into header + rows of str/float/None."""
    import csv

    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]

    def conv(v: str):
        if v == "" or v in ("..", ".", ":"):
            return None
        try:
            return float(v)
        except ValueError:
            return v

    cols = list(zip(*body)) if body else [[] for _ in header]
    numeric = [all(conv(v) is None or isinstance(conv(v), float) for v in col) for col in cols]
    data = [[conv(v) if numeric[i] else v for i, v in enumerate(r)] for r in body]
    return header, data


def _pivot(header: list[str], data: list[list], rows: str, cols: str, vals: str) -> tuple[list[str], list[list]]:
    ri, ci, vi = header.index(rows), header.index(cols), header.index(vals)
    row_keys = list(dict.fromkeys(r[ri] for r in data))
    col_keys = list(dict.fromkeys(r[ci] for r in data))
    cell = {}
    for r in data:
        cell.setdefault((r[ri], r[ci]), r[vi])
    out = [[rk] + [cell.get((rk, ck)) for ck in col_keys] for rk in row_keys]
    label = lambda k: str(int(k)) if isinstance(k, float) and k.is_integer() else str(k)  # noqa: E731
    return [rows] + [label(c) for c in col_keys], out


def figure_table_html(rec: dict, csv_path: Path, number: str) -> str:
    """An accessible HTML table of the numbers behind a figure (Norwegian formatting)."""
    header, data = _read_table(csv_path)
    dec = rec.get("desimaler", 1)
    piv = rec.get("tabell")
    if piv:
        header, data = _pivot(header, data, piv["rader"], piv["kolonner"], piv["verdier"])

    def cell(col: str, v) -> str:
        if v is None:
            return '<span class="mangler">mangler</span>'  # said in words, not SSB's «..»
        if isinstance(v, str):
            return html.escape(fmt.typografi(v))
        if v.is_integer() and 1800 <= v <= 2100 and col.strip().lower().startswith(("år", "skoleår", "startår")):
            return str(int(v))
        if v.is_integer() and dec == 0:
            return fmt.tall(v, 0)
        return fmt.tall(v, dec)

    head = "".join(f'<th scope="col">{html.escape(fmt.typografi(c))}</th>' for c in header)
    rows = []
    for r in data:
        cells = [f'<th scope="row">{cell(header[0], r[0])}</th>']
        cells += [f'<td class="tall">{cell(c, v)}</td>' if not isinstance(v, str) else f"<td>{cell(c, v)}</td>"
                  for c, v in zip(header[1:], r[1:])]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = html.escape(f"Tallene bak figur {number}: {rec['tittel']}")
    return (f'<div class="tabellramme" tabindex="0" role="region" aria-label="{cap}"><table class="figurtabell">'
            f"<caption>{cap}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _sentence(s: str) -> str:
    s = s.strip()
    return s if s.endswith((".", "!", "?")) else s + "."


def _figure_markdown(rec: dict, stem: str, number: str, table_html: str) -> str:
    title = _esc_md(_sentence(rec["tittel"]))
    kilde = f"[Kilde: {_esc_md(_sentence(rec['kilde']))}]{{.kilde}}"
    caption = f"{title} {kilde}"
    img = f"figures/{stem}/{rec['svg']}"
    csv = f"data/{rec['csv']}"
    return (
        f'![{caption}]({img}){{#fig-{rec["id"]} fig-alt="{_esc_attr(rec["alt"])}"}}\n\n'
        f'::: {{.content-visible when-format="html"}}\n'
        f"```{{=html}}\n"
        f'<details class="figurdata"><summary>Vis tallene bak figur {number}</summary>\n'
        f"{table_html}\n</details>\n"
        f'<p class="lastned"><a href="{csv}" download="{rec["csv"]}">Last ned tallene bak figur {number} (CSV)</a></p>\n'
        f"```\n:::\n"
    )


def stage(ed: Edition, stage_dir: Path, manifests: dict[str, dict] | None = None) -> Staged:
    """Write the staged project for an edition into ``stage_dir`` (which is replaced)."""
    from . import appendix

    manifests = manifests if manifests is not None else load_manifests(ed)
    numbers_src, figures_src = _collect(manifests)
    numbers = {k: v[1] for k, v in numbers_src.items()}
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    (stage_dir / "data").mkdir(parents=True)
    (stage_dir / "figures").mkdir()

    pages: list[Page] = []
    bodies: dict[str, tuple[str, str]] = {}
    used_figs: dict[str, str] = {}
    fig_order: list[tuple[str, str]] = []  # (page stem, fig id)
    chapter_no = 0
    errors: list[str] = []

    for src in ed.chapter_files:
        rel = src.relative_to(ed.root).as_posix()
        stem = "index" if src.name == "index.qmd" else src.stem
        front, body = _split_front_matter(src.read_text(encoding="utf-8"))
        heads = scan_headings(body)
        h1 = next((h for h in heads if h[0] == 1), None)
        if h1 is None:
            raise StagingError(f"{rel}: mangler overskrift på nivå 1 (# Tittel) som kapitteltittel.")
        numbered = stem != "index" and not h1[3]
        if numbered:
            chapter_no += 1
        page = Page(stem, "index" if stem == "index" else "chapter", h1[1],
                    chapter_no if numbered else None, rel)
        pages.append(page)
        out_lines = []
        fence = False
        for lineno, line in enumerate(body.splitlines(), start=front.count("\n") + 1):
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            m = FIG_RE.match(line.strip()) if not fence else None
            if m:
                fid = m.group(1)
                if fid not in figures_src and stem != "index" and ed.notebook_for(src) is None:
                    errors.append(f"{rel}, linje {lineno}: figuren «{fid}» kan ikke lages fordi kapitlet ikke "
                                  f"har noen notatbok (notebooks/{src.stem}.ipynb finnes ikke). Legg "
                                  "notatboken tilbake, eller ta figuren ut av kapitlet.")
                elif fid not in figures_src:
                    errors.append(f"{rel}, linje {lineno}: figuren «{fid}» finnes ikke; ingen notatbok har "
                                  f"publisert den (kjente figurer: {', '.join(sorted(figures_src)) or 'ingen'}).")
                elif fid in used_figs:
                    errors.append(f"{rel}, linje {lineno}: figuren «{fid}» er allerede brukt i {used_figs[fid]}.")
                else:
                    used_figs[fid] = rel
                    fig_order.append((stem, fid))
                out_lines.append(line)
                continue
            if not fence:
                def repl(mv):
                    key = mv.group(1)
                    if key not in numbers:
                        errors.append(f"{rel}, linje {lineno}: {{{{< var {key} >}}}}: ingen notatbok har "
                                      f"beregnet «{key}».")
                        return mv.group(0)
                    return numbers[key]
                line = fmt.lopende_tekst(VAR_RE.sub(repl, line))
                for sc in SHORTCODE_RE.finditer(line):
                    if sc.group(1) not in ("var", "fig", "pagebreak"):
                        errors.append(f"{rel}, linje {lineno}: ukjent kortkode «{sc.group(0)}».")
            out_lines.append(line)
        bodies[stem] = (front, "\n".join(out_lines) + "\n")
        if "{{<" in h1[1]:  # a title with a computed name («Bergen i tall»)
            done = next((h for h in scan_headings(bodies[stem][1]) if h[0] == 1), None)
            if done:
                page.title = done[1]
    if errors:
        raise StagingError("Kapitlene kan ikke settes sammen:\n" + "\n".join("  - " + e for e in errors))

    # --- numbering: chapters, sections, figures -------------------------------------------
    index: dict[str, dict] = {}
    id_source: dict[str, str] = {}  # id: the file that first used it (for the error message)
    for page in pages:
        front, body = bodies[page.stem]
        sec = 0
        for level, title, ident, unnumbered in scan_headings(body):
            num = None
            if page.number is not None and not unnumbered:
                if level == 1:
                    num = str(page.number)
                elif level == 2:
                    sec += 1
                    num = f"{page.number}.{sec}"
            if ident:
                if ident in index:
                    first = id_source[ident]
                    lines = _heading_lines(body, ident)
                    nth = 1 if first == page.source and len(lines) > 1 else 0
                    where = f", linje {front.count(chr(10)) + lines[nth]}" if lines else ""
                    raise StagingError(f"{page.source}{where}: id «{ident}» er brukt to ganger (også i {first}).")
                id_source[ident] = page.source
                index[ident] = {"kind": "sec", "level": level, "number": num, "page": page.html, "title": title}
    per_chapter: dict[str, int] = {}
    figures: list[dict] = []
    stem_by_fig = {fid: stem for stem, fid in fig_order}
    page_by_stem = {p.stem: p for p in pages}
    for stem, fid in fig_order:
        page = page_by_stem[stem]
        per_chapter[stem] = per_chapter.get(stem, 0) + 1
        number = f"{page.number}.{per_chapter[stem]}" if page.number else str(per_chapter[stem])
        src_stem, rec = figures_src[fid]
        index[f"fig-{fid}"] = {"kind": "fig", "number": number, "page": page.html, "title": rec["tittel"]}
        figures.append(dict(rec, number=number, page=page.html, chapter=stem, notebook=src_stem))
    unused = sorted(set(figures_src) - set(stem_by_fig))

    # --- check references ---------------------------------------------------------------
    for page in pages:
        front, body = bodies[page.stem]
        for m in REF_RE.finditer(body):
            ident = f"{m.group(1).lower()}-{m.group(2)}"
            if ident not in index:
                lineno = front.count("\n") + body.count("\n", 0, m.start()) + 1
                errors.append(f"{page.source}, linje {lineno}: kryssreferansen @{m.group(1)}-{m.group(2)} peker ikke på noe "
                              "(ukjent figur eller avsnitt).")
    if errors:
        raise StagingError("Kapitlene kan ikke settes sammen:\n" + "\n".join("  - " + e for e in errors))

    # --- write chapters with figures expanded -------------------------------------------
    fig_by_id = {f["id"]: f for f in figures}
    for page in pages:
        front, body = bodies[page.stem]
        lines = []
        for line in body.splitlines():
            m = FIG_RE.match(line.strip())
            if m and m.group(1) in fig_by_id:
                f = fig_by_id[m.group(1)]
                src_dir = ed.output_dir(f["notebook"])
                (stage_dir / "figures" / f["chapter"]).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src_dir / f["svg"], stage_dir / "figures" / f["chapter"] / f["svg"])
                shutil.copyfile(src_dir / f["csv"], stage_dir / "data" / f["csv"])
                table = figure_table_html(f, src_dir / f["csv"], f["number"])
                lines.append(_figure_markdown(f, f["chapter"], f["number"], table))
            else:
                lines.append(line)
        (stage_dir / page.qmd).write_text(front + "\n".join(lines) + "\n", encoding="utf-8")

    # --- generated pages ----------------------------------------------------------------
    used_datasets = appendix.datasets_used(ed, manifests, figures)
    extra_pages = appendix.write_pages(ed, stage_dir, figures, used_datasets, manifests)
    for p in extra_pages:
        front, body = _split_front_matter((stage_dir / p.qmd).read_text(encoding="utf-8"))
        for level, title, ident, unnumbered in scan_headings(body):
            if ident:
                index[ident] = {"kind": "sec", "level": level, "number": None, "page": p.html, "title": title}
    pages += extra_pages

    (stage_dir / "crossref.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    staged = Staged(stage_dir, ed.edition, ed.title, pages, index, figures,
                    [f"Figuren «{u}» er laget, men ikke brukt i noe kapittel." for u in unused]
                    + appendix.config_warnings(ed),
                    str(ed.quarto.get("book", {}).get("subtitle", "") or ""))
    staged.colophon = appendix.colophon_facts(ed, used_datasets)
    _write_quarto_yml(ed, staged)
    (stage_dir / "stage.json").write_text(json.dumps(
        {"edition": ed.edition, "title": ed.title, "pages": [asdict(p) for p in pages],
         "figures": figures, "warnings": staged.warnings}, ensure_ascii=False, indent=1), encoding="utf-8")
    return staged


def _write_quarto_yml(ed: Edition, st: Staged) -> None:
    """The staged _quarto.yml: the edition's merged configuration, pointing at staged files."""
    import copy

    q = copy.deepcopy(ed.quarto)
    book = q.setdefault("book", {})
    book["chapters"] = [p.qmd for p in st.pages if p.kind in ("index", "chapter")]
    book["appendices"] = [p.qmd for p in st.pages if p.kind == "appendix"]
    book["output-file"] = ed.pdf_name[:-4]
    q.setdefault("project", {})["type"] = "book"
    # Quarto reads the house stylesheet and fonts from the staged folder, like the built-in renderer.
    from .render.html import copy_assets

    copy_assets(st.dir)
    html_fmt = q.setdefault("format", {}).setdefault("html", {})
    if isinstance(html_fmt, dict):
        html_fmt["css"] = "assets/statuskommune.css"
    # The cover line and the colophon, as the built-in PDF has them (the Quarto typst template
    # reads them from here; nothing in them is the build time).
    from .render.pdf import colophon_lines, cover_line

    sk = q.setdefault("statuskommune", {})
    sk["omslag"] = cover_line(st)
    sk["kolofon"] = colophon_lines(st)
    q["project"].pop("output-dir", None)
    q["project"]["render"] = [p.qmd for p in st.pages]
    from .render import quarto  # the format and extension that `quarto render` uses

    quarto.staged_config(q, st.dir)
    with (st.dir / "_quarto.yml").open("w", encoding="utf-8") as f:
        yaml.safe_dump(q, f, allow_unicode=True, sort_keys=False)

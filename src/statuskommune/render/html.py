"""Built-in HTML renderer: one page per chapter with pandoc, wrapped in the house template.

No request leaves the site: fonts, stylesheet and images are served from the same folder.
"""

from __future__ import annotations

import html as htmllib
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import style
from ..errors import RenderError
from ..stage import Page, Staged
from . import tools

HERE = Path(__file__).resolve().parent
FILTER = HERE / "filters" / "statuskommune.lua"


def _cache_key(staged: Staged, page: Page, to: str, args: list[str]) -> str:
    import hashlib

    h = hashlib.sha256("\0".join([to, page.html, str(page.number)] + args[2:]).encode())
    for p in (staged.dir / page.qmd, staged.dir / "crossref.json", FILTER):
        h.update(p.read_bytes())
    return h.hexdigest()


def pandoc_page(staged: Staged, page: Page, to: str) -> str:
    """Run pandoc on one staged page; returns the body in ``to`` ('html5' or 'typst').

    Results are cached by the hash of everything pandoc sees (the page, the cross-reference
    index, the filter, the options), so an edit to one chapter re-runs pandoc for that page only.
    """
    args = [tools.pandoc_path(), str(staged.dir / page.qmd), "--from", "markdown", "--to", to,
            "--wrap=none", "--lua-filter", str(FILTER),
            "-M", f"crossref-index={staged.dir / 'crossref.json'}", "-M", f"page={page.html}"]
    if page.number is not None:
        args += ["-M", f"chapter-number={page.number}"]
    cache = staged.dir.parent / "pandoc-cache"
    key_args = [a.replace(str(staged.dir), "<stage>") for a in args]
    hit = cache / f"{_cache_key(staged, page, to, key_args)}.{to}"
    if hit.is_file():
        return hit.read_text(encoding="utf-8")
    proc = subprocess.run(args, capture_output=True, text=True, cwd=staged.dir)
    if proc.returncode != 0:
        src = page.source or page.qmd
        raise RenderError(f"pandoc feilet for {src} ({to}):\n{proc.stderr.strip()}")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = hit.with_suffix(hit.suffix + ".tmp")
    tmp.write_text(proc.stdout, encoding="utf-8")
    tmp.replace(hit)
    return proc.stdout


def _nav(staged: Staged, current: Page) -> str:
    items = []
    for p in staged.pages:
        if p.kind == "extra":
            continue
        label = (f'<span class="nr">{p.number}</span> ' if p.number else "") + htmllib.escape(p.title)
        cur = ' aria-current="page"' if p.stem == current.stem else ""
        items.append(f'<li><a href="{p.html}"{cur}>{label}</a></li>')
    return "\n".join(items)


def _pager(staged: Staged, current: Page) -> str:
    seq = [p for p in staged.pages if p.kind != "extra"]
    if current not in seq:
        return ""
    i = seq.index(current)
    parts = []
    if i > 0:
        parts.append(f'<a class="forrige" href="{seq[i-1].html}" rel="prev">← {htmllib.escape(seq[i-1].title)}</a>')
    if i < len(seq) - 1:
        parts.append(f'<a class="neste" href="{seq[i+1].html}" rel="next">{htmllib.escape(seq[i+1].title)} →</a>')
    return f'<nav class="bla" aria-label="Forrige og neste side">{"".join(parts)}</nav>' if parts else ""


def page_html(staged: Staged, page: Page, body: str, pdf_name: str | None, a11y_url: str) -> str:
    title = htmllib.escape(staged.title)
    page_title = f"{htmllib.escape(page.title)} – {title}" if page.stem != "index" else title
    pdf_link = (f'<a class="pdf" href="{pdf_name}" download>Last ned rapporten som PDF</a>' if pdf_name else "")
    return f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
<link rel="stylesheet" href="assets/statuskommune.css">
</head>
<body>
<a class="hopp" href="#innhold">Hopp til innholdet</a>
<header class="topp">
<p class="nettsted"><a href="index.html">{title}</a></p>
{pdf_link}
</header>
<div class="ramme">
<nav class="meny" aria-label="Kapitler">
<ol>
{_nav(staged, page)}
</ol>
</nav>
<main id="innhold">
{body}
{_pager(staged, page)}
</main>
</div>
<footer class="bunn">
<p>{title} er utgitt av KS. Figurene er laget fra dataene som er oppgitt under hver figur.</p>
<ul>
<li><a href="kilder.html">Kilder</a></li>
<li><a href="figurer.html">Figurliste</a></li>
<li><a href="datagrunnlag.html">Datagrunnlag for redaksjonen</a></li>
{('<li>' + pdf_link + '</li>') if pdf_link else ''}
<li><a href="{htmllib.escape(a11y_url)}">Tilgjengelighetserklæring</a></li>
</ul>
</footer>
</body>
</html>
"""


def copy_assets(out: Path) -> None:
    a = out / "assets"
    (a / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "assets" / "statuskommune.css", a / "statuskommune.css")
    for key, path in style.font_files().items():
        shutil.copyfile(path, a / "fonts" / path.name)


def render_html(staged: Staged, out: Path, pdf_name: str | None, a11y_url: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    copy_assets(out)
    shutil.copytree(staged.dir / "figures", out / "figures", dirs_exist_ok=True)
    shutil.copytree(staged.dir / "data", out / "data", dirs_exist_ok=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(lambda p: pandoc_page(staged, p, "html5"), staged.pages))
    written = []
    for page, body in zip(staged.pages, bodies):
        target = out / page.html
        target.write_text(page_html(staged, page, body, pdf_name, a11y_url), encoding="utf-8")
        written.append(target)
    return written

"""The whole build for one edition: validate → execute → stage → render → publish.

Outputs (part of the interface): ``_book/<edition>/index.html`` (+ one page per chapter) and
``_book/<edition>/statuskommune-<edition>.pdf``. Nothing is published unless every step succeeded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import config, memo, publish
from .errors import StatusKommuneError, ToolMissingError

BUILD_RECORD = ".build.json"


@dataclass
class BuildResult:
    edition: str
    out_dir: Path
    html: Path | None
    pdf: Path | None
    renderer: str
    outcomes: list = field(default_factory=list)
    rendered: bool = True
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def build_lock(root: Path, edition: str):
    d = root / "_build"
    d.mkdir(exist_ok=True)
    with open(d / f"build-{edition}.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StatusKommuneError(f"En annen bygging av utgave {edition} kjører allerede "
                                     f"(låsen {d / f'build-{edition}.lock'}).") from exc
        yield


def choose_renderer(requested: str) -> str:
    from .render import tools

    if requested == "builtin":
        return "builtin"
    if requested == "quarto":
        if not tools.quarto_path():
            raise ToolMissingError("--renderer quarto: fant ikke «quarto» på PATH. Installer Quarto fra "
                                   "https://quarto.org, eller bruk --renderer builtin.")
        return "quarto"
    if requested == "auto":
        # The built-in renderer is the default everywhere, also where Quarto is installed: its HTML
        # passes the accessibility checks (axe-core, Nu Html Checker, 320 px reflow) that Quarto's
        # book HTML does not pass yet. `--renderer quarto` builds with Quarto.
        return "builtin"
    raise StatusKommuneError(f"Ukjent renderer «{requested}»: bruk auto, builtin eller quarto.")


def render_fingerprint(ed: config.Edition, to: list[str], renderer: str) -> str:
    """Everything the rendered output depends on once notebooks have run (cheap to compute)."""
    from .cache import library_hash

    h = hashlib.sha256()
    for part in (renderer, ",".join(to), library_hash(), ed.title, str(ed.kommune)):
        h.update(part.encode())
    files = [ed.root / "_quarto.yml", ed.root / f"_quarto-{ed.edition}.yml", *ed.chapter_files,
             ed.root / "chapters" / f"_dekning-{ed.edition}.yml"]
    for ch in ed.chapters:
        # A chapter's figures count only while its notebook exists (stage reads them on the same
        # rule): deleting a notebook changes what is rendered, so it must change the fingerprint.
        nb = ed.notebook_for(ch)
        h.update(f"notatbok:{ch.stem}:{nb.name if nb else '-'}".encode())
        d = ed.output_dir(ch.stem)
        if nb is not None and d.is_dir():
            files += sorted(p for p in d.iterdir() if p.is_file())
    for f in files:
        if f.is_file():
            h.update(str(f.name).encode())
            if f.name == "manifest.json":
                # which package modules the notebook had loaded is a cache matter (the whole package
                # is hashed above); a notebook run in a worker process has loaded more of them
                m = json.loads(f.read_text(encoding="utf-8"))
                m.pop("library", None)
                h.update(json.dumps(m, sort_keys=True, ensure_ascii=False).encode())
            else:
                h.update(f.read_bytes())
    h.update(memo.once(("renderer", ed.root), _renderer_digest))
    h.update(memo.once(("descriptions", ed.root), lambda: _descriptions_digest(ed.root)))
    return h.hexdigest()


def _renderer_digest() -> bytes:
    """The renderer's own files (templates, fonts, code)."""
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent / "render"
    for f in sorted(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(pkg)).encode())
        h.update(f.read_bytes())
    return h.digest()


def _descriptions_digest(root: Path) -> bytes:
    """Every dataset description and revision list (the appendix "Kilder og data" is built from them)."""
    from . import datasets as ds_mod

    h = hashlib.sha256()
    _, descs = ds_mod.scan(root, None)
    for p in sorted(descs) + sorted((root / "data").glob("*/revisjoner.yaml")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.digest()


def is_current(ed: config.Edition, to: list[str], renderer: str) -> bool:
    """True when ``build_locked(ed, to=to, renderer=renderer)`` would change nothing: every
    chapter's cache record is fresh and the published edition was rendered from the same inputs.
    It writes nothing; the Dask run uses it to skip up-to-date kommune editions without a worker."""
    from .cache import Cache
    from .execute import jobs_for

    rec_path = ed.book_dir / BUILD_RECORD
    if not rec_path.is_file() or publish.pending(ed.book_dir):
        return False
    cache = Cache(ed.root, ed.cache_name, ed.vintage)
    if not all(cache.check(j.stem, j.key, j.output_dir, j.executed).fresh for j in jobs_for(ed)):
        return False
    try:
        return json.loads(rec_path.read_text())["fingerprint"] == render_fingerprint(ed, to, renderer)
    except (ValueError, KeyError):
        return False


def render_to(staged, ed: config.Edition, to: list[str], renderer: str, out: Path,
              pdf_link: bool = False) -> None:
    """Render ``to`` into ``out``. ``pdf_link``: the HTML links to a PDF published earlier."""
    if renderer == "quarto":
        from .render import quarto

        quarto.render(staged.dir, to, out, ed.pdf_name, [p.qmd for p in staged.pages if p.kind == "extra"],
                      pdf_link=pdf_link)
        return
    from .render import html as html_r
    from .render import pdf as pdf_r

    if "pdf" in to:
        pdf_r.render_pdf(staged, out / ed.pdf_name)
    if "html" in to:
        html_r.render_html(staged, out, ed.pdf_name if ("pdf" in to or pdf_link) else None,
                           ed.accessibility_url)


def _check_to(to: list[str] | None) -> list[str]:
    to = to or ["html", "pdf"]
    bad = [t for t in to if t not in ("html", "pdf")]
    if bad:
        raise StatusKommuneError(f"--to {','.join(bad)}: ukjent format; bruk html, pdf eller html,pdf.")
    return to


def _renderer_ready(renderer: str) -> str:
    chosen = choose_renderer(renderer)
    if chosen == "builtin":
        from .render import tools
        tools.pandoc_path()
        tools.typst_module()
    return chosen


def build(root: Path, edition: str | None = None, *, to: list[str] | None = None, renderer: str = "auto",
          force: bool = False, quiet: bool = False, progress=None, only: list[str] | None = None,
          out: Path | None = None, kommune: str | None = None) -> BuildResult:
    """Build one edition. ``out`` publishes to another folder than ``_book/<edition>`` (the live
    preview uses ``_build/<edition>/preview`` so that it never replaces the published edition).
    ``kommune`` (a kommunenummer or name) builds that kommune's edition instead of the national one."""
    to = _check_to(to)
    if kommune is not None:
        from . import kommuner
        ed = kommuner.load(root, edition, kommune)
    else:
        ed = config.load(root, edition)
    chosen = _renderer_ready(renderer)
    with build_lock(root, ed.edition):
        return build_locked(ed, to=to, renderer=chosen, force=force, quiet=quiet, progress=progress,
                            only=only, out=out)


def build_locked(ed: config.Edition, *, to: list[str], renderer: str, force: bool = False,
                 quiet: bool = False, progress=None, only: list[str] | None = None,
                 out: Path | None = None, validated: bool = False) -> BuildResult:
    """The build of one edition (national or kommune), with the edition's build lock held."""
    from . import progress as progress_mod
    from .execute import execute
    from .validate import validate

    root, chosen, t = ed.root, renderer, {}
    target = out or ed.book_dir
    publish.recover(target)
    t0 = time.monotonic()
    if not validated:
        validate(root, ed.vintage, cache_dir=root / "_build" / "cache")
    t["validering"] = time.monotonic() - t0
    t0 = time.monotonic()
    prog = progress or progress_mod.make(quiet)
    with prog:
        outcomes = execute(ed, force=force, only=only, progress=prog)
    t["kjøring"] = time.monotonic() - t0
    t0 = time.monotonic()
    fp = render_fingerprint(ed, to, chosen)
    rec_path = target / BUILD_RECORD
    if not force and rec_path.is_file():
        try:
            if json.loads(rec_path.read_text())["fingerprint"] == fp:
                t["fingeravtrykk"] = time.monotonic() - t0
                return _result(ed, target, to, chosen, outcomes, rendered=False, timings=t)
        except (ValueError, KeyError):
            pass
    from .stage import stage

    staged = stage(ed, ed.build_dir / "stage")
    t["sammenstilling"] = time.monotonic() - t0
    t0 = time.monotonic()
    tmp = publish.staging_dir(target)
    try:
        keep_pdf = "pdf" not in to and (target / ed.pdf_name).is_file()
        render_to(staged, ed, to, chosen, tmp, pdf_link=keep_pdf)
        _check_outputs(tmp, ed, to)
        publish.keep(target, tmp, ed.keep_published)
        publish.carry_over(target, tmp, ed.pdf_name, to)
        (tmp / BUILD_RECORD).write_text(json.dumps({"fingerprint": fp, "renderer": chosen, "to": to}))
        publish.publish(tmp, target)
    except BaseException:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    t["gjengivelse"] = time.monotonic() - t0
    res = _result(ed, target, to, chosen, outcomes, rendered=True, timings=t)
    res.warnings = staged.warnings
    return res


def _check_outputs(out: Path, ed: config.Edition, to: list[str]) -> None:
    missing = []
    if "html" in to and not (out / "index.html").is_file():
        missing.append("index.html")
    if "pdf" in to and not (out / ed.pdf_name).is_file():
        missing.append(ed.pdf_name)
    if missing:
        raise StatusKommuneError("Gjengivelsen laget ikke " + ", ".join(missing) + "; ingenting er publisert.")


def _result(ed, target, to, renderer, outcomes, rendered, timings) -> BuildResult:
    return BuildResult(ed.edition, target, target / "index.html" if "html" in to else None,
                       target / ed.pdf_name if "pdf" in to else None, renderer, outcomes, rendered,
                       timings=timings)

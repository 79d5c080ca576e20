"""Build kommune editions: one, several or all 357, and the index page that lists them.

Each kommune edition is built exactly as ``statuskommune build --kommune NNNN`` builds it (the
same ``build.build_locked``), under the edition's build lock, after one data validation. One
kommune is built here, in this process; several are built as tasks on dask.distributed
(``kommunedask``: a local cluster, or an existing scheduler with ``--scheduler``). A
kommune that fails is reported with its number, name and error while the others go on; the run
then fails with a summary that lists every failure. The index page
``_book/<edition>/kommuner/index.html`` lists the published kommune editions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import build as build_mod
from . import config, kommuner
from .errors import StatusKommuneError


@dataclass
class KommuneResultat:
    kommune: kommuner.Kommune
    state: str                    # "done" | "unchanged" | "failed"
    seconds: float
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # per step (build.BuildResult.timings)


class KommuneBuildError(StatusKommuneError):
    def __init__(self, failed: list[KommuneResultat], total: int):
        self.failed = failed
        lines = [f"{len(failed)} av {total} kommuneutgaver feilet (de andre er publisert):"]
        for r in failed:
            first = (r.error or "").strip().splitlines()
            lines.append(f"  - {r.kommune.nr} {r.kommune.kortnavn}: {first[0] if first else 'ukjent feil'}")
            lines += [f"      {x}" for x in first[1:4]]
        super().__init__("\n".join(lines))


def build_kommuner(root: Path, edition: str | None, selection: list[kommuner.Kommune], *,
                   to: list[str] | None = None, renderer: str = "auto", force: bool = False,
                   echo=None, quiet: bool = True, scheduler: str | None = None,
                   workers: int | None = None) -> list[KommuneResultat]:
    """Build the kommune editions in ``selection``: one in this process, several as Dask tasks
    (``scheduler``/``workers``: see kommunedask.cluster). Raise KommuneBuildError after all have
    run if any failed. ``echo`` gets the plain lines; ``quiet=False`` shows a live count on a
    terminal instead."""
    from . import progress as progress_mod
    from .validate import validate

    to = build_mod._check_to(to)
    national = config.load(root, edition)
    chosen = build_mod._renderer_ready(renderer)
    results: list[KommuneResultat] = []
    with build_mod.build_lock(root, national.edition):
        validate(root, national.vintage, cache_dir=root / "_build" / "cache")
        if len(selection) > 1:
            from . import kommunedask

            with _progress(len(selection), quiet, echo) as prog:
                done = {} if force else _current(national, selection, to, chosen, prog)
                todo = [k for k in selection if k.nr not in done]
                if todo:
                    done.update((r.kommune.nr, r) for r in kommunedask.run(
                        root, national.edition, todo, to=to, renderer=chosen, force=force,
                        scheduler=scheduler, workers=workers, progress=prog))
                results = [done[k.nr] for k in selection if k.nr in done]
        for i, k in enumerate(selection if len(selection) == 1 else [], start=1):
            t0 = time.monotonic()
            try:
                ed = kommuner.KommuneEdition(national, k)
                res = build_mod.build_locked(ed, to=to, renderer=chosen, force=force,
                                             progress=progress_mod.Null(), validated=True)
                r = KommuneResultat(k, "done" if res.rendered else "unchanged", time.monotonic() - t0,
                                    warnings=res.warnings, timings=dict(res.timings))
            except StatusKommuneError as exc:
                r = KommuneResultat(k, "failed", time.monotonic() - t0, str(exc))
            results.append(r)
            if echo:
                echo(_line(r, i, len(selection)))
        write_index(root, national)
    failed = [r for r in results if r.state == "failed"]
    if failed:
        raise KommuneBuildError(failed, len(results))
    return results


def _current(national: config.Edition, selection: list[kommuner.Kommune], to: list[str], renderer: str,
             prog) -> dict[str, KommuneResultat]:
    """The kommune editions a build would not change, reported «uendret» here without starting a
    Dask cluster: a no-op of all 357 costs the hashing of their inputs (each dataset and renderer
    file once, ``memo.snapshot``), not a cluster's start-up. The others go to the workers."""
    from . import memo

    current = {}
    with memo.snapshot():
        for k in selection:
            t0 = time.monotonic()
            if build_mod.is_current(kommuner.KommuneEdition(national, k), to, renderer):
                current[k.nr] = r = KommuneResultat(k, "unchanged", time.monotonic() - t0)
                prog.result(r)
    return current


def _progress(n: int, quiet: bool, echo):
    import sys

    from . import kommunedask

    if quiet or echo is None or not sys.stdout.isatty():
        return kommunedask.Plain(n, _line, echo or (lambda _s: None))
    return kommunedask.Live(n, _line, echo)


def _line(r: KommuneResultat, i: int, n: int) -> str:
    from . import fmt

    state = {"done": "ferdig", "unchanged": "uendret", "failed": "FEILET"}[r.state]
    return f"[{i}/{n}] {r.kommune.nr} {r.kommune.kortnavn}: {state} ({fmt.tall(r.seconds, 1)} s)"


def published(root: Path, edition: str) -> list[kommuner.Kommune]:
    """The kommune editions that are published now (their web page exists)."""
    base = root / "_book" / edition / "kommuner"
    return [k for k in kommuner.alle(root) if (base / k.nr / "index.html").is_file()]


def write_index(root: Path, national: config.Edition) -> Path:
    from . import kommuneindeks

    return kommuneindeks.write(root, national, published(root, national.edition))


def cli_build(root: Path, edition: str | None, kommune: str, to: list[str], renderer: str,
              force: bool, quiet: bool, scheduler: str | None = None, workers: int | None = None) -> None:
    import click

    from . import fmt

    t0 = time.monotonic()
    selection = kommuner.velg(root, kommune)
    results = build_kommuner(root, edition, selection, to=to, renderer=renderer, force=force,
                             echo=click.echo, quiet=quiet, scheduler=scheduler, workers=workers)
    ed = config.load(root, edition)
    for r in results:
        for w in r.warnings:
            click.echo(click.style("Merk: ", fg="yellow") + f"{r.kommune.nr} {r.kommune.kortnavn}: {w}")
    click.echo(f"Ferdig på {fmt.tall(time.monotonic() - t0, 1)} s: {len(results)} kommuneutgaver. Utdata:")
    if len(results) == 1:
        kdir = kommuner.KommuneEdition(ed, results[0].kommune).book_dir
        if "html" in to:
            click.echo(f"  HTML: {kdir / 'index.html'}")
        if "pdf" in to:
            click.echo(f"  PDF:  {kdir / kommuner.KommuneEdition(ed, results[0].kommune).pdf_name}")
    click.echo(f"  Oversikt: {root / '_book' / ed.edition / 'kommuner' / 'index.html'}")

"""Execute chapter notebooks with Papermill: cached, in parallel, with progress.

Each chapter runs into a temporary output folder that is moved into place only when the
notebook finished without error; the cache record is written after that. An interrupted or
failed run therefore never leaves outputs that a later build would take for good ones.
The executed notebook (with its traceback on failure) is kept in ``_build/<edition>/notebooks/``.
"""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, static_key
from .config import Edition
from .errors import ChapterExecutionError, StatusKommuneError

KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds; a hung cell fails the chapter instead of the whole CI job


def _ipc_kernel_manager():
    """Kernels talk to Papermill over local IPC sockets instead of TCP on localhost."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            import tempfile
            import uuid

            kw.setdefault("transport", "ipc")
            # A unique socket path per kernel: parallel chapters must never share sockets.
            kw.setdefault("ip", os.path.join(tempfile.gettempdir(), f"statuskommune-{uuid.uuid4().hex}"))
            super().__init__(**kw)

    return IPCKernelManager


@dataclass
class Job:
    stem: str
    notebook: Path
    executed: Path
    output_dir: Path
    params: dict
    key: dict = field(default_factory=dict)


@dataclass
class Outcome:
    stem: str
    state: str            # "cached" | "done" | "failed"
    seconds: float
    reason: str = ""
    error: str | None = None


def parameters(ed: Edition, stem: str, output_dir: Path) -> dict:
    """The Papermill parameters of a chapter: one place, from the edition configuration."""
    return {
        "edition": int(ed.edition),
        "vintage": ed.vintage,
        "kommune": ed.kommune,
        "data_dir": str(ed.root / "data"),
        "output_dir": str(output_dir),
        "allow_missing_data": ed.allow_missing_data,
    }


def jobs_for(ed: Edition, only: list[str] | None = None) -> list[Job]:
    if only:
        known = [ch.stem for ch in ed.chapters if ed.notebook_for(ch) is not None]
        unknown = [s for s in only if s not in known]
        if unknown:
            raise StatusKommuneError(
                ", ".join(f"ukjent kapittel «{s}»" for s in unknown)
                + f" i utgave {ed.edition}: ingen notatbok notebooks/<kapittel>.ipynb for et kapittel i "
                f"bokoppsettet med det navnet (kapitler med notatbok: {', '.join(known) or 'ingen'}).")
    jobs = []
    for ch in ed.chapters:
        nb = ed.notebook_for(ch)
        if nb is None or (only and ch.stem not in only):
            continue
        out = ed.output_dir(ch.stem)
        params = parameters(ed, ch.stem, out)
        jobs.append(Job(ch.stem, nb, ed.build_dir / "notebooks" / nb.name, out, params,
                        static_key(ed.root, nb, params)))
    return jobs


def _source_cell_number(nb_path: Path, cell_index: int | None) -> int | None:
    """1-based position of the failing cell in the *source* notebook (Papermill injects one)."""
    if cell_index is None:
        return None
    try:
        import nbformat

        nb = nbformat.read(str(nb_path), as_version=4)
        injected = [i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", [])]
        if injected and cell_index > injected[0]:
            return cell_index  # minus the injected cell, plus one for 1-based
        return cell_index + 1
    except Exception:  # noqa: BLE001 - best effort for the message
        return cell_index + 1


def run_job(job: Job) -> Outcome:
    """Run one chapter notebook (in a worker process). Never raises; failures are outcomes."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError


    t0 = time.monotonic()
    tmp, params = prepare(job)
    try:
        pm.execute_notebook(str(job.notebook), str(job.executed), parameters=params,
                            kernel_name=KERNEL, cwd=str(job.notebook.parent),
                            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                            execution_timeout=CELL_TIMEOUT, kernel_manager_class=_ipc_kernel_manager())
    except PapermillExecutionError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        err = ChapterExecutionError(job.stem, _source_cell_number(job.executed, e.cell_index),
                                    e.ename, e.evalue, str(job.executed))
        return Outcome(job.stem, "failed", time.monotonic() - t0, error=str(err))
    except Exception as e:  # noqa: BLE001 - e.g. kernel died or notebook unreadable
        shutil.rmtree(tmp, ignore_errors=True)
        return Outcome(job.stem, "failed", time.monotonic() - t0,
                       error=f"Kapittel {job.stem} kunne ikke kjøres "
                             f"(notebooks/{job.notebook.name}): {type(e).__name__}: {e}")
    move_into_place(job, tmp)
    return Outcome(job.stem, "done", time.monotonic() - t0)


def prepare(job: Job) -> tuple[Path, dict]:
    """A fresh temporary output folder for ``job`` and its parameters pointing there; the
    environment every notebook run gets (no display, the Agg backend)."""
    tmp = job.output_dir.parent / f".{job.stem}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("STATUSKOMMUNE_NO_DISPLAY", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    return tmp, dict(job.params, output_dir=str(tmp))


def move_into_place(job: Job, tmp: Path) -> None:
    """Success: swap the new outputs into place (the cache record is written after this)."""
    old = job.output_dir.parent / f".{job.stem}.old-{os.getpid()}"
    if job.output_dir.exists():
        job.output_dir.rename(old)
    tmp.rename(job.output_dir)
    shutil.rmtree(old, ignore_errors=True)


def _cleanup_stale(ed: Edition) -> None:
    base = ed.figures_dir
    if base.is_dir():
        for p in base.iterdir():
            if p.name.startswith(".") and (".tmp-" in p.name or ".old-" in p.name):
                shutil.rmtree(p, ignore_errors=True)


def _daemonic() -> bool:
    import multiprocessing as mp

    return bool(mp.current_process().daemon)


def execute(ed: Edition, *, force: bool = False, only: list[str] | None = None,
            workers: int | None = None, progress=None) -> list[Outcome]:
    """Execute the edition's chapter notebooks; returns one outcome per chapter.

    ``progress`` is an object with ``update(stem, state, seconds, reason)`` (see progress.py).
    Raises ChapterExecutionError-bearing StatusKommuneError if any chapter failed, after all ran.
    """
    from .chapter import read_manifest

    _cleanup_stale(ed)
    cache = Cache(ed.root, ed.cache_name, ed.vintage)
    jobs = jobs_for(ed, only)
    outcomes: dict[str, Outcome] = {}
    todo: list[Job] = []
    for job in jobs:
        verdict = cache.check(job.stem, job.key, job.output_dir, job.executed)
        if verdict.fresh and not force:
            outcomes[job.stem] = Outcome(job.stem, "cached", 0.0, verdict.reason)
            if progress:
                progress.update(job.stem, "cached", 0.0, verdict.reason)
        else:
            reason = "--force" if force else verdict.reason
            cache.invalidate(job.stem)
            todo.append(job)
            if progress:
                progress.update(job.stem, "queued", 0.0, reason)
            outcomes[job.stem] = Outcome(job.stem, "queued", 0.0, reason)
    n = workers or min(len(todo), os.cpu_count() or 1) or 1

    def record(out: Outcome) -> None:
        """A finished chapter: its outcome, then (outputs already in place) its cache record."""
        out.reason = outcomes[out.stem].reason
        outcomes[out.stem] = out
        if out.state == "done":
            job = next(j for j in todo if j.stem == out.stem)
            manifest = read_manifest(job.output_dir)
            cache.write(job.stem, job.key, manifest.get("datasets_read", {}), job.output_dir,
                        manifest.get("library", {}))
        if progress:
            progress.update(out.stem, out.state, out.seconds, out.error or out.reason)
    if todo and _daemonic():
        # A daemonic process (a Dask worker building kommune editions, see kommunedask.py) may
        # not start a process pool; the chapters run here, one after the other, on the same rule:
        # outputs are moved into place first, the cache record is written after. They run inside
        # the worker (inprocess.py), not in a new kernel: imports and parsed data stay warm from
        # one kommune to the next, and the files are the same (tests/test_inprocess.py).
        from .inprocess import run_job_inprocess

        for job in todo:
            if progress:
                progress.update(job.stem, "running", 0.0, outcomes[job.stem].reason)
            record(run_job_inprocess(job))
        todo = []
    if todo:
        # forkserver: workers start from a clean process and do not inherit open files (such as
        # the build lock), so a killed build never leaves a lock held by an orphaned worker.
        import multiprocessing as mp

        with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("forkserver")) as pool:
            running: dict[Future, tuple[Job, float]] = {}
            queue = list(todo)
            try:
                while queue or running:
                    while queue and len(running) < n:
                        job = queue.pop(0)
                        running[pool.submit(run_job, job)] = (job, time.monotonic())
                        if progress:
                            progress.update(job.stem, "running", 0.0, outcomes[job.stem].reason)
                    done, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
                    if progress:
                        for fut, (job, t0) in running.items():
                            if fut not in done:
                                progress.update(job.stem, "running", time.monotonic() - t0,
                                                outcomes[job.stem].reason)
                    for fut in done:
                        job, _t0 = running.pop(fut)
                        record(fut.result())
            except KeyboardInterrupt:
                for p in list(getattr(pool, "_processes", {}).values()):
                    p.terminate()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    result = [outcomes[j.stem] for j in jobs]
    failed = [o for o in result if o.state == "failed"]
    if failed:
        from .progress import summary

        raise StatusKommuneError(
            f"{len(failed)} av {len(result)} kapitler feilet:\n" + "\n".join(o.error or o.stem for o in failed)
            + "\n" + summary(result))
    return result

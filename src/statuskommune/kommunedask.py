"""Many kommune editions as tasks on dask.distributed: a local cluster by default, an existing
Dask scheduler and its workers when one is given.

One task is one kommune edition: ``build.build_locked(KommuneEdition(...), validated=True)``,
run IN the worker, exactly as ``statuskommune build --kommune NNNN`` runs it. The parent (the
``statuskommune build`` process) holds the edition's build lock, validates the data once before
submitting, shows the progress and writes the index page at the end. Tasks return small dicts
(state, seconds, error text, warnings); a task never raises, so one failing kommune does not stop
the others.

Where the work runs:
- default: a ``LocalCluster`` of worker processes, one thread each, as many workers as this
  machine has cores (``--workers N`` sets the number);
- ``--scheduler tcp://HOST:8786`` or ``$STATUSKOMMUNE_SCHEDULER``: that scheduler's workers.
  ``--scheduler local`` uses the local cluster even when the variable is set. Workers must
  import this project from the same checkout and Python environment, at the same path (a shared
  filesystem or a container image): the task gets the project root as a path and checks that the
  worker's package code is the same as the parent's.

Results come back through the filesystem: each task publishes its edition atomically into
``_book/<edition>/kommuner/<nr>/`` (temporary folder + rename) and writes its cache records
after its outputs are in place, so a killed worker leaves no half edition and no cache record
that a later run would trust. A worker killed in the middle is retried by Dask (the scheduler's
``allowed-failures``) and reported as failed if it keeps dying. Ctrl-C in the parent cancels the
tasks, closes the local cluster (its workers ignore Ctrl-C and are stopped by the parent) and
removes unfinished temporary folders; the next run builds only what is missing.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import traceback
import uuid
from contextlib import contextmanager
from pathlib import Path

from .errors import StatusKommuneError

SCHEDULER_ENV = "STATUSKOMMUNE_SCHEDULER"
LOCAL = "local"


# --- in the worker ---------------------------------------------------------------------------

def build_one(root: str, edition: str, nr: str, to: list[str], renderer: str, force: bool,
              library: str) -> dict:
    """Build one kommune edition in this (worker) process. Never raises: a failure is a dict
    with ``state="failed"`` and the message the user sees (kommune, cell, exception)."""
    t0, cpu0 = time.monotonic(), _cpu()
    out = {"nr": nr, "state": "failed", "seconds": 0.0, "error": None, "warnings": [],
           "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        from . import build as build_mod
        from . import config, kommuner
        from .cache import library_hash
        from .paths import PACKAGE_DIR
        from .progress import Null

        rootp = Path(root)
        if not (rootp / "_quarto.yml").is_file():
            raise StatusKommuneError(
                f"Dask-arbeideren {out['worker']} finner ikke prosjektmappen {root}: arbeiderne må se "
                "den samme mappen på den samme stien (delt filsystem eller samme containerbilde).")
        if library_hash() != library:
            raise StatusKommuneError(
                f"Dask-arbeideren {out['worker']} kjører en annen versjon av statuskommune ({PACKAGE_DIR}) "
                "enn kommandoen som startet byggingen; start arbeiderne på nytt fra samme utsjekk og miljø.")
        national = config.load(rootp, edition)
        ed = kommuner.KommuneEdition(national, kommuner.finn(rootp, nr))
        res = build_mod.build_locked(ed, to=to, renderer=renderer, force=force, progress=Null(),
                                     validated=True)
        # CPU seconds of the task (this process and the pandoc runs it waited for): more than
        # its wall time when pages render in parallel (make bench-kommuner reports both)
        out.update(state="done" if res.rendered else "unchanged", warnings=list(res.warnings),
                   timings={**res.timings, "cpu": _cpu() - cpu0})
    except StatusKommuneError as exc:
        out["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug in one kommune must not hide the others
        tb = traceback.format_exc(limit=-3).strip().splitlines()
        out["error"] = f"{type(exc).__name__}: {exc}\n" + "\n".join(tb[-6:])
    out["seconds"] = time.monotonic() - t0
    return out


def _cpu() -> float:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# --- in the parent ---------------------------------------------------------------------------

def scheduler_address(scheduler: str | None) -> str | None:
    """The scheduler to use: ``--scheduler``, else ``$STATUSKOMMUNE_SCHEDULER``; None (or
    «local») means a local cluster."""
    addr = (scheduler or os.environ.get(SCHEDULER_ENV) or "").strip()
    return None if addr in ("", LOCAL) else addr


@contextmanager
def _sigint_ignored():
    """Worker processes started inside this block ignore Ctrl-C (an ignored signal stays ignored
    across exec, and Python then installs no KeyboardInterrupt handler): the parent alone
    handles Ctrl-C, cancels the tasks and stops the workers in order."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextmanager
def cluster(scheduler: str | None = None, workers: int | None = None):
    """A connected ``distributed.Client``: to ``scheduler`` if given, else to a new LocalCluster
    with ``workers`` processes (default: the number of cores), one thread each."""
    from distributed import Client, LocalCluster

    addr = scheduler_address(scheduler)
    if addr is not None:
        if workers:
            raise StatusKommuneError(
                f"--workers {workers} gjelder bare den lokale klyngen; med Dask-planleggeren {addr} bestemmer "
                "klyngen antall arbeidere (bruk --scheduler local for en lokal klynge).")
        try:
            client = Client(addr, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise StatusKommuneError(f"Fikk ikke kontakt med Dask-planleggeren {addr}: {exc}") from exc
        try:
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError as exc:
                raise StatusKommuneError(f"Dask-planleggeren {addr} har ingen arbeidere (ventet 60 s); start "
                                         f"minst én med «dask worker {addr}».") from exc
            yield client, None
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise StatusKommuneError(f"--workers {n}: oppgi minst 1 arbeider.")
    with _sigint_ignored():
        local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":8787",
                             silence_logs=logging.ERROR)
    try:
        client = Client(local)
        try:
            yield client, local
        finally:
            client.close()
    finally:
        local.close()


def dashboard(client, local=None) -> str | None:
    """The Dask dashboard's address, when the scheduler runs one (its pages need bokeh; a local
    cluster without bokeh has none worth linking to)."""
    import importlib.util

    if local is not None and importlib.util.find_spec("bokeh") is None:
        return None
    try:
        if "dashboard" in client.scheduler_info().get("services", {}):
            return client.dashboard_link
    except Exception:  # noqa: BLE001 - the link is a convenience
        return None
    return None


def describe(client, local) -> str:
    n = len(client.scheduler_info().get("workers", {}))
    where = "lokal klynge" if local is not None else f"planleggeren {client.scheduler.address}"
    return f"Dask: {where}, {n} arbeider{'e' if n != 1 else ''}"


def run(root: Path, edition: str, selection, *, to: list[str], renderer: str, force: bool,
        scheduler: str | None, workers: int | None, progress) -> list:
    """Submit one task per kommune and collect the results as they complete (``as_completed``).
    ``progress`` gets ``start(text, dashboard)`` once and ``result(KommuneResultat)`` per
    kommune. Returns the ``kommunebygg.KommuneResultat`` in the order of ``selection``. Call it
    with the build lock held and the data validated."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    from . import publish
    from .cache import library_hash
    from .kommunebygg import KommuneResultat

    lib = library_hash()
    run_id = uuid.uuid4().hex[:8]
    results: dict[str, KommuneResultat] = {}
    with _ctrl_c() as stop, cluster(scheduler, workers) as (client, local):
        progress.start(describe(client, local), dashboard(client, local))
        futures = {}
        try:
            for k in selection:
                if stop.is_set():
                    raise KeyboardInterrupt
                fut = client.submit(build_one, str(root), edition, k.nr, list(to), renderer, force, lib,
                                    key=f"kommune-{edition}-{k.nr}-{run_id}", pure=False)
                futures[fut] = k
            done = as_completed(futures)
            while not done.is_empty():
                if stop.is_set():
                    raise KeyboardInterrupt
                batch = done.next_batch(block=False)
                if not batch:
                    stop.wait(0.1)
                    continue
                for fut in batch:
                    k = futures[fut]
                    r = _result(k, fut, FutureCancelledError, KommuneResultat)
                    results[k.nr] = r
                    progress.result(r)
        except BaseException:
            # Ctrl-C (or anything else): no new task starts; the tasks running on a local cluster
            # stop with it below. Tasks already running on a remote cluster finish and publish
            # atomically.
            try:
                client.cancel(list(futures), force=True)
            except Exception:  # noqa: BLE001
                pass
            raise
        finally:
            if local is not None:
                client.close()
                local.close()  # stops the worker processes before we clean up after them
                base = root / "_book" / edition / "kommuner"
                for k in selection:
                    publish.recover(base / k.nr)  # temporary folders of tasks that were stopped
    return [results[k.nr] for k in selection if k.nr in results]


def _result(k, fut, cancelled, KommuneResultat):
    try:
        d = fut.result()
    except cancelled:
        d = {"state": "failed", "seconds": 0.0,
             "error": "Oppgaven ble avbrutt av Dask-klyngen før den var ferdig."}
    except Exception as exc:  # noqa: BLE001 - KilledWorker and the like
        d = {"state": "failed", "seconds": 0.0,
             "error": f"Dask-arbeideren stoppet under byggingen ({type(exc).__name__}: {exc}); "
                      "ingenting halvferdig er publisert."}
    return KommuneResultat(k, d["state"], d["seconds"], d.get("error"), list(d.get("warnings") or []),
                           dict(d.get("timings") or {}))


@contextmanager
def _ctrl_c():
    """Ctrl-C sets a flag that the loop in ``run`` checks, instead of raising KeyboardInterrupt
    wherever the main thread happens to be (inside Dask a KeyboardInterrupt can be swallowed, for
    instance by a garbage-collector callback). Stays in force until the cluster is closed, so a
    second Ctrl-C does not cut the clean-up short."""
    import threading

    stop = threading.Event()
    try:
        old = signal.signal(signal.SIGINT, lambda *_: stop.set())
    except ValueError:  # not the main thread
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, old)
    if stop.is_set():
        raise KeyboardInterrupt


class Plain:
    """One line per kommune (``--quiet`` or not a terminal)."""

    def __init__(self, n: int, line, echo):
        self.n, self.i, self.line, self.echo = n, 0, line, echo

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self, text: str, link: str | None) -> None:
        self.echo(text + (f"; oversikt: {link}" if link else ""))

    def result(self, r) -> None:
        self.i += 1
        self.echo(self.line(r, self.i, self.n))


class Live(Plain):
    """A live count (done / failed / remaining, ETA) with rich; a line per kommune above it."""

    def __init__(self, n: int, line, echo):
        super().__init__(n, line, echo)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.counts = {"done": 0, "unchanged": 0, "failed": 0}
        self.bar = Progress(TextColumn("[bold]Kommuner"), BarColumn(bar_width=12), MofNCompleteColumn(),
                            TextColumn("{task.fields[status]}"), TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(), transient=False, refresh_per_second=4)
        self.task = self.bar.add_task("kommuner", total=n, status=self._status())

    def _status(self) -> str:
        c = self.counts
        left = self.n - sum(c.values())
        same = f" ({c['unchanged']} uendret)" if c["unchanged"] else ""
        return (f"[green]{c['done'] + c['unchanged']} ferdig{same}[/] · "
                f"[bold red]{c['failed']} feilet[/] · {left} igjen")

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def start(self, text: str, link: str | None) -> None:
        self.bar.console.print(text + (f" · Dask-oversikt: [link={link}]{link}[/link]" if link else ""))

    def result(self, r) -> None:
        self.i += 1
        self.counts[r.state] += 1
        style = {"failed": "bold red", "unchanged": "cyan"}.get(r.state, "")
        text = self.line(r, self.i, self.n)
        self.bar.console.print(f"[{style}]{text}[/]" if style else text, markup=bool(style), highlight=False)
        self.bar.update(self.task, advance=1, status=self._status())

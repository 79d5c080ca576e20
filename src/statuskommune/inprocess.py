"""Run a chapter notebook inside this process instead of in a new Jupyter kernel.

A Papermill run starts a kernel and imports pandas, matplotlib and the package each time: about
3 s of every kommune edition. A Dask worker that builds many kommune editions runs the same
notebook here instead, cell by cell, in a fresh namespace with the same parameters, working
folder and environment as Papermill gives the kernel. Imports and parsed datasets stay warm
between kommuner. The outputs are the same files (a test compares them with a Papermill run);
a failing cell is reported with its number, like Papermill's.

The outputs go to a temporary folder that is moved into place only when every cell succeeded,
exactly as ``execute.run_job`` does, so the cache rules do not change.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import time

from .errors import ChapterExecutionError


def run_job_inprocess(job) -> "Outcome":  # noqa: F821 - execute.Outcome
    """Run ``job`` (an ``execute.Job``) here. Never raises; a failure is an outcome."""
    import nbformat

    from .execute import Outcome, move_into_place, prepare

    t0 = time.monotonic()
    tmp, params = prepare(job)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = nbformat.read(str(job.notebook), as_version=4)
    ns: dict = {"__name__": "__main__"}
    cell_no = None
    try:
        with contextlib.chdir(job.notebook.parent):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                cell_no = number = i + 1  # 1-based among all cells, as in Papermill's messages
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(cell.source, f"<{job.notebook.name}, celle {number}>", "exec"), ns)
                    if "parameters" in cell.metadata.get("tags", []):
                        ns.update(params)  # as Papermill's injected cell, right after the defaults
                cell.outputs = ([nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())]
                                if out.getvalue() else [])
    except Exception as e:  # noqa: BLE001 - the notebook's own error, reported like Papermill's
        shutil.rmtree(tmp, ignore_errors=True)
        nbformat.write(nb, str(job.executed))
        err = ChapterExecutionError(job.stem, cell_no, type(e).__name__, str(e), str(job.executed))
        return Outcome(job.stem, "failed", time.monotonic() - t0, error=str(err))
    finally:
        plt.close("all")
    nb.metadata["statuskommune"] = {"parameters": {k: v for k, v in params.items() if k != "output_dir"},
                                    "kjort_i_prosessen": True}
    nbformat.write(nb, str(job.executed))
    _record_notebook_modules(job, tmp)
    move_into_place(job, tmp)
    return Outcome(job.stem, "done", time.monotonic() - t0)


def _record_notebook_modules(job, tmp) -> None:
    """The manifest lists the package modules the chapter depends on (the cache re-runs it when
    one changes). Here the worker has loaded much more of the package than the notebook uses
    (the build, Dask, the renderer), so the list is what the notebook loads in a new kernel, as
    Papermill records it, read from the source (``cache.notebook_modules``)."""
    import json

    from .cache import module_hashes, notebook_modules
    from .chapter import MANIFEST

    used = notebook_modules(job.notebook)
    path = tmp / MANIFEST
    if used is None or not path.is_file():
        return
    m = json.loads(path.read_text(encoding="utf-8"))
    m["library"] = module_hashes(used)
    path.write_text(json.dumps(m, ensure_ascii=False, indent=1), encoding="utf-8")

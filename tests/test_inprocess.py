"""The kommune notebook run inside the process (as Dask workers do) gives the same files as a
Papermill run in a new kernel, and reports a failing cell the same way."""

import filecmp
import json
import shutil

import nbformat
import pytest

from statuskommune import build, execute, inprocess, kommunedask, kommuner  # noqa: F401 - loaded as in a worker

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kommune_copy(tmp_path_factory):
    from conftest import copy_repo

    return copy_repo(tmp_path_factory.mktemp("inprocess") / "statuskommune")


def _job(root, nr):
    ed = kommuner.load(root, "2025", nr)
    (job,) = execute.jobs_for(ed)
    return job


def test_same_files_as_papermill(kommune_copy, tmp_path):
    job = _job(kommune_copy, "1151")
    assert execute.run_job(job).state == "done"
    papermill = tmp_path / "papermill"
    shutil.copytree(job.output_dir, papermill)
    for _ in range(2):  # twice: a warm process (imports, parsed data) must not change anything
        out = inprocess.run_job_inprocess(job)
        assert out.state == "done", out.error
    names = sorted(p.name for p in papermill.iterdir())
    assert names == sorted(p.name for p in job.output_dir.iterdir())
    for n in names:
        if n == "manifest.json":
            a, b = (json.loads((d / n).read_text()) for d in (papermill, job.output_dir))
            # the modules the chapter depends on are those a new kernel loads, not all that this
            # process (like a Dask worker) has loaded: a change to the build code must not re-run
            # 357 kommune notebooks
            lib_a, lib_b = a.pop("library"), b.pop("library")
            assert lib_b == lib_a
            assert "kommunedask.py" not in lib_b and "build.py" not in lib_b
            assert a == b
        else:
            assert filecmp.cmp(papermill / n, job.output_dir / n, shallow=False), n
    executed = nbformat.read(str(job.executed), as_version=4)
    check = [c for c in executed.cells if "NBVAL_CHECK_OUTPUT" in c.source][0]
    assert "folketall = 217" in check.outputs[0]["text"]


def test_a_failing_cell_is_named_and_nothing_is_moved_into_place(kommune_copy):
    job = _job(kommune_copy, "1144")
    nb = nbformat.read(str(job.notebook), as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if 'kap.figur("alder")' in c.source)
    nb.cells[i].source = "raise ValueError('SYNTETISK feil for testen')\n" + nb.cells[i].source
    broken = job.notebook.with_name("kommune-feil.ipynb")
    nbformat.write(nb, str(broken))
    job.notebook = broken
    before = sorted(p.name for p in job.output_dir.iterdir()) if job.output_dir.exists() else None
    out = inprocess.run_job_inprocess(job)
    assert out.state == "failed"
    assert f"celle {i + 1}: ValueError: SYNTETISK feil for testen" in out.error
    after = sorted(p.name for p in job.output_dir.iterdir()) if job.output_dir.exists() else None
    assert after == before
    assert not list(job.output_dir.parent.glob(".index.tmp-*"))

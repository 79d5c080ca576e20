"""Many kommune editions on dask.distributed (kommunedask): a local cluster, a real scheduler and
worker started as separate processes, one failing kommune, and Ctrl-C in the middle.

Every build runs the real command (``python -m statuskommune build --kommune ...``) in a
temporary copy of the repository. Small kommuner (Utsira 1151, Kvitsøy 1144, Bokn 1145) keep it
short; the slow tests are marked e2e."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_repo

SMALL = ["1151", "1144", "1145"]


def _env(root: Path, **extra) -> dict:
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(root), PYTHONPATH=str(REPO / "src"), **extra)
    env.pop("STATUSKOMMUNE_SCHEDULER", None)
    return env


def _cli(root: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "statuskommune", "build", "--edition", "2025", *args],
                          capture_output=True, text=True, env=env or _env(root), cwd=root, timeout=timeout)


def _kdir(root: Path, nr: str) -> Path:
    return root / "_book" / "2025" / "kommuner" / nr


def _files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _leftovers(root: Path) -> list[str]:
    base = root / "_book" / "2025" / "kommuner"
    return sorted(p.name for p in base.iterdir() if p.name.startswith("."))


def _whole_or_absent(root: Path, nr: str, to=("html",)) -> bool:
    d = _kdir(root, nr)
    if not d.exists():
        return True
    return (d / ".build.json").is_file() and ("html" not in to or (d / "index.html").is_file())


# --- fast: how the engine is chosen --------------------------------------------------------------

def test_scheduler_from_option_then_environment_local_forces_a_local_cluster(monkeypatch):
    from statuskommune.kommunedask import scheduler_address

    monkeypatch.delenv("STATUSKOMMUNE_SCHEDULER", raising=False)
    assert scheduler_address(None) is None
    monkeypatch.setenv("STATUSKOMMUNE_SCHEDULER", "tcp://10.0.0.5:8786")
    assert scheduler_address(None) == "tcp://10.0.0.5:8786"
    assert scheduler_address("tcp://127.0.0.1:9999") == "tcp://127.0.0.1:9999"
    assert scheduler_address("local") is None


def test_workers_with_a_scheduler_is_refused_with_a_clear_message(monkeypatch):
    from statuskommune.errors import StatusKommuneError
    from statuskommune.kommunedask import cluster

    with pytest.raises(StatusKommuneError, match="--workers 3 gjelder bare den lokale klyngen"):
        with cluster("tcp://127.0.0.1:1", 3):
            pass


def test_one_kommune_is_built_without_dask(monkeypatch, tmp_path):
    """Exactly one kommune keeps the sequential path (no cluster to start for one edition)."""
    from statuskommune import kommunebygg, kommunedask, kommuner

    root = copy_repo(tmp_path / "r")
    called = []
    monkeypatch.setattr(kommunedask, "run", lambda *a, **k: called.append(a) or [])
    monkeypatch.setattr(kommunebygg.build_mod, "build_locked",
                        lambda ed, **k: type("R", (), {"rendered": True, "warnings": [], "timings": {}})())
    monkeypatch.setattr(kommunebygg.build_mod, "_renderer_ready", lambda r: "builtin")
    monkeypatch.setattr("statuskommune.validate.validate", lambda *a, **k: [])
    monkeypatch.setattr(kommunebygg, "write_index", lambda *a: None)
    res = kommunebygg.build_kommuner(root, "2025", [kommuner.finn(root, "1151")])
    assert [r.state for r in res] == ["done"] and not called
    two = [kommuner.finn(root, "1151"), kommuner.finn(root, "1144")]
    kommunebygg.build_kommuner(root, "2025", two)
    assert len(called) == 1


def test_a_task_reports_its_cpu_seconds_with_the_processes_it_ran(monkeypatch, tmp_path):
    """make bench-kommuner compares a task's CPU time with its wall time (pandoc runs pages in
    parallel processes); the CPU time must include those processes."""
    from statuskommune import build as build_mod
    from statuskommune import kommunedask
    from statuskommune.cache import library_hash

    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4:\n    pass\n"

    def fake_build(ed, **k):  # stands in for the build: one child process that burns 0,4 s of CPU
        subprocess.run([sys.executable, "-c", busy], check=True)
        return type("R", (), {"rendered": True, "warnings": [], "timings": {"kjøring": 0.5}})()

    monkeypatch.setattr(build_mod, "build_locked", fake_build)
    out = kommunedask.build_one(str(copy_repo(tmp_path / "r")), "2025", "1151", ["html"], "builtin",
                                False, library_hash())
    assert out["state"] == "done", out["error"]
    assert out["timings"]["kjøring"] == 0.5
    assert out["timings"]["cpu"] >= 0.35


# --- slow: real builds ---------------------------------------------------------------------------

@pytest.mark.e2e
def test_local_cluster_with_two_workers_builds_what_single_builds_give(tmp_path, monkeypatch):
    many = copy_repo(tmp_path / "mange")
    r = _cli(many, "--kommune", ",".join(SMALL), "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "lokal klynge, 2 arbeidere" in r.stdout
    for nr in SMALL:
        assert f" {nr} " in r.stdout and (_kdir(many, nr) / "index.html").is_file()
    index = (many / "_book" / "2025" / "kommuner" / "index.html").read_text(encoding="utf-8")
    assert all(f"{nr}/index.html" in index for nr in SMALL)
    assert not _leftovers(many)
    one = copy_repo(tmp_path / "en")
    r1 = _cli(one, "--kommune", "1151", "--quiet")
    assert r1.returncode == 0, r1.stdout[-3000:] + r1.stderr[-3000:]
    a, b = _files(_kdir(many, "1151")), _files(_kdir(one, "1151"))
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"ulikt fra en enkeltbygging: {differ}"
    assert any(name.endswith(".pdf") for name in a)
    _noop_starts_no_cluster_and_edits_are_seen(many, monkeypatch)


def _noop_starts_no_cluster_and_edits_are_seen(root: Path, monkeypatch) -> None:
    """Nothing changed: every kommune is «uendret» without a Dask cluster (a no-op of 357 must
    not pay a cluster's start-up). A prose edit in the kommune template, or a changed dataset that
    the kommune notebook reads, makes every edition out of date again."""
    from statuskommune import build, config, kommunebygg, kommunedask, kommuner

    def no_cluster(*a, **k):
        raise AssertionError("en Dask-klynge ble startet for en bygging uten endringer")

    monkeypatch.setattr(kommunedask, "run", no_cluster)
    chosen = [kommuner.finn(root, nr) for nr in SMALL]
    res = kommunebygg.build_kommuner(root, "2025", chosen, renderer="builtin")
    assert [r.state for r in res] == ["unchanged"] * len(SMALL)
    eds = [kommuner.KommuneEdition(config.load(root, "2025"), k) for k in chosen]

    def current() -> list[bool]:
        return [build.is_current(ed, ["html", "pdf"], "builtin") for ed in eds]

    assert current() == [True] * len(SMALL)
    assert build.is_current(eds[0], ["html"], "builtin") is False  # another format is another build
    qmd = root / "chapters" / "kommune" / "index.qmd"
    prose = qmd.read_text(encoding="utf-8")
    qmd.write_text(prose + "\nEn ny setning fra redaksjonen.\n", encoding="utf-8")
    assert current() == [False] * len(SMALL)
    qmd.write_text(prose, encoding="utf-8")
    assert current() == [True] * len(SMALL)
    dki = root / "data" / "2025" / "kommune" / "kostnadsindeks.csv"
    dki.write_bytes(dki.read_bytes() + b"\n")  # SYNTHETIC edit: the bytes of a dataset the notebook reads
    assert current() == [False] * len(SMALL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe), *args] if exe.is_file() else [sys.executable, "-m", "dask", *args]


@pytest.mark.e2e
def test_existing_scheduler_and_worker_processes_build_through_scheduler_option(tmp_path):
    root = copy_repo(tmp_path / "r")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = _env(root)
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []
    try:
        with open(logs / "scheduler.log", "w") as out:
            procs.append(subprocess.Popen(_dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                "--no-dashboard"), cwd=root, env=env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with open(logs / "worker.log", "w") as out:
            procs.append(subprocess.Popen(_dask("worker", addr, "--nworkers", "1", "--nthreads", "1",
                                                "--no-dashboard"), cwd=root, env=env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True))
        r = _cli(root, "--kommune", "1151,1144", "--to", "html", "--scheduler", addr, "--quiet", env=env)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:] + (logs / "worker.log").read_text()[-3000:]
        assert f"planleggeren {addr}, 1 arbeider" in r.stdout
        for nr in ("1151", "1144"):
            assert (_kdir(root, nr) / "index.html").is_file()
        assert not _leftovers(root)
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGINT)
        for p in reversed(procs):
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    assert all(p.returncode is not None for p in procs)


@pytest.mark.e2e
def test_one_failing_kommune_is_reported_and_the_others_are_published(tmp_path):
    import nbformat

    root = copy_repo(tmp_path / "r")
    nb_path = root / "notebooks" / "kommune.ipynb"
    nb = nbformat.read(str(nb_path), as_version=4)
    # SYNTHETIC FAULT for this test only: a cell that fails for Kvitsøy (1144) and no other kommune.
    fault = nbformat.v4.new_code_cell('if kommune == "1144":\n    raise RuntimeError("syntetisk feil i testen")')
    nb.cells.insert(3, fault)
    nbformat.write(nb, str(nb_path))
    r = _cli(root, "--kommune", "1151,1144", "--to", "html", "--workers", "2", "--quiet")
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    assert (_kdir(root, "1151") / "index.html").is_file()
    assert not _kdir(root, "1144").exists()
    assert "1 av 2 kommuneutgaver feilet" in r.stderr
    assert "1144 Kvitsøy" in r.stderr
    assert "celle 4: RuntimeError: syntetisk feil i testen" in r.stderr
    assert "1151 Utsira: ferdig" in r.stdout and "1144 Kvitsøy: FEILET" in r.stdout
    index = (root / "_book" / "2025" / "kommuner" / "index.html").read_text(encoding="utf-8")
    assert "1151/index.html" in index and "1144/index.html" not in index
    assert not _leftovers(root)


@pytest.mark.e2e
def test_ctrl_c_leaves_no_half_edition_and_the_next_run_does_only_what_is_missing(tmp_path):
    root = copy_repo(tmp_path / "r")
    cmd = [sys.executable, "-m", "statuskommune", "build", "--edition", "2025", "--kommune", ",".join(SMALL),
           "--to", "html", "--workers", "1", "--quiet"]
    log = tmp_path / "avbrutt.log"
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        first = None
        while first is None and time.monotonic() < deadline and p.poll() is None:
            first = next((nr for nr in SMALL if (_kdir(root, nr) / "index.html").is_file()), None)
            time.sleep(0.1)
        assert first, log.read_text()[-3000:]
        p.send_signal(signal.SIGINT)
        rc = p.wait(120)
    finally:
        if p.poll() is None:
            p.kill()
    text = log.read_text()
    assert rc == 130, text[-3000:]
    assert "Avbrutt." in text
    assert not _leftovers(root), _leftovers(root)
    assert all(_whole_or_absent(root, nr) for nr in SMALL)
    missing = [nr for nr in SMALL if not _kdir(root, nr).exists()]
    assert missing, "alle ble ferdige før avbruddet; testen beviser da ingenting"
    r = _cli(root, "--kommune", ",".join(SMALL), "--to", "html", "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"{first} " in r.stdout and any(line.startswith("[") and first in line and "uendret" in line
                                          for line in r.stdout.splitlines())
    for nr in missing:
        assert any(nr in line and ": ferdig" in line for line in r.stdout.splitlines()), r.stdout
        assert (_kdir(root, nr) / "index.html").is_file()
    assert not _leftovers(root)
    figs = root / "figures" / "2025" / "kommuner"
    assert not [p for p in figs.rglob(".*tmp-*")]


@pytest.mark.e2e
def test_a_worker_killed_in_the_middle_is_retried_and_leaves_nothing_half_written(tmp_path):
    psutil = pytest.importorskip("psutil")
    root = copy_repo(tmp_path / "r")
    cmd = [sys.executable, "-m", "statuskommune", "build", "--edition", "2025", "--kommune", "1151,1144",
           "--to", "html", "--workers", "2", "--quiet"]
    p = subprocess.Popen(cmd, cwd=root, env=_env(root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = None
    try:
        deadline = time.monotonic() + 180
        while killed is None and time.monotonic() < deadline and p.poll() is None:
            # a kommune notebook is running in a worker: its outputs go to .index.tmp-<worker pid>
            for tmp in (root / "figures" / "2025" / "kommuner").glob("*/.index.tmp-*"):
                try:
                    worker = psutil.Process(int(tmp.name.rsplit("-", 1)[1]))
                    worker.kill()  # SIGKILL: the worker gets no chance to clean up
                    killed = worker.pid
                    break
                except (psutil.Error, ValueError):
                    pass
            time.sleep(0.1)
        out, _ = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert killed, out[-3000:]
    assert p.returncode == 0, out[-3000:]
    for nr in ("1151", "1144"):
        assert (_kdir(root, nr) / "index.html").is_file() and (_kdir(root, nr) / ".build.json").is_file()
    assert not _leftovers(root)
    r = _cli(root, "--kommune", "1151,1144", "--to", "html", "--workers", "2", "--quiet")
    assert r.returncode == 0 and r.stdout.count("uendret") == 2, r.stdout  # the cache records are sound

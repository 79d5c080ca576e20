"""Execution, cache invalidation, failure handling and atomic publishing on the SYNTHETIC project."""

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
import yaml

from statuskommune import cache as cache_mod
from statuskommune import config, validate
from statuskommune.build import build
from statuskommune.errors import StatusKommuneError
from statuskommune.execute import execute
from synthetic import notebook


def _states(outcomes):
    return {o.stem: o.state for o in outcomes}


def _record(ed, stem):
    """Where the build keeps a chapter's cache record (asked of the cache, not hard-coded)."""
    return cache_mod.Cache(ed.root, ed.edition, ed.vintage).record_path(stem)


def _rehash_a(project, new_csv):
    (project / "data/2025/syntetisk/a.csv").write_text(new_csv, encoding="utf-8")
    validate.rehash(project, "2025")


def test_build_publishes_html_and_pdf(project):
    res = build(project, "2025", quiet=True)
    out = project / "_book" / "2025"
    assert res.html == out / "index.html" and res.html.is_file()
    assert (out / "statuskommune-2025.pdf").is_file()
    assert (out / "01-a.html").is_file() and (out / "02-b.html").is_file()
    assert _states(res.outcomes) == {"01-a": "done", "02-b": "done"}
    src = nbformat.read(str(project / "notebooks" / "01-a.ipynb"), as_version=4)
    assert all(not c.get("outputs") for c in src.cells if c.cell_type == "code"), "source notebook was modified"
    assert (project / "_build" / "2025" / "notebooks" / "01-a.ipynb").is_file()


def test_cache_invalidation_cases(project):
    ed = config.load(project, "2025")
    assert _states(execute(ed)) == {"01-a": "done", "02-b": "done"}
    # no-op
    assert _states(execute(ed)) == {"01-a": "cached", "02-b": "cached"}
    # prose change: nothing re-executed
    ch = project / "chapters" / "01-a.qmd"
    ch.write_text(ch.read_text() + "\nEn ny setning.\n")
    assert _states(execute(ed)) == {"01-a": "cached", "02-b": "cached"}
    # data change: only the chapter that read the dataset
    _rehash_a(project, "aar,verdi\n2022,1.5\n2023,2.5\n2024,3.5\n")
    assert _states(execute(ed)) == {"01-a": "done", "02-b": "cached"}
    # a dataset's description (e.g. its source text) is an input too
    desc = project / "data/2025/syntetisk/b.resource.yaml"
    d = yaml.safe_load(desc.read_text())
    d["provenance"]["kilde"] = "Syntetiske testdata b, ny kildetekst"
    desc.write_text(yaml.safe_dump(d, allow_unicode=True))
    assert _states(execute(ed)) == {"01-a": "cached", "02-b": "done"}
    # one notebook changed: only that chapter
    nb = project / "notebooks" / "02-b.ipynb"
    n = nbformat.read(str(nb), as_version=4)
    n.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nbformat.write(n, str(nb))
    assert _states(execute(ed)) == {"01-a": "cached", "02-b": "done"}
    # parameter change (the edition's profile): every chapter that receives the parameter
    prof = project / "_quarto-2025.yml"
    prof.write_text('statuskommune: {edition: 2025, vintage: "2025", kommune: "0301"}\n')
    ed = config.load(project, "2025")
    assert _states(execute(ed)) == {"01-a": "done", "02-b": "done"}
    # --force
    assert _states(execute(ed, force=True)) == {"01-a": "done", "02-b": "done"}


def test_library_change_reexecutes_all(project, monkeypatch):
    ed = config.load(project, "2025")
    execute(ed)
    rec = json.loads(_record(ed, "01-a").read_text())
    assert "charts.py" in rec["library"] and "chapter.py" in rec["library"]  # what the kernel loaded
    assert "render/html.py" not in rec["library"]                             # not what it did not
    real = cache_mod._module_hash
    monkeypatch.setattr(cache_mod, "_module_hash",
                        lambda p: "endret" if p.name == "charts.py" else real(p))
    assert _states(execute(ed)) == {"01-a": "done", "02-b": "done"}


def test_renderer_change_reexecutes_nothing(project, monkeypatch):
    ed = config.load(project, "2025")
    execute(ed)
    real = cache_mod._module_hash
    monkeypatch.setattr(cache_mod, "_module_hash",
                        lambda p: "endret" if p.name == "html.py" else real(p))
    assert _states(execute(ed)) == {"01-a": "cached", "02-b": "cached"}


def test_lock_change_reexecutes_all(project):
    ed = config.load(project, "2025")
    execute(ed)
    (project / "constraints.txt").write_text((project / "constraints.txt").read_text() + "\n# endret\n")
    ed = config.load(project, "2025")
    assert _states(execute(ed)) == {"01-a": "done", "02-b": "done"}


def test_failing_notebook_stops_build_and_keeps_previous_output(project):
    build(project, "2025", quiet=True)
    index = project / "_book" / "2025" / "index.html"
    before = index.read_bytes()
    notebook(project / "notebooks" / "02-b.ipynb", "02-b", "syntetisk/b", "serie-b", "b_siste", fail=True)
    with pytest.raises(StatusKommuneError) as e:
        build(project, "2025", quiet=True)
    msg = str(e.value)
    assert "Kapittel 02-b feilet i celle 5" in msg
    assert "ValueError: syntetisk feil for testen" in msg
    assert "_build/2025/notebooks/02-b.ipynb" in msg
    assert "01-a" in msg and "Oppsummering" in msg  # the other chapter's outcome is still reported
    assert index.read_bytes() == before
    executed = nbformat.read(str(project / "_build/2025/notebooks/02-b.ipynb"), as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert not list((project / "_book").glob(".tmp-*"))


def test_bad_data_stops_before_execution(project):
    build(project, "2025", quiet=True)
    before = (project / "_book/2025/index.html").read_bytes()
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.5\n2023,abc\n", encoding="utf-8")
    validate.rehash(project, "2025")
    executed = project / "_build/2025/notebooks/01-a.ipynb"
    mtime = executed.stat().st_mtime
    with pytest.raises(StatusKommuneError, match=r"a\.csv, rad 3, kolonne «verdi»"):
        build(project, "2025", quiet=True)
    assert executed.stat().st_mtime == mtime  # no notebook ran
    assert (project / "_book/2025/index.html").read_bytes() == before


def test_noop_rebuild_skips_rendering(project):
    build(project, "2025", quiet=True)
    res = build(project, "2025", quiet=True)
    assert not res.rendered
    ch = project / "chapters" / "02-b.qmd"
    ch.write_text(ch.read_text().replace("Verdien er", "Tallet er"))
    res = build(project, "2025", quiet=True)
    assert res.rendered and _states(res.outcomes) == {"01-a": "cached", "02-b": "cached"}
    assert "Tallet er" in (project / "_book/2025/02-b.html").read_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_interrupted_build_recovers(project, sig):
    """Interrupt a build in the middle of execution; the next build must succeed on its own."""
    build(project, "2025", quiet=True)
    published = (project / "_book/2025/index.html").read_bytes()
    _rehash_a(project, "aar,verdi\n2022,9.5\n2023,8.5\n2024,7.5\n")
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(project))
    proc = subprocess.Popen([sys.executable, "-m", "statuskommune", "build", "--quiet"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    tmp_dirs = []
    while time.monotonic() < deadline:
        tmp_dirs = list((project / "figures" / "2025").glob(".01-a.tmp-*"))
        if tmp_dirs:
            break
        time.sleep(0.05)
    assert tmp_dirs, "the build never started executing"
    os.killpg(proc.pid, sig)
    out = proc.communicate(timeout=60)[0].decode()
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "Avbrutt" in out, out[-2000:]
    assert (project / "_book/2025/index.html").read_bytes() == published  # untouched
    assert not _record(config.load(project, "2025"), "01-a").exists()  # no record for a half run
    res = build(project, "2025", quiet=True)
    assert _states(res.outcomes)["01-a"] == "done"
    assert not list((project / "figures" / "2025").glob(".*tmp-*"))
    assert "9,5" in (project / "_book/2025/01-a.html").read_text() or "7,5" in (project / "_book/2025/01-a.html").read_text()


def test_swap_interrupted_between_renames_is_recovered(project):
    from statuskommune import publish

    build(project, "2025", quiet=True)
    target = project / "_book" / "2025"
    target.rename(project / "_book" / ".2025.old")  # as if killed after the first rename
    publish.recover(target)
    assert (target / "index.html").is_file()


def test_unknown_edition_says_what_to_do(project):
    with pytest.raises(StatusKommuneError, match=r"Ukjent utgave «2031».*_quarto-2031\.yml.*kjente utgaver: 2025"):
        build(project, "2031", quiet=True)


def test_cli_reports_errors_without_traceback(project):
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(project))
    r = subprocess.run([sys.executable, "-m", "statuskommune", "build", "--edition", "1999"], cwd=project,
                       env=env, capture_output=True, text=True)
    assert r.returncode == 1
    assert "Ukjent utgave «1999»" in r.stderr and "Traceback" not in r.stderr


def test_new_edition_starts_from_the_previous_one(project):
    from statuskommune import config
    from statuskommune.edition import new_edition

    build(project, "2025", quiet=True)
    new_edition(project, 2026)
    assert (project / "_quarto-2026.yml").is_file() and (project / "data/2026/README.md").is_file()
    ed = config.load(project, "2026")
    assert ed.vintage == "2026" and ed.title == "Status Kommune 2026" and ed.pdf_name == "statuskommune-2026.pdf"
    assert "syntetisk/a" in (project / "data/2026/README.md").read_text()
    # without data for the new vintage, the build stops and names the missing dataset
    with pytest.raises(StatusKommuneError, match="syntetisk/a"):
        build(project, "2026", quiet=True)


def test_national_rebuild_keeps_published_kommune_editions(project):
    """The national edition is swapped in whole; the kommune editions inside it are other builds'."""
    kdir = project / "_book" / "2025" / "kommuner" / "4601"
    kdir.mkdir(parents=True)
    (kdir / "index.html").write_text("Bergen", encoding="utf-8")
    build(project, "2025", quiet=True)
    assert (project / "_book" / "2025" / "index.html").is_file()
    assert (kdir / "index.html").read_text(encoding="utf-8") == "Bergen"

"""Defects found by review (issue 12 §4), each guarded on the SYNTHETIC project."""

import os
import stat
import subprocess
import sys

import pytest

from statuskommune.build import build
from statuskommune.errors import StagingError


def test_deleted_notebook_is_noticed_not_published_stale(project):
    build(project, "2025", quiet=True)
    out = project / "_book" / "2025"
    before = (out / "01-a.html").read_bytes()
    (project / "notebooks" / "01-a.ipynb").unlink()
    with pytest.raises(StagingError) as e:
        build(project, "2025", quiet=True)
    msg = str(e.value)
    assert "chapters/01-a.qmd" in msg and "notebooks/01-a.ipynb" in msg and "notatbok" in msg
    assert (out / "01-a.html").read_bytes() == before  # the previous edition is untouched


def test_published_folder_gets_normal_permissions(project):
    old = os.umask(0o022)
    try:
        build(project, "2025", quiet=True, to=["html"])
    finally:
        os.umask(old)
    out = project / "_book" / "2025"
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode == 0o755, oct(mode)
    assert stat.S_IMODE((out / "index.html").stat().st_mode) == 0o644


def test_published_folder_honours_a_stricter_umask(project):
    old = os.umask(0o027)
    try:
        build(project, "2025", quiet=True, to=["html"])
    finally:
        os.umask(old)
    assert stat.S_IMODE((project / "_book" / "2025").stat().st_mode) == 0o750


def test_cli_reports_time_with_decimal_comma(project):
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(project))
    p = subprocess.run([sys.executable, "-m", "statuskommune", "build", "--to", "html", "--quiet"],
                       cwd=project, capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    line = next(ln for ln in p.stdout.splitlines() if ln.startswith("Ferdig på"))
    assert "," in line.split(" s ")[0] and "." not in line.split(" s ")[0], line


def test_publishing_one_format_keeps_the_other(project):
    out = project / "_book" / "2025"
    build(project, "2025", quiet=True)  # html and pdf
    pdf = (out / "statuskommune-2025.pdf").read_bytes()
    ch = project / "chapters" / "01-a.qmd"
    ch.write_text(ch.read_text(encoding="utf-8") + "\nEn ny setning om syntetiske data.\n", encoding="utf-8")
    build(project, "2025", quiet=True, to=["html"])
    assert (out / "statuskommune-2025.pdf").read_bytes() == pdf, "make html deleted the published PDF"
    assert "En ny setning" in (out / "01-a.html").read_text(encoding="utf-8")
    assert 'href="statuskommune-2025.pdf"' in (out / "index.html").read_text(encoding="utf-8")
    build(project, "2025", quiet=True, to=["pdf"])
    assert (out / "index.html").is_file() and (out / "01-a.html").is_file(), "make pdf deleted the web pages"

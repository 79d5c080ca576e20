from __future__ import annotations

import functools
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from synthetic import make_project

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("STATUSKOMMUNE_NO_DISPLAY", "1")
# pytest-xdist's worker processes ignore Ctrl-C (SIGINT), and an ignored signal stays ignored in
# every process they start: a `statuskommune build` started by a test would then never see the
# Ctrl-C that the interruption tests send. Give the workers Python's usual handler, which the
# processes they start reset to the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A fresh synthetic project (test data only) in a temp folder, as the working directory."""
    root = make_project(tmp_path / "prosjekt")
    monkeypatch.chdir(root)
    monkeypatch.delenv("STATUSKOMMUNE_ROOT", raising=False)
    return root


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def copy_repo(dest: Path) -> Path:
    """Copy the project's tracked inputs (not outputs) to ``dest``."""
    ignore = shutil.ignore_patterns(".venv", "_book", "_build", "figures", "node_modules", ".git",
                                    "__pycache__", ".pytest_cache", "*.egg-info")
    shutil.copytree(REPO, dest, ignore=ignore)
    (dest / "figures").mkdir(exist_ok=True)
    return dest


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """The real default edition, built once per test session into a temporary copy of the repo,
    by the built-in renderer (explicitly: `auto` would pick Quarto where it is installed;
    tests/test_quarto.py builds with Quarto and compares)."""
    from statuskommune.build import build

    root = copy_repo(tmp_path_factory.mktemp("e2e") / "statuskommune")
    res = build(root, None, renderer="builtin", quiet=True)
    return root, res


def need_quarto() -> str:
    q = shutil.which("quarto")
    if q:
        return q
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("quarto mangler i CI (.ci/run installerer det med ../shared/tools/quarto/setup.sh)")
    from statuskommune.render.quarto import TESTED_VERSION

    pytest.skip("quarto er ikke på PATH; installer Quarto fra https://quarto.org (testet med "
                f"{TESTED_VERSION}) eller kjør bash ../shared/tools/quarto/setup.sh, og så make test")


@pytest.fixture(scope="session")
def quarto_report(built_report, tmp_path_factory):
    """The default edition built by real Quarto (HTML and PDF), once per session, in a copy of
    the built-in build's project (its executed notebooks are reused from the cache)."""
    need_quarto()
    from statuskommune.build import build

    src, b = built_report
    assert b.renderer == "builtin"  # the reference the Quarto build is compared with
    root = tmp_path_factory.mktemp("quarto") / "statuskommune"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("_book", "stage", "pandoc-cache"), symlinks=True)
    res = build(root, None, renderer="quarto", quiet=True)
    assert res.renderer == "quarto"
    return root, res


@functools.lru_cache(maxsize=16)
def _pdf_pages(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    from pypdf import PdfReader

    return tuple(p.extract_text() for p in PdfReader(path).pages)


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF, extracted once per file version in a test session (pypdf
    needs about 20 s for the national PDF with its maps; several tests read the same PDF)."""
    st = Path(path).stat()
    return list(_pdf_pages(str(path), st.st_mtime_ns, st.st_size))

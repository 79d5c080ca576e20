from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from synthetic import make_project

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("STATUSKOMMUNE_NO_DISPLAY", "1")


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

"""Where things are. Imports nothing from the package."""

from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The project root: $STATUSKOMMUNE_ROOT, else the nearest folder holding _quarto.yml."""
    env = os.environ.get("STATUSKOMMUNE_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "_quarto.yml").is_file():
            return d
    # Installed in editable mode from a checkout: src/statuskommune/paths.py -> root.
    pkg_root = Path(__file__).resolve().parents[2]
    if (pkg_root / "_quarto.yml").is_file():
        return pkg_root
    raise FileNotFoundError(
        "Fant ikke prosjektmappen (ingen _quarto.yml her eller i mappene over). "
        "Kjør kommandoen fra statuskommune-mappen eller sett STATUSKOMMUNE_ROOT.")


PACKAGE_DIR = Path(__file__).resolve().parent

"""Quarto backend: run ``quarto render`` on the staged project (only where quarto is on PATH).

The staged folder is a Quarto book project (see stage.py); Quarto renders it to HTML and typst.
This backend has been unit-tested for its command line and staging only; it has not been run
with Quarto on this project's machines, where Quarto cannot be installed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ..errors import RenderError, ToolMissingError
from . import tools

FORMATS = {"html": "html", "pdf": "typst"}


def command(quarto: str, stage_dir: Path, to: list[str], out_dir: Path) -> list[str]:
    formats = ",".join(FORMATS[t] for t in to)
    return [quarto, "render", str(stage_dir), "--to", formats, "--output-dir", str(out_dir), "--no-clean"]


def render(stage_dir: Path, to: list[str], out_dir: Path) -> None:
    q = tools.quarto_path()
    if not q:
        raise ToolMissingError("--renderer quarto: fant ikke «quarto» på PATH. Installer Quarto fra "
                               "https://quarto.org, eller bruk --renderer builtin.")
    cmd = command(q, stage_dir, to, out_dir)
    proc = subprocess.run(cmd, cwd=stage_dir, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RenderError(f"quarto render feilet (kode {proc.returncode}):\n{proc.stderr[-4000:]}")

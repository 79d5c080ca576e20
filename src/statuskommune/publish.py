"""Atomic publishing: a build is written to a temporary folder beside the target and swapped in
only when complete. A failed or interrupted build leaves the previous ``_book/<edition>/`` intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def staging_dir(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))


def _old(target: Path) -> Path:
    return target.parent / f".{target.name}.old"


def recover(target: Path, clean_tmp: bool = True) -> None:
    """Undo a swap interrupted between its two renames; remove leftovers of killed builds.

    Call it at the start of a build (under the build lock), not while a build is writing.
    """
    old = _old(target)
    if old.exists():
        if not target.exists():
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    if clean_tmp and target.parent.is_dir():
        for p in target.parent.glob(f".tmp-{target.name}-*"):
            shutil.rmtree(p, ignore_errors=True)


def pending(target: Path) -> bool:
    """Whether ``recover(target)`` has something to undo or remove."""
    return _old(target).exists() or (target.parent.is_dir()
                                     and any(target.parent.glob(f".tmp-{target.name}-*")))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish(built: Path, target: Path) -> None:
    # mkdtemp creates the folder with mode 700 (private); a published edition is read by a web
    # server, so it gets the mode any other new folder gets (0777 minus the umask).
    os.chmod(built, 0o777 & ~_umask())
    recover(target, clean_tmp=False)
    old = _old(target)
    if target.exists():
        os.rename(target, old)
    os.rename(built, target)
    shutil.rmtree(old, ignore_errors=True)


def keep(target: Path, built: Path, names: list[str]) -> None:
    """Keep folders that other builds own (``kommuner/`` inside a national edition) when a new
    build replaces ``target``. They are copied as hard links, so the old copy stays intact until
    the swap and the copy costs no disk space or time worth measuring."""
    for name in names:
        src = target / name
        if src.is_dir() and not (built / name).exists():
            shutil.copytree(src, built / name, copy_function=os.link, symlinks=True)


def carry_over(target: Path, built: Path, pdf_name: str, formats: list[str]) -> None:
    """Publishing one format keeps the other: ``--to html`` keeps the published PDF, and
    ``--to pdf`` keeps the published web pages (everything but the PDF)."""
    if not target.is_dir():
        return
    if "pdf" not in formats and (target / pdf_name).is_file() and not (built / pdf_name).exists():
        shutil.copy2(target / pdf_name, built / pdf_name)
    if "html" not in formats:
        for p in target.iterdir():
            if p.name in (pdf_name, ".build.json") or (built / p.name).exists():
                continue
            if p.is_dir():
                shutil.copytree(p, built / p.name)
            else:
                shutil.copy2(p, built / p.name)

"""Find pandoc and typst (from their PyPI wheels) and Quarto (optional, from PATH)."""

from __future__ import annotations

import shutil

from ..errors import ToolMissingError

INSTALL_HINT = "Kjør «make install» (eller pip install -c constraints.txt -e .) for å installere dem."


def pandoc_path() -> str:
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
    except (ImportError, OSError) as exc:
        raise ToolMissingError(f"Fant ikke pandoc (PyPI-pakken pypandoc-binary). {INSTALL_HINT}") from exc
    return path


def typst_module():
    try:
        import typst
    except ImportError as exc:
        raise ToolMissingError(f"Fant ikke typst (PyPI-pakken typst). {INSTALL_HINT}") from exc
    return typst


def quarto_path() -> str | None:
    return shutil.which("quarto")

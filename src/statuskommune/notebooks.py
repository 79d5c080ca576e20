"""Keep source notebooks clean: no outputs, except the stored key numbers that nbval checks.

``statuskommune notebooks sync`` copies the output of the cell marked ``NBVAL_CHECK_OUTPUT`` from
the last executed copy (``_build/<edition>/notebooks/``) into the source notebook and strips every
other output. Run it after a deliberate change of data or numbers; review the diff like any change.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

CHECK = "NBVAL_CHECK_OUTPUT"


def _check_cell(nb) -> int:
    idx = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and CHECK in c.source]
    if len(idx) != 1:
        raise ValueError(f"ventet nøyaktig én celle merket {CHECK}, fant {len(idx)}")
    return idx[0]


def sync(source: Path, executed: Path | None) -> bool:
    """Strip outputs in ``source``; copy the checked cell's output from ``executed``. Returns changed."""
    nb = nbformat.read(str(source), as_version=4)
    before = nbformat.writes(nb)
    ci = _check_cell(nb)
    stored = nb.cells[ci].outputs
    if executed is not None and executed.is_file():
        ex = nbformat.read(str(executed), as_version=4)
        match = [c for c in ex.cells if c.cell_type == "code" and CHECK in c.source]
        if match:
            stored = [o for o in match[0].outputs if o.output_type == "stream"]
            for o in stored:
                o.pop("metadata", None)
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            c.outputs = stored if i == ci else []
            # nbval only compares cells that look executed, so the checked cell keeps a count.
            c.execution_count = 1 if i == ci and stored else None
            c.metadata.pop("execution", None)
            c.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    after = nbformat.writes(nb)
    if after != before:
        nbformat.write(nb, str(source))
        return True
    return False

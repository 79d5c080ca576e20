"""Source notebooks: parametrised, thin, committed without outputs (except the checked numbers)."""

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
REQUIRED_PARAMS = {"edition", "vintage", "kommune", "data_dir", "output_dir", "allow_missing_data"}


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_tagged_parameters(nb_path):
    import papermill as pm

    nb = nbformat.read(str(nb_path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert REQUIRED_PARAMS <= set(pm.inspect_notebook(str(nb_path)))


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_same_stem_as_a_chapter(nb_path):
    """Every notebook has the page it fills: a chapter with its stem, or for the kommune notebook
    the kommune editions' template."""
    from statuskommune import kommuner

    if nb_path.name == kommuner.NOTEBOOK.name:
        assert (REPO / kommuner.CHAPTER).is_file(), f"{kommuner.CHAPTER} mangler"
        return
    assert list((REPO / "chapters").rglob(nb_path.stem + ".qmd")), f"chapters/{nb_path.stem}.qmd mangler"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_except_checked_numbers(nb_path):
    nb = nbformat.read(str(nb_path), as_version=4)
    checked = [c for c in nb.cells if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source]
    assert len(checked) == 1, "exactly one cell prints the key numbers (NBVAL_CHECK_OUTPUT)"
    assert checked[0].outputs, "the checked cell has stored output (run: statuskommune notebooks sync)"
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if c is not checked[0]:
            assert not c.outputs, f"cell {c.get('id')} has outputs; strip them"
        for o in c.outputs:
            assert not any(k.startswith("image/") for k in o.get("data", {})), "image outputs committed"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_stay_thin(nb_path):
    """No reusable logic in notebooks: no function or class definitions, no savefig, no colours."""
    nb = nbformat.read(str(nb_path), as_version=4)
    src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"^\s*(def|class)\s", src, re.M)
    assert "savefig" not in src and "plt." not in src
    assert not re.search(r"#[0-9A-Fa-f]{6}\b|color\s*=", src), "colours come from statuskommune.style"

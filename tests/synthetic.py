"""A tiny SYNTHETIC project for tests: two chapters, two notebooks, two datasets.

Every number here is made up for testing and is named as synthetic; none of it is published.
"""

from __future__ import annotations

import hashlib
import shutil
import textwrap
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]

PARAMS = ('edition = 2025\nvintage = "2025"\nkommune = None\ndata_dir = None\noutput_dir = None\n'
          'allow_missing_data = False')


def write_dataset(root: Path, rel: str, header: list[str], rows: list[list], fields: list[dict],
                  pk: list[str], hash_: bool = True, extra_schema: dict | None = None) -> Path:
    csv = root / "data" / (rel + ".csv")
    csv.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    schema = {"fields": fields, "primaryKey": pk, "missingValues": ["", "..", ".", ":"]}
    schema.update(extra_schema or {})
    desc = {
        "name": csv.stem, "title": f"SYNTETISK testdata {csv.stem}", "path": csv.name, "format": "csv",
        "encoding": "utf-8", "licenses": [{"name": "test", "title": "Syntetiske testdata"}],
        "provenance": {"publisher": "Testsuiten (syntetiske data)", "original": "laget for tester",
                       "kilde": f"Syntetiske testdata {csv.stem}", "retrieved": "2026-11-23",
                       "copied_from": "tests/synthetic.py", "unit": "prosent"},
        "schema": schema,
    }
    if hash_:
        desc["hash"] = "sha256:" + hashlib.sha256(csv.read_bytes()).hexdigest()
    (csv.parent / (csv.stem + ".resource.yaml")).write_text(yaml.safe_dump(desc, allow_unicode=True), encoding="utf-8")
    return csv


def notebook(path: Path, slug: str, dataset: str, fig_id: str, number_key: str, fail: bool = False) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = new_code_cell(PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# Syntetisk kapittel"), p, new_code_cell(textwrap.dedent(f"""
        from statuskommune import charts
        from statuskommune.chapter import Kapittel
        kap = Kapittel("{slug}", edition=edition, vintage=vintage, kommune=kommune, data_dir=data_dir,
                       output_dir=output_dir, allow_missing_data=allow_missing_data)
        """).strip()), new_code_cell(textwrap.dedent(f"""
        with kap.figur("{fig_id}") as f:
            d = f.last("{dataset}")
            f.tall("{number_key}", d.verdi.iloc[-1])
            f.tegn(charts.linje(d, "aar", "verdi", enhet="Prosent"), data=d,
                   tittel="Syntetisk serie", alt="Linjediagram over en syntetisk testserie.")
        """).strip())]
    if fail:
        nb.cells.append(new_code_cell("raise ValueError('syntetisk feil for testen')"))
    nb.cells.append(new_code_cell("# NBVAL_CHECK_OUTPUT\nkap.vis_tall()"))
    for i, c in enumerate(nb.cells):
        c["id"] = f"s{i}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


FIELDS = [{"name": "aar", "type": "integer", "title": "År", "constraints": {"required": True, "minimum": 2000, "maximum": 2100}},
          {"name": "verdi", "type": "number", "title": "Prosent", "constraints": {"minimum": -100, "maximum": 100}}]


def make_project(root: Path) -> Path:
    """Write the synthetic project into ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "_quarto.yml").write_text(textwrap.dedent("""
        project: {type: book}
        book:
          title: "Syntetisk rapport 2025"
          chapters: [index.qmd, chapters/01-a.qmd, chapters/02-b.qmd]
        lang: nb
        statuskommune: {default-edition: 2025, accessibility-statement-url: tilgjengelighet.html}
        """), encoding="utf-8")
    (root / "_quarto-2025.yml").write_text('statuskommune: {edition: 2025, vintage: "2025"}\n', encoding="utf-8")
    shutil.copyfile(REPO / "constraints.txt", root / "constraints.txt")
    (root / "index.qmd").write_text("# Om testrapporten {.unnumbered}\n\nSyntetisk innhold.\n", encoding="utf-8")
    ch = root / "chapters"
    ch.mkdir(exist_ok=True)
    (ch / "01-a.qmd").write_text("# Kapittel A {#sec-a}\n\n## Del {#sec-a-del}\n\nVerdien er {{< var a_siste >}}, "
                                 "se @fig-serie-a og @sec-b.\n\n{{< fig serie-a >}}\n", encoding="utf-8")
    (ch / "02-b.qmd").write_text("# Kapittel B {#sec-b}\n\nVerdien er {{< var b_siste >}} (@Fig-serie-b).\n\n"
                                 "{{< fig serie-b >}}\n", encoding="utf-8")
    write_dataset(root, "2025/syntetisk/a", ["aar", "verdi"], [[2022, 1.5], [2023, 2.5], [2024, -0.5]], FIELDS, ["aar"])
    write_dataset(root, "2025/syntetisk/b", ["aar", "verdi"], [[2022, 10], [2023, 12], [2024, 11]], FIELDS, ["aar"])
    notebook(root / "notebooks" / "01-a.ipynb", "01-a", "syntetisk/a", "serie-a", "a_siste")
    notebook(root / "notebooks" / "02-b.ipynb", "02-b", "syntetisk/b", "serie-b", "b_siste")
    return root

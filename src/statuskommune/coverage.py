"""Coverage of the previous edition's figures: reproduced, partial or not reproduced.

One registry: the reference figure list (a dataset transcribed from the previous edition) joined
with the figures the notebooks published (``reproduserer=``/``delvis=`` in ``kap.figur``). Reasons
for figures that are not reproduced come from ``chapters/_dekning-<edition>.yml`` (the source they
need); a figure with no note gets the source named in the reference list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from . import datasets as ds_mod
from .config import Edition

STATUS_TEXT = {"gjengitt": "Gjengitt", "delvis": "Delvis", "ikke": "Ikke gjengitt"}


@dataclass
class Row:
    figur: str
    kapittel: int
    tittel: str
    kilde: str
    status: str
    ours: list[tuple[str, str, str]] = field(default_factory=list)  # (number, page, id)
    merknad: str = ""


@dataclass
class Coverage:
    reference_title: str
    rows: list[Row]

    @property
    def total(self) -> int:
        return len(self.rows)

    def counts(self) -> dict[str, int]:
        c = {"gjengitt": 0, "delvis": 0, "ikke": 0}
        for r in self.rows:
            c[r.status] += 1
        return c

    def per_chapter(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for r in self.rows:
            out.setdefault(r.kapittel, {"gjengitt": 0, "delvis": 0, "ikke": 0})[r.status] += 1
        return out


def notes(ed: Edition) -> dict[str, str]:
    p = ed.root / "chapters" / f"_dekning-{ed.edition}.yml"
    if not p.is_file():
        return {}
    d = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in d.items()}


def compute(ed: Edition, figures: list[dict]) -> Coverage | None:
    if not ed.figure_list:
        return None
    dset = ds_mod.resolve(ed.root, ed.figure_list, ed.vintage)
    ref = ds_mod.read_frame(dset)
    why = notes(ed)
    rows = []
    for _, r in ref.iterrows():
        fig = str(r["figur"])
        ours = [f for f in figures if f.get("reproduserer") and fig in [x.strip() for x in str(f["reproduserer"]).split(",")]]
        if not ours:
            status = "ikke"
            merknad = why.get(fig) or f"Ingen åpen kilde med tallene er funnet; trenger {r['kilde']}."
        elif all(f.get("delvis") for f in ours):
            status = "delvis"
            # the editors' note (what the previous edition's figure had that ours lacks) comes from
            # _dekning-<edition>.yml; the figure's own statement of what it shows follows it
            merknad = "; ".join(([why[fig]] if fig in why else []) + [f["delvis"] for f in ours])
        else:
            status = "gjengitt"
            merknad = "; ".join(f["merknad"] for f in ours if f.get("merknad"))
        rows.append(Row(fig, int(r["kapittel"]), str(r["tittel"]), str(r["kilde"]), status,
                        [(f["number"], f["page"], f["id"]) for f in ours], merknad))
    return Coverage(dset.title, rows)

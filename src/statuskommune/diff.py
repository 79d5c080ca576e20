"""What changed between two editions: revised values, series and datasets added or removed,
figures added, removed or changed, and key numbers whose value changed.

``statuskommune diff 2024 2025`` prints it (text, CSV or HTML). The data part depends only on
``data/``: every value a dataset of both vintages holds is compared row by row on the dataset's
primary key. A value the new vintage publishes under another dataset (TBU's March 2024 estimates
for 2023 against the March 2025 accounts) is paired by ``data/<new>/revisjoner.yaml``. The figure
and number part compares the notebooks' manifests of the two editions.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import datasets as ds_mod
from . import fmt
from .errors import StatusKommuneError

PAIRS_FILE = "revisjoner.yaml"

KIND_TEXT = {
    "revidert": "Revidert verdi",
    "ny-rad": "Ny verdi",
    "fjernet-rad": "Fjernet verdi",
    "nytt-datasett": "Nytt datasett",
    "fjernet-datasett": "Fjernet datasett",
    "ny-kolonne": "Ny kolonne",
    "fjernet-kolonne": "Fjernet kolonne",
    "ny-figur": "Ny figur",
    "fjernet-figur": "Fjernet figur",
    "endret-figur": "Endret figur",
    "endret-tall": "Endret tall i teksten",
}


@dataclass
class Change:
    kind: str
    what: str                  # dataset name, figure id or number key
    where: str = ""            # the row (key values), the column or what changed in a figure
    old: str | float | None = None
    new: str | float | None = None

    @property
    def delta(self) -> float | None:
        if isinstance(self.old, (int, float)) and isinstance(self.new, (int, float)):
            return round(self.new - self.old, 10)
        return None


@dataclass
class Diff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    def of(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]


# --- data ---------------------------------------------------------------------------------------

def _num(v: str):
    if v is None or v in ("", "..", ".", ":"):
        return None
    try:
        x = float(v)
    except ValueError:
        return v
    return x


def _rows(ds: ds_mod.Dataset) -> tuple[list[str], list[dict]]:
    with ds.csv.open(encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def _value_fields(ds: ds_mod.Dataset, header: list[str]) -> list[str]:
    """The fields that hold values (numbers), not keys or notes."""
    key = set(ds.schema.get("primaryKey") or [])
    types = {f["name"]: f.get("type", "string") for f in ds.schema.get("fields", [])}
    return [h for h in header if h not in key and types.get(h) in ("number", "integer")]


def compare_tables(name: str, key: list[str], old_header: list[str], old_rows: list[dict],
                   new_header: list[str], new_rows: list[dict], values: list[str]) -> list[Change]:
    """Row-by-row comparison on ``key``. A column that is renamed or dropped is reported, and the
    remaining columns are still compared; nothing here raises on a changed layout."""
    out = []
    for col in [h for h in new_header if h not in old_header]:
        out.append(Change("ny-kolonne", name, col))
    for col in [h for h in old_header if h not in new_header]:
        out.append(Change("fjernet-kolonne", name, col))
    key = [k for k in key if k in old_header and k in new_header]
    if not key:
        return out

    def index(rows):
        return {tuple(r.get(k, "") for k in key): r for r in rows}

    a, b = index(old_rows), index(new_rows)
    label = lambda k: ", ".join(f"{c}={v}" for c, v in zip(key, k))  # noqa: E731
    for k in b:
        if k not in a:
            out.append(Change("ny-rad", name, label(k)))
    for k in a:
        if k not in b:
            out.append(Change("fjernet-rad", name, label(k)))
    for k in a:
        if k not in b:
            continue
        for col in values:
            if col not in a[k] or col not in b[k]:
                continue
            o, n = _num(a[k][col]), _num(b[k][col])
            same = (o == n) or (isinstance(o, float) and isinstance(n, float) and math.isclose(o, n))
            if not same:
                out.append(Change("revidert", name, label(k) + (f" ({col})" if len(values) > 1 else ""), o, n))
    return out


def compare_vintages(root: Path, old: str, new: str) -> list[Change]:
    def by_name(v):
        return {d.name: d for d in ds_mod.all_datasets(root, v) if not d.name.startswith(ds_mod.SHARED + "/")}

    a, b = by_name(old), by_name(new)
    out = []
    for n in sorted(set(b) - set(a)):
        out.append(Change("nytt-datasett", n, b[n].title))
    for n in sorted(set(a) - set(b)):
        out.append(Change("fjernet-datasett", n, a[n].title))
    for n in sorted(set(a) & set(b)):
        ha, ra = _rows(a[n])
        hb, rb = _rows(b[n])
        key = b[n].schema.get("primaryKey") or a[n].schema.get("primaryKey") or []
        key = [key] if isinstance(key, str) else list(key)
        values = [c for c in _value_fields(b[n], hb) if c in ha]
        out += compare_tables(n, key, ha, ra, hb, rb, values)
    out += _paired(root, old, new)
    return out


def _pick(root: Path, vintage: str, spec: dict) -> tuple[str, object]:
    ds = ds_mod.resolve(root, spec["dataset"], vintage)
    header, rows = _rows(ds)
    where = {k: str(v) for k, v in (spec.get("where") or {}).items()}
    hits = [r for r in rows if all(r.get(k) == v for k, v in where.items())]
    if len(hits) != 1:
        raise StatusKommuneError(f"data/{vintage}: {spec['dataset']} med {where} gir {len(hits)} rader, ventet 1 "
                                 f"(sjekk data/{vintage}/{PAIRS_FILE} eller forrige årgang).")
    col = spec.get("value", "verdi")
    return spec["dataset"], _num(hits[0].get(col, ""))


def _paired(root: Path, old: str, new: str) -> list[Change]:
    f = root / "data" / new / PAIRS_FILE
    if not f.is_file():
        return []
    try:
        pairs = yaml.safe_load(f.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise StatusKommuneError(f"{f.relative_to(root)}: ugyldig YAML: {exc}") from exc
    out = []
    for p in pairs:
        if str(p.get("from-vintage", old)) != old:
            continue
        _, o = _pick(root, old, p["old"])
        name, n = _pick(root, new, p["new"])
        if o != n:
            out.append(Change("revidert", name, p["label"], o, n))
    return out


# --- figures and numbers ------------------------------------------------------------------------

def _manifests(root: Path, edition: str) -> dict[str, dict]:
    out = {}
    for m in sorted((root / "figures" / edition).glob("*/manifest.json")):
        out[m.parent.name] = json.loads(m.read_text(encoding="utf-8"))
    return out


def compare_outputs(old_m: dict[str, dict], new_m: dict[str, dict],
                    old_dir: Path | None = None, new_dir: Path | None = None) -> list[Change]:
    def figs(ms, base):
        out = {}
        for stem, m in ms.items():
            for f in m.get("figures", []):
                data = None
                if base is not None and (base / stem / f["csv"]).is_file():
                    data = (base / stem / f["csv"]).read_bytes()
                out[f["id"]] = (f, data)
        return out

    def nums(ms):
        return {k: v["tekst"] for m in ms.values() for k, v in m.get("numbers", {}).items()}

    a, b = figs(old_m, old_dir), figs(new_m, new_dir)
    out = []
    for i in sorted(set(b) - set(a)):
        out.append(Change("ny-figur", i, b[i][0]["tittel"]))
    for i in sorted(set(a) - set(b)):
        out.append(Change("fjernet-figur", i, a[i][0]["tittel"]))
    for i in sorted(set(a) & set(b)):
        (fa, da), (fb, db) = a[i], b[i]
        if fa["tittel"] != fb["tittel"]:
            out.append(Change("endret-figur", i, "figurtekst", fa["tittel"], fb["tittel"]))
        if da is not None and db is not None and da != db:
            out.append(Change("endret-figur", i, "tallene bak figuren"))
    na, nb = nums(old_m), nums(new_m)
    for k in sorted(set(na) & set(nb)):
        if na[k] != nb[k]:
            out.append(Change("endret-tall", k, "", na[k], nb[k]))
    return out


def diff(root: Path, old: str, new: str, outputs: bool = True) -> Diff:
    from . import config

    eo, en = config.load(root, old), config.load(root, new)
    d = Diff(old, new, compare_vintages(root, eo.vintage, en.vintage))
    if outputs:
        d.changes += compare_outputs(_manifests(root, old), _manifests(root, new),
                                     root / "figures" / old, root / "figures" / new)
    return d


# --- presentation -------------------------------------------------------------------------------

def _decimals(v) -> int:
    if not isinstance(v, float) or v.is_integer():
        return 0
    return min(3, len(repr(v).split(".")[1]))


def _show(v, decimals: int | None = None) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return fmt.tall(v, _decimals(v) if decimals is None else decimals)
    return str(v)


def _pair(c: Change) -> tuple[str, str]:
    """Old and new value with the same number of decimals (1,0 → 1,3, not 1 → 1,3)."""
    d = max(_decimals(c.old), _decimals(c.new))
    return _show(c.old, d), _show(c.new, d)


def _delta(c: Change) -> str:
    d = c.delta
    if d is None:
        return ""
    s = fmt.tall(d, 1 if abs(d) < 100 else 0)
    return ("+" + s) if d > 0 else s


def as_text(d: Diff) -> str:
    lines = [f"Endringer fra utgave {d.old} til {d.new}: {len(d.changes)}"]
    for c in d.changes:
        line = f"  {KIND_TEXT[c.kind]}: {c.what}"
        if c.where:
            line += f" – {c.where}"
        if c.old is not None or c.new is not None:
            o, n = _pair(c)
            line += f": {o} → {n}"
            if _delta(c):
                line += f" ({_delta(c)})"
        lines.append(line)
    return "\n".join(lines) + "\n"


def as_csv(d: Diff) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["endring", "gjelder", "hvor", "gammel", "ny", "differanse"])
    for c in d.changes:
        w.writerow([c.kind, c.what, c.where, "" if c.old is None else c.old, "" if c.new is None else c.new,
                    "" if c.delta is None else c.delta])
    return buf.getvalue()


def as_html(d: Diff) -> str:
    import html

    body = [f"<h1>Endringer fra utgave {d.old} til {d.new}</h1>", "<table>",
            "<thead><tr><th scope=\"col\">Endring</th><th scope=\"col\">Gjelder</th><th scope=\"col\">Hvor</th>"
            "<th scope=\"col\">Før</th><th scope=\"col\">Nå</th><th scope=\"col\">Differanse</th></tr></thead><tbody>"]
    for c in d.changes:
        o, n = _pair(c)
        body.append("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in (
            KIND_TEXT[c.kind], c.what, c.where, o, n, _delta(c))) + "</tr>")
    body.append("</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\"><title>Endringer "
            f"{d.old}–{d.new}</title></head><body>\n" + "\n".join(body) + "\n</body></html>\n")



def reader_page(root: Path, old_edition: str, new_vintage: str, old_vintage: str) -> list[str]:
    """The appendix «Hva er endret siden forrige utgave»: revised values, from data only (so the
    page does not depend on whether the previous edition has been built)."""
    changes = compare_vintages(root, old_vintage, new_vintage)
    revised = [c for c in changes if c.kind == "revidert"]
    titles = {d.name: d.title for d in ds_mod.all_datasets(root, new_vintage)}
    lines = ["# Hva er endret siden forrige utgave {#sec-endringer .unnumbered}", "",
             f"Utgave {old_edition} bygde på tallene som var publisert da den kom ut. Siden den gang har "
             "kildene revidert noen av tallene. Tabellen viser hvert tall som er endret, med verdien "
             "slik den sto i forrige utgave og slik den står nå.", ""]
    if revised:
        lines += ["| Tall | Tabell | Før | Nå | Endring |", "|:--|:--|--:|--:|--:|"]
        esc = lambda s: str(s).replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")  # noqa: E731
        for c in revised:
            o, n = _pair(c)
            where = ", ".join(p.split("=", 1)[-1] for p in c.where.split(", ")) if "=" in c.where else c.where
            lines.append(f"| {esc(fmt.typografi(where))} | {esc(fmt.typografi(titles.get(c.what, c.what)))} | "
                         f"{esc(o)} | {esc(n)} | {esc(_delta(c))} |")
    else:
        lines.append("Ingen av tallene fra forrige utgave er revidert.")
    new_sets = len([c for c in changes if c.kind == "nytt-datasett"])
    if new_sets:
        lines += ["", f"Denne utgaven har dessuten {new_sets} tallserier som forrige utgave ikke hadde."]
    return lines

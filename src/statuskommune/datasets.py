"""The data layer: find datasets and their descriptions, validate them, load them with provenance.

A dataset is a tidy UTF-8 CSV with a Frictionless Data *resource descriptor* beside it
(``<stem>.resource.yaml``): title, schema (field types, primary key, constraints, missing
values), sha256 hash, licences, sources, plus a ``provenance`` block for what a report needs
(publisher, original table, exact place values were copied from, dates, the "Kilde:" text).

Layout::

    data/<vintage>/<group>/<stem>.csv        e.g. data/2025/tbu/netto-driftsresultat.csv
    data/felles/<group>/<stem>.csv           shared reference data (code lists); name "felles/…"

A dataset's *name* is its path under the vintage folder without ``.csv``:
``tbu/netto-driftsresultat``. Names beginning with ``felles/`` resolve to ``data/felles/``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import memo
from .errors import DatasetNotFound, DatasetNotInVintage

DESCRIPTOR_SUFFIX = ".resource.yaml"
MISSING_VALUES = ["", "..", ".", ":"]  # SSB: ".." not available, "." cannot occur, ":" confidential
SHARED = "felles"

REQUIRED_PROVENANCE = ["publisher", "original", "kilde", "retrieved", "copied_from"]


MISSING = "missing"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fingerprint(csv: Path, descriptor: Path) -> str:
    def compute() -> str:
        h = hashlib.sha256(csv.read_bytes())
        h.update(b"\0")
        h.update(descriptor.read_bytes())
        return h.hexdigest()

    return memo.once(("dataset", csv, descriptor), compute)


def fingerprint(dset: "Dataset") -> str:
    """What a chapter depends on when it reads a dataset: its values and its description."""
    return _fingerprint(dset.csv, dset.descriptor_path)


def current_fingerprint(root: Path, name: str, vintage: str) -> str:
    """The fingerprint of a dataset as it is on disk now (without parsing its description)."""
    d = data_root(root)
    csv = (d / (name + ".csv")) if name.startswith(SHARED + "/") else (d / vintage / (name + ".csv"))
    desc = descriptor_path_for(csv)
    if not (csv.is_file() and desc.is_file()):
        return MISSING
    return _fingerprint(csv, desc)


@dataclass(frozen=True)
class Dataset:
    """A dataset on disk: its name, CSV path and parsed descriptor."""

    name: str
    csv: Path
    descriptor_path: Path
    descriptor: dict = field(hash=False, compare=False)

    @property
    def title(self) -> str:
        return self.descriptor.get("title", self.name)

    @property
    def provenance(self) -> dict:
        return self.descriptor.get("provenance", {}) or {}

    @property
    def kilde(self) -> str:
        """The short source text for a figure's "Kilde:" line."""
        return self.provenance.get("kilde") or self.provenance.get("publisher", self.name)

    @property
    def unit(self) -> str | None:
        return self.provenance.get("unit")

    @property
    def schema(self) -> dict:
        return self.descriptor.get("schema", {}) or {}

    @property
    def licence(self) -> str:
        lic = self.descriptor.get("licenses") or []
        return "; ".join(x.get("title") or x.get("name", "") for x in lic) or "ikke oppgitt"


def data_root(root: Path) -> Path:
    return root / "data"


def _name_for(csv: Path, data_dir: Path) -> str:
    rel = csv.relative_to(data_dir).with_suffix("")
    parts = rel.parts
    return "/".join(parts[1:]) if parts[0] != SHARED else "/".join(parts)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10× faster


def read_descriptor(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        d = yaml.load(f, Loader=_Loader)
    if not isinstance(d, dict):
        raise ValueError(f"{path}: beskrivelsen er ikke et YAML-objekt")
    return d


def vintages(root: Path) -> list[str]:
    d = data_root(root)
    return sorted(p.name for p in d.iterdir() if p.is_dir() and p.name != SHARED and not p.name.startswith("."))


def scan(root: Path, vintage: str | None) -> tuple[list[Path], list[Path]]:
    """All CSV files and all descriptors under the vintage folder (and ``felles``)."""
    d = data_root(root)
    folders = [d / SHARED] + ([d / vintage] if vintage else [d / v for v in vintages(root)])
    csvs, descs = [], []
    for folder in folders:
        if folder.is_dir():
            csvs += sorted(folder.rglob("*.csv"))
            descs += sorted(folder.rglob("*" + DESCRIPTOR_SUFFIX))
    return csvs, descs


def descriptor_path_for(csv: Path) -> Path:
    return csv.with_name(csv.stem + DESCRIPTOR_SUFFIX)


def csv_path_for(descriptor: Path, d: dict) -> Path:
    return descriptor.parent / d.get("path", descriptor.name[: -len(DESCRIPTOR_SUFFIX)] + ".csv")


def resolve(root: Path, name: str, vintage: str) -> Dataset:
    """Find a dataset by name in a vintage. Raises DatasetNotInVintage if only other vintages have it."""
    d = data_root(root)
    csv = (d / (name + ".csv")) if name.startswith(SHARED + "/") else (d / vintage / (name + ".csv"))
    desc = descriptor_path_for(csv)
    if not csv.is_file():
        others = [v for v in vintages(root) if (d / v / (name + ".csv")).is_file()]
        if others:
            raise DatasetNotInVintage(
                f"Datasettet «{name}» finnes ikke i dataårgang {vintage} (bare i {', '.join(others)}).")
        raise DatasetNotFound(f"Fant ikke datasettet «{name}»: {csv.relative_to(root)} finnes ikke.")
    if not desc.is_file():
        raise DatasetNotFound(f"{csv.relative_to(root)} mangler beskrivelse ({desc.name}).")
    return Dataset(name, csv, desc, read_descriptor(desc))


def all_datasets(root: Path, vintage: str) -> list[Dataset]:
    csvs, _ = scan(root, vintage)
    out = []
    for c in csvs:
        desc = descriptor_path_for(c)
        if desc.is_file():
            out.append(Dataset(_name_for(c, data_root(root)), c, desc, read_descriptor(desc)))
    return out


_PANDAS_TYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean", "year": "Int64"}


_FRAMES: dict[str, object] = {}  # fingerprint -> typed DataFrame (a few, most recent last)
_FRAMES_MAX = 8


def read_frame(ds: Dataset):
    """Read the CSV into a typed DataFrame (schema types; SSB symbols become missing, never 0).

    A frame is parsed once per process for the same bytes (CSV and description): a notebook that
    draws four figures from one dataset, or a worker that builds many kommune editions, reuses it.
    Every caller gets its own copy, so a notebook that changes a frame changes nothing for others."""
    key = fingerprint(ds)
    hit = _FRAMES.pop(key, None)
    if hit is None:
        hit = _parse_frame(ds)
    _FRAMES[key] = hit
    while len(_FRAMES) > _FRAMES_MAX:
        _FRAMES.pop(next(iter(_FRAMES)))
    df = hit.copy(deep=True)
    df.attrs = dict(hit.attrs)
    return df


def _parse_frame(ds: Dataset):
    import pandas as pd

    missing = ds.schema.get("missingValues", MISSING_VALUES)
    df = pd.read_csv(ds.csv, dtype=str, keep_default_na=False, encoding="utf-8")
    for f in ds.schema.get("fields", []):
        col, typ = f["name"], f.get("type", "string")
        s = df[col].where(~df[col].isin(missing))
        if typ in ("integer", "year"):
            df[col] = pd.to_numeric(s).astype("Int64")
        elif typ == "number":
            df[col] = pd.to_numeric(s).astype("float64")
        elif typ == "date":
            df[col] = pd.to_datetime(s)
        elif typ == "boolean":
            df[col] = s.map({"true": True, "false": False}).astype("boolean")
        else:
            df[col] = s.astype("string")
    df.attrs["dataset"] = ds.name
    df.attrs["kilde"] = ds.kilde
    return df


def load(name: str, vintage: str, root: Path | None = None):
    """Load a dataset as a typed DataFrame; ``df.attrs`` carries its name and source text."""
    from .paths import find_root

    root = root or find_root()
    return read_frame(resolve(root, name, vintage))

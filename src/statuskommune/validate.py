"""Validate every dataset of a data vintage before any notebook runs.

Checks (each problem is reported with file, row and column where they apply):
- every CSV has a description and every description has its CSV;
- the description has the provenance a report needs (publisher, original table, where the
  values were copied from, retrieval date, "Kilde:" text) and a sha256 hash;
- via Frictionless: UTF-8 encoding, well-formed CSV, required columns, field types, constraints
  (allowed ranges, patterns), unique primary keys, the checksum, and foreign keys to code lists
  (unknown municipality or county codes).
SSB's missing-value symbols (``..``, ``.``, ``:``) are declared as missing values, so they are
accepted as "no value" and never read as 0.

Results are cached by content hash, so an unchanged vintage validates in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

from . import datasets as ds_mod
from .errors import DataValidationError

VALIDATOR_VERSION = "1"

_ERROR_TEXT = {
    "type-error": "verdien «{cell}» har feil type (ventet {field_type})",
    "constraint-error": "verdien «{cell}» bryter en regel: {note}",
    "primary-key": "nøkkelen er ikke unik: {note}",
    "foreign-key": "ukjent kode: {note}",
    "missing-label": "kolonnen mangler i filen",
    "blank-label": "en kolonne har tomt navn",
    "duplicate-label": "kolonnenavnet finnes to ganger",
    "incorrect-label": "kolonnen har feil navn: {note}",
    "extra-label": "filen har en kolonne som beskrivelsen ikke kjenner: {note}",
    "extra-cell": "raden har flere celler enn overskriften",
    "missing-cell": "raden har for få celler",
    "blank-row": "tom rad",
    "hash-count": "sjekksummen stemmer ikke (filen er endret etter at beskrivelsen ble skrevet): {note}",
    "encoding-error": "filen er ikke gyldig UTF-8: {note}",
    "source-error": "filen kan ikke leses som CSV: {note}",
    "scheme-error": "filen kan ikke åpnes: {note}",
    "format-error": "filen kan ikke leses som CSV: {note}",
}


def _pkg_name(name: str) -> str:
    return name.replace("/", "--").lower()


def _resource_descriptor(dset: ds_mod.Dataset, data_dir: Path) -> dict:
    d = dset.descriptor
    schema = json.loads(json.dumps(d.get("schema") or {}))
    schema.setdefault("missingValues", ds_mod.MISSING_VALUES)
    for fk in schema.get("foreignKeys", []) or []:
        ref = fk.get("reference", {})
        if ref.get("resource"):
            ref["resource"] = _pkg_name(ref["resource"])
    res = {
        "name": _pkg_name(dset.name),
        "path": dset.csv.relative_to(data_dir).as_posix(),
        "format": "csv",
        "encoding": d.get("encoding", "utf-8"),
        "schema": schema,
    }
    if d.get("hash"):
        res["hash"] = d["hash"]
    return res


_TYPE_NAMES = {"integer": "heltall", "number": "tall", "year": "årstall", "date": "dato",
               "boolean": "true/false", "string": "tekst"}


def _expected_type(e, dset: ds_mod.Dataset | None) -> str:
    """The field's declared type in words (frictionless's cell errors carry no ``field_type``)."""
    fieldname = getattr(e, "field_name", None)
    typ = None
    if dset is not None and fieldname:
        typ = next((f.get("type", "string") for f in dset.schema.get("fields", []) if f.get("name") == fieldname), None)
    if typ is None:
        m = re.search(r'type is "([a-z]+)', getattr(e, "note", "") or "")
        typ = m.group(1) if m else "en annen type"
    return _TYPE_NAMES.get(typ, typ)


def _describe_error(rel: str, e, dset: ds_mod.Dataset | None = None) -> str:
    parts = [rel]
    row = getattr(e, "row_number", None)
    fieldname = getattr(e, "field_name", None) or getattr(e, "label", None)
    if row:
        parts.append(f"rad {row}")
    if fieldname:
        parts.append(f"kolonne «{fieldname}»")
    tmpl = _ERROR_TEXT.get(e.type)
    if tmpl:
        text = tmpl.format(cell=getattr(e, "cell", ""), field_type=_expected_type(e, dset),
                           note=getattr(e, "note", ""))
    else:
        text = f"{e.type}: {e.message}"
    return ", ".join(parts) + ": " + text


def _read_descriptor(root: Path, desc: Path) -> tuple[dict, str | None]:
    """The parsed description, or a problem line naming the file and, for bad YAML, the line."""
    rel = desc.relative_to(root).as_posix()
    try:
        return ds_mod.read_descriptor(desc), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", linje {mark.line + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return {}, f"{rel}{where}: ugyldig YAML ({what}); beskrivelsen kan ikke leses"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, f"{rel}: beskrivelsen kan ikke leses: {str(exc).removeprefix(f'{desc}: ')}"


def _structural(root: Path, vintage: str) -> tuple[list[str], list[ds_mod.Dataset]]:
    problems: list[str] = []
    csvs, descs = ds_mod.scan(root, vintage)
    found = []
    for c in csvs:
        rel = c.relative_to(root).as_posix()
        desc = ds_mod.descriptor_path_for(c)
        if not desc.is_file():
            problems.append(f"{rel}: mangler beskrivelse ({desc.name}); hver CSV trenger en.")
            continue
        d, problem = _read_descriptor(root, desc)
        if problem:
            problems.append(problem)
            continue
        dset = ds_mod.Dataset(ds_mod._name_for(c, ds_mod.data_root(root)), c, desc, d)
        found.append(dset)
        prov = d.get("provenance") or {}
        for key in ds_mod.REQUIRED_PROVENANCE:
            if not str(prov.get(key) or "").strip():
                problems.append(f"{desc.relative_to(root).as_posix()}: provenance.{key} mangler")
        if not str(d.get("hash", "")).startswith("sha256:"):
            problems.append(f"{desc.relative_to(root).as_posix()}: hash (sha256:…) mangler; "
                            "kjør «statuskommune data hash» etter en bevisst endring")
        if not (d.get("schema") or {}).get("fields"):
            problems.append(f"{desc.relative_to(root).as_posix()}: schema.fields mangler")
        if not d.get("licenses"):
            problems.append(f"{desc.relative_to(root).as_posix()}: licenses mangler")
    for desc in descs:
        d, problem = _read_descriptor(root, desc)
        if problem:
            if not ds_mod.csv_path_for(desc, {}).is_file():  # else already reported with its CSV
                problems.append(problem)
            continue
        csv = ds_mod.csv_path_for(desc, d)
        if not csv.is_file():
            problems.append(f"{desc.relative_to(root).as_posix()}: beskriver {csv.name}, som ikke finnes.")
    return problems, found


def _fingerprint(root: Path, vintage: str) -> str:
    """Hash of every data file and description of the vintage (names and bytes): the validation
    result depends on nothing else, so an unchanged fingerprint means an unchanged result."""
    csvs, descs = ds_mod.scan(root, vintage)
    h = hashlib.sha256(VALIDATOR_VERSION.encode())
    for p in sorted(set(csvs) | set(descs)):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def validate(root: Path, vintage: str, cache_dir: Path | None = None) -> list[ds_mod.Dataset] | None:
    """Validate a vintage or raise DataValidationError listing every problem.

    Returns the datasets; with a cache hit (nothing changed since a successful validation)
    returns None without reading any description.
    """
    cache_file = (cache_dir / f"validation-{vintage}.json") if cache_dir else None
    fp = _fingerprint(root, vintage)
    if cache_file and cache_file.is_file():
        try:
            if json.loads(cache_file.read_text())["fingerprint"] == fp:
                return None
        except (ValueError, KeyError):
            pass
    problems, found = _structural(root, vintage)
    problems += _frictionless(root, found)
    if problems:
        raise DataValidationError(problems)
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fp}))
        tmp.replace(cache_file)
    return found


def _frictionless(root: Path, found: list[ds_mod.Dataset]) -> list[str]:
    from frictionless import Package, Resource

    data_dir = ds_mod.data_root(root)
    problems: list[str] = []
    resources = []
    by_pkg_name = {}
    for dset in found:
        try:
            r = Resource(_resource_descriptor(dset, data_dir), basepath=str(data_dir))
        except Exception as exc:  # noqa: BLE001 - a broken descriptor is reported, not raised
            problems.append(f"{dset.descriptor_path.relative_to(root).as_posix()}: ugyldig beskrivelse: {exc}")
            continue
        resources.append(r)
        by_pkg_name[r.name] = dset
    if not resources:
        return problems
    report = Package(resources=resources, basepath=str(data_dir)).validate()
    for task in report.tasks:
        dset = by_pkg_name.get(task.name)
        rel = dset.csv.relative_to(root).as_posix() if dset else task.name
        for e in task.errors:
            problems.append(_describe_error(rel, e, dset))
    for e in getattr(report, "errors", []) or []:
        problems.append(f"datapakke: {e.message}")
    return problems


def rehash(root: Path, vintage: str | None = None) -> list[Path]:
    """Write the current sha256 of each CSV into its description; returns the changed files.

    For use after a deliberate edit of a dataset (the validation would otherwise fail).
    """
    import re

    changed = []
    csvs, _ = ds_mod.scan(root, vintage)
    for c in csvs:
        desc = ds_mod.descriptor_path_for(c)
        if not desc.is_file():
            continue
        text = desc.read_text(encoding="utf-8")
        new = f"hash: sha256:{ds_mod.sha256(c)}"
        if re.search(r"^hash:.*$", text, flags=re.M):
            updated = re.sub(r"^hash:.*$", new, text, count=1, flags=re.M)
        else:
            updated = text.rstrip("\n") + "\n" + new + "\n"
        if updated != text:
            desc.write_text(updated, encoding="utf-8")
            changed.append(desc)
    return changed

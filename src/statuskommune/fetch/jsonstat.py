"""Parse a JSON-stat 2.0 dataset (as served by SSB's PxWebApi v2) into tidy rows.

Category positions come from ``category.index`` (object or array), never from dict order;
``value`` and ``status`` may be arrays or objects keyed by the string index. Missing cells keep
their status symbol (``..``, ``.``, ``:``) and a missing value; they are never turned into 0.
"""

from __future__ import annotations

from math import prod


def _index(cat: dict) -> list[str]:
    idx = cat.get("index")
    if idx is None:  # a single category may omit index
        return list(cat.get("label", {}))
    if isinstance(idx, list):
        return list(idx)
    return [code for code, _ in sorted(idx.items(), key=lambda kv: kv[1])]


def _at(container, i: int, size: int):
    if container is None:
        return None
    if isinstance(container, list):
        return container[i] if i < len(container) else None
    if isinstance(container, dict):
        return container.get(str(i))
    if isinstance(container, str):  # one status for every cell
        return container
    raise ValueError("ukjent form på value/status")


class JsonStatError(ValueError):
    pass


def validate(ds: dict) -> None:
    if ds.get("class") != "dataset" or str(ds.get("version", "")) != "2.0":
        raise JsonStatError("svaret er ikke et JSON-stat 2.0-datasett")
    ids, size = ds.get("id"), ds.get("size")
    if not isinstance(ids, list) or not isinstance(size, list) or len(ids) != len(size):
        raise JsonStatError("id og size passer ikke sammen")
    n = prod(size)
    values = ds.get("value")
    if isinstance(values, list) and len(values) != n:
        raise JsonStatError(f"value har {len(values)} celler, ventet {n}")
    for d, s in zip(ids, size):
        if len(_index(ds["dimension"][d]["category"])) != s:
            raise JsonStatError(f"dimensjonen {d} har feil antall kategorier")
    status = ds.get("status")
    if isinstance(status, dict) and any(int(k) >= n for k in status):
        raise JsonStatError("status peker utenfor value")


def to_rows(ds: dict) -> list[dict]:
    """One dict per cell: one key per dimension code, ``<dim>_label``, ``value``, ``status``."""
    validate(ds)
    ids, size = ds["id"], ds["size"]
    cats = [_index(ds["dimension"][d]["category"]) for d in ids]
    labels = [ds["dimension"][d]["category"].get("label", {}) for d in ids]
    n = prod(size)
    rows = []
    for i in range(n):
        rem, pos = i, []
        for s in reversed(size):  # row-major: the last dimension varies fastest
            pos.append(rem % s)
            rem //= s
        pos.reverse()
        row = {}
        for d, p, c, lab in zip(ids, pos, cats, labels):
            row[d] = c[p]
            row[f"{d}_label"] = lab.get(c[p], c[p])
        v = _at(ds.get("value"), i, n)
        st = _at(ds.get("status"), i, n)
        row["value"] = v
        row["status"] = st
        rows.append(row)
    return rows

"""Data-aware cache for chapter execution.

A chapter notebook is re-executed only when one of its inputs changed:
- the notebook itself or its Papermill parameters;
- a dataset it read on its last run (the loader records name + fingerprint of CSV and
  description; no hand-kept dependency list);
- the library code it used (the package modules loaded in the notebook's kernel, recorded by
  the chapter at run time with their hashes; a change in a module it never imported, such as
  the renderer, does not re-execute it);
- the locked dependency versions (constraints.txt).
A record is written only after a successful run whose outputs were moved into place, and it
stores the hash of every output file, so a half-written output (an interrupted build) never
matches and is rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import datasets as ds_mod
from .paths import PACKAGE_DIR

LOCK_FILE = "constraints.txt"


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


_lib_hash: str | None = None


def library_hash() -> str:
    """Hash of every file of the package (for the render fingerprint)."""
    global _lib_hash
    if _lib_hash is None:
        files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        _lib_hash = _hash_files(files)
    return _lib_hash


def _module_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


_seen: dict[Path, str] = {}


def module_hashes(paths: list[Path]) -> dict[str, str]:
    """{path relative to the package: sha256} for the package modules a notebook loaded."""
    out = {}
    for p in paths:
        try:
            rel = p.relative_to(PACKAGE_DIR).as_posix()
        except ValueError:
            continue
        if p not in _seen:  # module files do not change while a notebook runs
            _seen[p] = _module_hash(p)
        out[rel] = _seen[p]
    return out


def _module_file(name: str) -> Path | None:
    p = PACKAGE_DIR.joinpath(*name.split(".")[1:])
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    return p.with_suffix(".py") if p.with_suffix(".py").is_file() else None


@functools.lru_cache(maxsize=256)
def _imports(source: str, module: str, is_package: bool) -> frozenset[str]:
    """The ``statuskommune`` modules that ``source`` imports anywhere (also inside functions).
    Remembered by the source text itself (a worker reads the same modules for every kommune),
    so an edited module is always parsed again."""
    import ast

    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # «from . import x» imports a module
    return frozenset(n for n in found if n.split(".")[0] == PACKAGE_DIR.name)


def notebook_modules(notebook: Path) -> list[Path] | None:
    """The package modules a notebook loads when it runs in a new kernel: the modules its cells
    import and, following the imports in their source, everything those import. Read from the
    source, so it is the same in a warm worker process (which has loaded more of the package) as
    in a Papermill kernel. None if a cell cannot be parsed (magics): the caller keeps what it has."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    todo: set[str] = set()
    try:
        for cell in nb.cells:
            if cell.cell_type == "code":
                todo |= _imports(cell.source, "__main__", False)
    except SyntaxError:
        return None
    seen: dict[str, Path] = {}
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c imports a and a.b first
            name = ".".join(parts[:i])
            path = _module_file(name)
            if path is not None and name not in seen:
                seen[name] = path
                todo |= _imports(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
    return sorted(p.resolve() for p in seen.values())


def lock_hash(root: Path) -> str:
    lock = root / LOCK_FILE
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else "no-lock"


def static_key(root: Path, notebook: Path, params: dict) -> dict:
    """The inputs known before running: notebook, parameters, library, lock."""
    portable = {k: v for k, v in params.items() if k not in ("data_dir", "output_dir")}
    return {
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "parameters": hashlib.sha256(json.dumps(portable, sort_keys=True).encode()).hexdigest(),
        "lock": lock_hash(root),
    }


def outputs_hash(files: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


@dataclass
class Verdict:
    fresh: bool
    reason: str


class Cache:
    def __init__(self, root: Path, edition: str, vintage: str):
        self.root, self.edition, self.vintage = root, edition, vintage
        self.dir = root / "_build" / "cache" / edition

    def record_path(self, stem: str) -> Path:
        return self.dir / f"{stem}.json"

    def check(self, stem: str, key: dict, output_dir: Path, executed_nb: Path) -> Verdict:
        rec_path = self.record_path(stem)
        if not rec_path.is_file():
            return Verdict(False, "ingen tidligere kjøring")
        try:
            rec = json.loads(rec_path.read_text(encoding="utf-8"))
        except ValueError:
            return Verdict(False, "ødelagt cache-post")
        for k in ("notebook", "parameters", "lock"):
            if rec.get("key", {}).get(k) != key[k]:
                names = {"notebook": "notatboken", "parameters": "parametrene", "lock": "låste avhengigheter"}
                return Verdict(False, f"{names[k]} er endret")
        if not rec.get("library"):
            return Verdict(False, "bibliotekkoden er ikke registrert")
        for rel, h in rec["library"].items():
            if _module_hash(PACKAGE_DIR / rel) != h:
                return Verdict(False, f"bibliotekkoden er endret ({rel})")
        for key, fp in rec.get("datasets", {}).items():
            name, _, vintage = key.partition("@")
            if ds_mod.current_fingerprint(self.root, name, vintage or self.vintage) != fp:
                return Verdict(False, f"datasettet {name} er endret")
        if not executed_nb.is_file():
            return Verdict(False, "den kjørte notatboken mangler")
        try:
            files = [p for p in output_dir.iterdir() if p.is_file()]
        except FileNotFoundError:
            return Verdict(False, "figurmappen mangler")
        if outputs_hash(files) != rec.get("outputs"):
            return Verdict(False, "figurene på disk stemmer ikke med cache-posten")
        return Verdict(True, "uendret")

    def write(self, stem: str, key: dict, datasets_read: dict, output_dir: Path, library: dict | None = None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        rec = {"key": key, "datasets": datasets_read, "library": library or {},
               "outputs": outputs_hash([p for p in output_dir.iterdir() if p.is_file()])}
        tmp = self.record_path(stem).with_suffix(".tmp")
        tmp.write_text(json.dumps(rec, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.record_path(stem))

    def invalidate(self, stem: str) -> None:
        self.record_path(stem).unlink(missing_ok=True)

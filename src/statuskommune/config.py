"""The one configuration: ``_quarto.yml`` (the Quarto book) merged with the edition's profile
``_quarto-<edition>.yml``, as ``quarto render --profile <edition>`` would merge them.

Our own settings live under the top-level key ``statuskommune`` (Quarto passes unknown keys
through as metadata). They feed the Papermill parameters, the chapter variables and the renderer.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigError, UnknownEditionError


def _merge(base: dict, over: dict) -> dict:
    """Quarto-style profile merge: mappings merge recursively, lists and scalars replace."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def yaml_problem(where: str, exc: yaml.YAMLError) -> str:
    """«file, linje N: ugyldig YAML (what)»: the same form for every YAML file a user edits."""
    mark = getattr(exc, "problem_mark", None)
    line = f", linje {mark.line + 1}" if mark is not None else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where}{line}: ugyldig YAML ({what})"


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            d = yaml.safe_load(f) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_problem(path.name, exc)) from exc
    if not isinstance(d, dict):
        raise ConfigError(f"{path.name}: ventet et YAML-objekt")
    return d


def editions(root: Path) -> list[str]:
    return sorted(m.group(1) for p in root.glob("_quarto-*.yml")
                  if (m := re.fullmatch(r"_quarto-(\d{4})\.yml", p.name)))


@dataclass
class Edition:
    """Everything the build needs to know about one edition."""

    root: Path
    edition: str
    quarto: dict              # merged _quarto.yml + profile

    @property
    def settings(self) -> dict:
        return self.quarto.get("statuskommune", {}) or {}

    @property
    def vintage(self) -> str:
        return str(self.settings.get("vintage", self.edition))

    @property
    def kommune(self) -> str | None:
        return self.settings.get("kommune")

    @property
    def title(self) -> str:
        return self.quarto.get("book", {}).get("title", f"Status Kommune {self.edition}")

    @property
    def allow_missing_data(self) -> bool:
        return bool(self.settings.get("allow-missing-data", False))

    @property
    def accessibility_url(self) -> str:
        return self.settings.get("accessibility-statement-url", "tilgjengelighet.html")

    def _text(self, key: str) -> str | None:
        """An optional setting as text (None when it is absent or empty)."""
        v = self.settings.get(key)
        return str(v) if v else None

    @property
    def publication_date(self) -> str | None:
        """The date the edition is published (ISO), set by the editors in the edition's profile.

        It is what the cover and the colophon show. The build time is never shown to readers."""
        return self._text("publication-date")

    @property
    def contact(self) -> str | None:
        """Where readers report accessibility problems (e-mail or web address), from the config."""
        return self._text("contact")

    @property
    def web_url(self) -> str | None:
        """The address of the published web edition, when the editors have set one."""
        return self._text("web-url")

    @property
    def previous_edition(self) -> str | None:
        """The edition this one is compared with («Hva er endret siden forrige utgave»)."""
        return self._text("previous-edition")

    @property
    def publisher(self) -> str:
        return str(self.settings.get("publisher") or "KS")

    @property
    def figure_list(self) -> str | None:
        """Dataset name of the edition's reference figure list (for the coverage report)."""
        return self.settings.get("figure-list")

    @property
    def pdf_name(self) -> str:
        return f"statuskommune-{self.edition}.pdf"

    @property
    def chapter_files(self) -> list[Path]:
        """The chapter .qmd files in book order (index first, appendices excluded)."""
        book = self.quarto.get("book", {})
        out = []
        for entry in book.get("chapters", []):
            path = entry if isinstance(entry, str) else entry.get("href") or entry.get("file")
            if path:
                out.append(self.root / path)
        return out

    @property
    def chapters(self) -> list[Path]:
        return [p for p in self.chapter_files if p.name != "index.qmd"]

    def notebook_for(self, chapter: Path) -> Path | None:
        nb = self.root / "notebooks" / (chapter.stem + ".ipynb")
        return nb if nb.is_file() else None

    def output_dir(self, chapter_stem: str) -> Path:
        return self.figures_dir / chapter_stem

    # --- where an edition's files go (a kommune edition overrides these) ----------------------
    @property
    def figures_dir(self) -> Path:
        """Notebook outputs (figures, manifests) of the edition."""
        return self.root / "figures" / self.edition

    @property
    def build_dir(self) -> Path:
        """Working files: executed notebooks, the staged project."""
        return self.root / "_build" / self.edition

    @property
    def book_dir(self) -> Path:
        """The published edition."""
        return self.root / "_book" / self.edition

    @property
    def cache_name(self) -> str:
        """Folder under ``_build/cache/`` with the notebook cache records."""
        return self.edition

    @property
    def keep_published(self) -> list[str]:
        """Folders inside the published edition that another build owns and a new build keeps
        (the kommune editions live in ``_book/<edition>/kommuner/``)."""
        return ["kommuner"]


def default_edition(root: Path) -> str:
    q = _read_yaml(root / "_quarto.yml")
    ed = (q.get("statuskommune") or {}).get("default-edition")
    if not ed:
        raise ConfigError("_quarto.yml: statuskommune.default-edition mangler")
    return str(ed)


def load(root: Path, edition: str | int | None = None) -> Edition:
    base_file = root / "_quarto.yml"
    if not base_file.is_file():
        raise ConfigError(f"Fant ikke {base_file}")
    base = _read_yaml(base_file)
    ed = str(edition or default_edition(root))
    profile = root / f"_quarto-{ed}.yml"
    if not profile.is_file():
        known = ", ".join(editions(root)) or "ingen"
        raise UnknownEditionError(
            f"Ukjent utgave «{ed}»: profilen _quarto-{ed}.yml finnes ikke (kjente utgaver: {known}). "
            f"En ny utgave lages med «statuskommune new-edition {ed}» eller ved å kopiere en "
            "eksisterende profil og legge dataene i data/<årgang>/.")
    merged = _merge(base, _read_yaml(profile))
    e = Edition(root, ed, merged)
    if not (root / "data" / e.vintage).is_dir():
        raise ConfigError(f"Utgave {ed} bruker dataårgang {e.vintage}, men data/{e.vintage}/ finnes ikke.")
    missing = [p for p in e.chapter_files if not p.is_file()]
    if missing:
        raise ConfigError(f"Utgave {ed}: kapittelfiler i bokoppsettet finnes ikke: "
                          + ", ".join(str(p.relative_to(root)) for p in missing))
    return e

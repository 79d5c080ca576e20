"""Kommune editions: which kommune a user means, and the edition that is built for it.

A kommune edition («Status Kommune 2025 – Bergen») is the national edition's machinery with one
page, ``chapters/kommune/index.qmd``, and one notebook, ``notebooks/kommune.ipynb``, run by
Papermill with the ``kommune`` parameter. It is published to ``_book/<edition>/kommuner/<nr>/``.

The kommuner are those of the code list ``data/felles/koder/kommuner-2024.csv`` (SSB KLASS 131,
valid from 1 January 2024); codes that were changed on that date are explained with
``data/felles/koder/kommuneendringer-2024.csv``.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import config
from .errors import StatusKommuneError

KODELISTE = Path("data") / "felles" / "koder" / "kommuner-2024.csv"
ENDRINGER = Path("data") / "felles" / "koder" / "kommuneendringer-2024.csv"
CHAPTER = Path("chapters") / "kommune" / "index.qmd"
NOTEBOOK = Path("notebooks") / "kommune.ipynb"


class UkjentKommuneError(StatusKommuneError):
    """--kommune names no kommune of the code list; the message suggests the nearest ones."""


@dataclass(frozen=True)
class Kommune:
    nr: str
    navn: str
    fylkesnummer: str
    fylkesnavn: str

    @property
    def kortnavn(self) -> str:
        """The name readers see: the official name as KLASS gives it, parallel Sami or Kven
        forms included («Oslo - Oslove», «Unjárga - Nesseby»), since which form comes first
        differs from kommune to kommune."""
        return self.navn


def _read_csv(path: Path) -> list[dict]:
    if not path.is_file():
        raise StatusKommuneError(f"Fant ikke kodelisten {path}: kjør «statuskommune import-kommune» "
                                 "for å lage den fra kildefilene.")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=8)
def _kodeliste(path: str, mtime: float) -> tuple[Kommune, ...]:
    rows = _read_csv(Path(path))
    return tuple(Kommune(r["kommunenummer"], r["kommunenavn"], r["fylkesnummer"], r["fylkesnavn"]) for r in rows)


def alle(root: Path) -> list[Kommune]:
    """Every kommune of the code list, in kommunenummer order."""
    p = root / KODELISTE
    mtime = p.stat().st_mtime if p.is_file() else 0.0
    return sorted(_kodeliste(str(p), mtime), key=lambda k: k.nr)


def _endringer(root: Path) -> dict[str, list[tuple[str, str]]]:
    """Old code → [(new code, kind of change)]."""
    p = root / ENDRINGER
    if not p.is_file():
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for r in _read_csv(p):
        out.setdefault(r["tidligere_kommunenummer"], []).append((r["kommunenummer"], r["endring"]))
    return out


def _vis(k: Kommune) -> str:
    return f"{k.nr} {k.kortnavn}"


def finn(root: Path, tekst: str) -> Kommune:
    """The kommune that ``tekst`` (a kommunenummer or a name) means, or a clear error.

    - a current number: that kommune;
    - a number changed on 1 January 2024 (e.g. 3001 Halden): the error names the new number;
    - an unknown number (9999): the error names the kommuner with the nearest numbers;
    - a name (case and Sami/Norwegian form do not matter): that kommune; otherwise the error
      names the most similar names.
    """
    t = str(tekst).strip()
    komm = alle(root)
    by_nr = {k.nr: k for k in komm}
    if re.fullmatch(r"\d{1,4}", t):
        nr = t.zfill(4)
        if nr in by_nr:
            return by_nr[nr]
        changes = _endringer(root).get(nr)
        if changes:
            new = [by_nr[n] for n, _ in changes if n in by_nr]
            if len(new) == 1:
                raise UkjentKommuneError(
                    f"--kommune {t}: kommunenummeret {nr} gjaldt til 31. desember 2023. Fra 1. januar 2024 "
                    f"har kommunen nummeret {new[0].nr} ({new[0].kortnavn}); bruk --kommune {new[0].nr}.")
            raise UkjentKommuneError(
                f"--kommune {t}: kommunen med nummeret {nr} ble delt 1. januar 2024 i "
                + " og ".join(_vis(k) for k in new) + "; velg en av dem, for eksempel "
                f"--kommune {new[0].nr}.")
        nearest = sorted(komm, key=lambda k: (abs(int(k.nr) - int(nr)), k.nr))[:3]
        raise UkjentKommuneError(
            f"--kommune {t}: det finnes ingen kommune med nummeret {nr} (kodelisten SSB KLASS 131 fra "
            f"1. januar 2024 har {len(komm)} kommuner). Nærmeste kommunenumre: "
            + ", ".join(_vis(k) for k in nearest) + ".")
    if not t:
        raise UkjentKommuneError("--kommune: oppgi et kommunenummer (for eksempel 4601), et kommunenavn eller «all».")
    wanted = t.casefold()
    names: dict[str, list[Kommune]] = {}
    for k in komm:
        forms = {k.navn, k.kortnavn, *k.navn.split(" - ")}
        forms |= {re.sub(r"\s*\(.*\)$", "", f) for f in forms}  # «Herøy (Nordland)» is also «Herøy»
        for form in forms:
            hits = names.setdefault(form.strip().casefold(), [])
            if k not in hits:
                hits.append(k)
    if wanted in names:
        same = names[wanted]
        if len(same) > 1:  # e.g. «Herøy» in Nordland and in Møre og Romsdal
            raise UkjentKommuneError(
                f"--kommune {t}: flere kommuner heter det: "
                + ", ".join(_vis(k) for k in same) + "; oppgi kommunenummeret.")
        return same[0]
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    seen, sugg = set(), []
    for c in close:
        k = names[c][0]
        if k.nr not in seen:
            seen.add(k.nr)
            sugg.append(_vis(k))
    hint = ("Mente du " + " eller ".join(sugg) + "?") if sugg else \
        "Oppgi et firesifret kommunenummer, for eksempel 4601 for Bergen."
    raise UkjentKommuneError(f"--kommune {t}: ingen kommune heter «{t}». {hint}")


def velg(root: Path, tekst: str) -> list[Kommune]:
    """``--kommune`` as given: «all», one kommune, or several separated by commas."""
    t = str(tekst).strip()
    if t.casefold() in ("all", "alle"):
        return alle(root)
    out: list[Kommune] = []
    for part in (p for p in t.split(",") if p.strip()):
        k = finn(root, part)
        if k not in out:
            out.append(k)
    if not out:
        raise UkjentKommuneError("--kommune: oppgi et kommunenummer (for eksempel 4601), et kommunenavn eller «all».")
    return out


class KommuneEdition(config.Edition):
    """The edition for one kommune: same profile and data vintage as the national edition."""

    def __init__(self, national: config.Edition, kommune: Kommune):
        import copy

        q = copy.deepcopy(national.quarto)
        q.setdefault("statuskommune", {})["kommune"] = kommune.nr
        book = q.setdefault("book", {})
        book["title"] = f"Status Kommune {national.edition} – {kommune.kortnavn}"
        book["subtitle"] = f"{kommune.kortnavn} kommune sammenlignet med {kommune.fylkesnavn} og hele landet"
        book["chapters"] = [CHAPTER.as_posix()]
        book.pop("appendices", None)
        super().__init__(national.root, national.edition, q)
        self.kommune_info = kommune

    @property
    def title(self) -> str:
        return self.quarto["book"]["title"]

    @property
    def chapters(self) -> list[Path]:
        return self.chapter_files  # the one page is both the front page and the chapter

    def notebook_for(self, chapter: Path) -> Path | None:
        nb = self.root / NOTEBOOK
        return nb if nb.is_file() else None

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures" / self.edition / "kommuner" / self.kommune_info.nr

    @property
    def build_dir(self) -> Path:
        return self.root / "_build" / self.edition / "kommuner" / self.kommune_info.nr

    @property
    def book_dir(self) -> Path:
        return self.root / "_book" / self.edition / "kommuner" / self.kommune_info.nr

    @property
    def cache_name(self) -> str:
        return f"{self.edition}/kommuner/{self.kommune_info.nr}"

    @property
    def keep_published(self) -> list[str]:
        return []

    @property
    def pdf_name(self) -> str:
        return f"statuskommune-{self.edition}-{self.kommune_info.nr}.pdf"

    @property
    def previous_edition(self) -> str | None:
        return None  # «Hva er endret» belongs to the national edition

    @property
    def figure_list(self) -> str | None:
        return None


def default_parameter(notebook: Path) -> str:
    """The kommune the kommune notebook runs for when run on its own (its parameters cell): the
    kommune whose numbers nbval checks."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for c in nb.cells:
        if "parameters" in c.metadata.get("tags", []):
            m = re.search(r'^kommune\s*=\s*["\'](\d{4})["\']', c.source, re.M)
            if m:
                return m.group(1)
    raise StatusKommuneError(f"{notebook.name}: parametercellen setter ikke kommune = \"NNNN\".")


def load(root: Path, edition: str | None, kommune: Kommune | str) -> KommuneEdition:
    ed = config.load(root, edition)
    k = kommune if isinstance(kommune, Kommune) else finn(root, kommune)
    if not (root / CHAPTER).is_file():
        raise StatusKommuneError(f"Kommuneutgaven mangler malen {CHAPTER}.")
    return KommuneEdition(ed, k)

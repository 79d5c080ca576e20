"""What a chapter notebook calls: load data, draw and publish figures, register key numbers.

A notebook stays thin::

    kap = Kapittel("02-lokaldemokrati", edition=edition, vintage=vintage,
                   data_dir=data_dir, output_dir=output_dir)
    with kap.figur("ndr-niva", reproduserer="2.52") as f:
        ndr = f.last("tbu/netto-driftsresultat")
        f.tegn(charts.linje(ndr, "aar", "verdi", "niva", enhet="Prosent"), data=ndr,
               tittel="Netto driftsresultat …", alt="Linjediagram som viser …")
    kap.tall("ndr_sektor_2024", 0.1, desimaler=1)
    kap.vis_tall()   # the cell nbval checks (NBVAL_CHECK_OUTPUT)

Caption, alt text and the figure's code live together in the notebook cell; the "Kilde:" line is
composed from the provenance of the datasets the figure loaded, so it cannot disagree with them.
Every dataset read is recorded (name and sha256) in the chapter's manifest, which the build's
cache uses to decide what must be re-executed when data changes.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import datasets as ds_mod
from . import fmt
from .errors import DatasetNotInVintage, StatusKommuneError
from .paths import find_root

MANIFEST = "manifest.json"


class _NotThisEdition(Exception):
    """Raised inside a figure block that is limited to other editions; the block is skipped."""


def _key(name: str, vintage: str, own: str) -> str:
    """Dataset key in the manifest: plain name for the chapter's own vintage, else name@vintage."""
    return name if vintage == own else f"{name}@{vintage}"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class FigureRecord:
    id: str
    tittel: str
    alt: str
    kilde: str
    datasets: list[str]
    svg: str
    csv: str
    kolonner: dict[str, str]
    desimaler: int
    reproduserer: str | None = None
    delvis: str | None = None
    merknad: str | None = None
    tabell: dict | None = None


@dataclass
class NumberRecord:
    key: str
    verdi: float | int | None
    tekst: str
    datasets: list[str] = field(default_factory=list)


class Kapittel:
    """The context of one chapter notebook run (one edition, one data vintage)."""

    def __init__(self, slug: str, edition: int | str = 2025, vintage: str | None = None,
                 kommune: str | None = None, data_dir: str | Path | None = None,
                 output_dir: str | Path | None = None, allow_missing_data: bool = False):
        self.slug = slug
        self.edition = str(edition)
        self.vintage = str(vintage or edition)
        self.kommune = kommune
        self.root = (Path(data_dir).resolve().parent if data_dir else find_root())
        self.output_dir = Path(output_dir) if output_dir else (
            self.root / "_build" / "scratch" / self.edition / slug)
        self.allow_missing_data = allow_missing_data
        self.figures: list[FigureRecord] = []
        self.numbers: dict[str, NumberRecord] = {}
        self.read: dict[str, str] = {}
        self.skipped: list[dict] = []
        self.output_dir.mkdir(parents=True, exist_ok=True)
        for old in self.output_dir.iterdir():
            if old.suffix in (".svg", ".csv", ".json"):
                old.unlink()
        if kommune is not None and not re.fullmatch(r"\d{4}", str(kommune)):
            raise StatusKommuneError(f"kommune={kommune!r}: ventet et firesifret kommunenummer eller None")
        self._write()

    # -- data ---------------------------------------------------------------------------
    def last(self, name: str, aargang: str | None = None):
        """Load a dataset of this chapter's data vintage (or of ``aargang``, e.g. to show
        revisions between vintages), recording that it was read."""
        vintage = str(aargang or self.vintage)
        try:
            dset = ds_mod.resolve(self.root, name, vintage)
        except DatasetNotInVintage:
            self.read[_key(name, vintage, self.vintage)] = ds_mod.MISSING  # if it appears later, re-run
            self._write()
            raise
        self.read[_key(dset.name, vintage, self.vintage)] = ds_mod.fingerprint(dset)
        self._write()
        return ds_mod.read_frame(dset)

    def datasett(self, name: str, aargang: str | None = None) -> ds_mod.Dataset:
        return ds_mod.resolve(self.root, name, str(aargang or self.vintage))

    # -- figures ------------------------------------------------------------------------
    def figur(self, id: str, *, reproduserer: str | None = None, delvis: str | None = None,
              merknad: str | None = None, utgaver: list[int | str] | None = None) -> "Figur":
        """Open a figure block. ``utgaver`` limits the figure to some editions (others skip it)."""
        if not ID_RE.match(id):
            raise StatusKommuneError(f"Figur-id «{id}» er ugyldig: bruk små bokstaver, tall og bindestrek.")
        if any(f.id == id for f in self.figures):
            raise StatusKommuneError(f"Figur-id «{id}» er brukt to ganger i {self.slug}.")
        active = utgaver is None or self.edition in [str(u) for u in utgaver]
        return Figur(self, id, reproduserer, delvis, merknad, active)

    def blokk(self, navn: str) -> "Blokk":
        """A block of computations (numbers, no figure) that is skipped, like a figure, when the
        edition allows missing data and a dataset is absent from the vintage."""
        return Blokk(self, navn)

    # -- numbers ------------------------------------------------------------------------
    def tall(self, key: str, verdi: float | int | None, desimaler: int = 1, som: str | None = None,
             datasets: list[str] | None = None) -> str:
        """Register a number quoted in the prose as ``{{< var key >}}``; returns its text.

        ``som``: None (just the number), "prosent" ("12,3 prosent"), "prosentpoeng",
        or "heltall" (no decimals, grouped).
        """
        if not KEY_RE.match(key):
            raise StatusKommuneError(f"Tallnøkkel «{key}» er ugyldig: bruk små bokstaver, tall og _.")
        if som == "prosent":
            tekst = fmt.prosent(verdi, desimaler, tekst=True)
        elif som == "prosentpoeng":
            tekst = fmt.prosentpoeng(verdi, desimaler)
        elif som == "heltall":
            tekst = fmt.tall(verdi, 0)
        elif som is None:
            tekst = fmt.tall(verdi, desimaler)
        else:
            raise StatusKommuneError(f"tall({key!r}): ukjent format som={som!r}")
        v = None if verdi is None else (int(verdi) if float(verdi).is_integer() and desimaler == 0
                                        else round(float(verdi), 6))
        self.numbers[key] = NumberRecord(key, v, tekst, datasets or sorted(self.read))
        self._write()
        return tekst

    def tekst(self, key: str, verdi: str) -> str:
        """Register a computed word or phrase (e.g. the name of the weakest region)."""
        if not KEY_RE.match(key):
            raise StatusKommuneError(f"Tekstnøkkel «{key}» er ugyldig.")
        self.numbers[key] = NumberRecord(key, None, verdi, sorted(self.read))
        self._write()
        return verdi

    def vis_tall(self) -> None:
        """Print the key numbers, one per line (the cell nbval checks against stored output)."""
        for k in sorted(self.numbers):
            print(f"{k} = {self.numbers[k].tekst}")
        print(f"{len(self.figures)} figurer: " + ", ".join(f.id for f in self.figures))

    # -- manifest -----------------------------------------------------------------------
    def _write(self) -> None:
        import sys as _sys

        from .cache import module_hashes

        used = _package_files(tuple(name for name in list(_sys.modules)
                                    if name == "statuskommune" or name.startswith("statuskommune.")))
        m = {
            "chapter": self.slug,
            "edition": self.edition,
            "vintage": self.vintage,
            "kommune": self.kommune,
            "figures": [asdict(f) for f in self.figures],
            "numbers": {k: asdict(v) for k, v in self.numbers.items()},
            "datasets_read": dict(sorted(self.read.items())),
            "library": module_hashes(used),
            "skipped": self.skipped,
        }
        tmp = self.output_dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(m, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.output_dir / MANIFEST)


@functools.lru_cache(maxsize=64)
def _package_files(names: tuple[str, ...]) -> list[Path]:
    """The files of the loaded package modules ``names`` (resolved once per set of names: the
    manifest is written after every number, and resolving paths each time cost 0,3 s a kommune)."""
    import sys as _sys

    mods = [_sys.modules.get(n) for n in names]
    return sorted({Path(m.__file__).resolve() for m in mods if getattr(m, "__file__", None)})


def _skip_missing(kap: "Kapittel", kind: str, name: str, exc_type, exc) -> bool:
    """Skip a block whose dataset is absent from this vintage, if the edition allows it."""
    if exc_type is not None and issubclass(exc_type, DatasetNotInVintage) and kap.allow_missing_data:
        kap.skipped.append({kind: name, "reason": str(exc)})
        kap._write()
        print(f"[hoppet over] {name}: {exc}")
        return True
    return False


class Blokk:
    def __init__(self, kap: Kapittel, navn: str):
        self.kap, self.navn = kap, navn

    def __enter__(self) -> "Blokk":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        return _skip_missing(self.kap, "block", self.navn, exc_type, exc)

    def last(self, name: str):
        return self.kap.last(name)


class Figur:
    """Context for one figure: its loads are its sources; ``tegn`` publishes it."""

    def __init__(self, kap: Kapittel, id: str, reproduserer, delvis, merknad, active: bool = True):
        self.kap, self.id, self.active = kap, id, active
        self.reproduserer, self.delvis, self.merknad = reproduserer, delvis, merknad
        self.sources: list[ds_mod.Dataset] = []
        self.keys: list[str] = []  # manifest keys of the datasets (name, or name@vintage)
        self.done = False

    def __enter__(self) -> "Figur":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None and issubclass(exc_type, _NotThisEdition):
            return True
        if _skip_missing(self.kap, "figure", self.id, exc_type, exc):
            return True
        if exc_type is None and not self.done:
            raise StatusKommuneError(f"Figur «{self.id}» i {self.kap.slug}: blokken kalte aldri f.tegn(...).")
        return False

    def last(self, name: str, aargang: str | None = None):
        if not self.active:
            raise _NotThisEdition(self.id)
        df = self.kap.last(name, aargang)
        dset = self.kap.datasett(name, aargang)
        key = _key(dset.name, str(aargang or self.kap.vintage), self.kap.vintage)
        if key not in self.keys:
            self.keys.append(key)
            self.sources.append(dset)
        return df

    @property
    def kilde(self) -> str:
        return join_kilder(s.kilde for s in self.sources)

    def tall(self, key: str, verdi, desimaler: int = 1, som: str | None = None) -> str:
        return self.kap.tall(key, verdi, desimaler, som, datasets=list(self.keys))

    def tegn(self, fig, *, data, tittel: str, alt: str, kolonner: dict[str, str] | None = None,
             desimaler: int = 1, tabell: dict | None = None) -> None:
        """Save the figure (deterministic SVG) and its data (CSV), and record caption and alt text.

        ``kolonner`` maps data columns to reader-facing headings for the data table and CSV
        (default: the field titles from the datasets' schemas). ``tabell`` optionally pivots the
        HTML data table: ``{"rader": "aar", "kolonner": "niva", "verdier": "verdi"}``.
        """
        import matplotlib.pyplot as plt

        if not self.sources:
            raise StatusKommuneError(f"Figur «{self.id}»: ingen datasett lastet med f.last(); "
                                     "kildelinjen kan ikke lages.")
        if not tittel.strip() or not alt.strip():
            raise StatusKommuneError(f"Figur «{self.id}»: tittel og alt-tekst må fylles ut.")
        out = self.kap.output_dir
        svg = out / f"{self.id}.svg"
        save_svg(fig, svg, salt=f"{self.kap.slug}/{self.id}")
        plt.close(fig)
        cols = kolonner or _field_titles(self.sources, list(data.columns))
        table = data[list(cols)].rename(columns=cols) if kolonner else data.rename(columns=cols)
        csv = out / f"{self.id}.csv"
        table.to_csv(csv, index=False, encoding="utf-8", lineterminator="\n")
        # Caption, alt text and source line in the house typography (CO₂, unbreakable numbers,
        # en dash in ranges), once, here: every renderer reads the same text from the manifest.
        rec = FigureRecord(self.id, fmt.typografi(tittel.strip()), fmt.typografi(alt.strip()),
                           fmt.typografi(self.kilde),
                           list(self.keys), svg.name, csv.name, cols, desimaler,
                           self.reproduserer, self.delvis, self.merknad,
                           {k: cols.get(v, v) for k, v in tabell.items()} if tabell else None)
        self.kap.figures.append(rec)
        self.kap._write()
        self.done = True
        if os.environ.get("STATUSKOMMUNE_NO_DISPLAY") != "1":
            try:
                from IPython.display import SVG, display

                display(SVG(filename=str(svg)))
            except Exception:  # noqa: BLE001 - display is a convenience in Jupyter only
                pass


def join_kilder(kilder) -> str:
    """One «Kilde» line from the datasets' sources, each publication named once: the same
    source given with and without a closing parenthesis ("TBU, mars 2025" and "TBU, mars 2025
    (SSB og KS)") is one source, and two parentheses for one source are merged."""
    heads: dict[str, list[str]] = {}
    for k in kilder:
        k = " ".join(str(k).split())
        m = re.fullmatch(r"(.+) \(([^()]+)\)", k)
        head, note = (m.group(1), m.group(2)) if m else (k, "")
        notes = heads.setdefault(head, [])
        if note and note not in notes:
            notes.append(note)
    return "; ".join(f"{h} ({'; '.join(n)})" if n else h for h, n in heads.items())


def _field_titles(sources: list[ds_mod.Dataset], columns: list[str]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for s in sources:
        for f in s.schema.get("fields", []):
            if f.get("title"):
                titles.setdefault(f["name"], f["title"])
    return {c: titles.get(c, c[:1].upper() + c[1:]) for c in columns}


def save_svg(fig, path: Path, salt: str) -> None:
    """Write an SVG whose bytes depend only on the figure: no date, fixed ids per figure.

    The figure is cropped to its content (``savefig.bbox: tight``). Matplotlib finds that box by
    drawing the whole figure once more before it writes the SVG. When the layout is already
    fixed (the charts that place value labels have drawn and frozen it, the maps have none), the
    box is measured here instead, without that extra draw.
    A figure whose layout engine is still active is saved the usual way (the layout runs then).
    """
    import matplotlib
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    bbox = matplotlib.rcParams["savefig.bbox"]
    engine = fig.get_layout_engine()
    if bbox == "tight" and (engine is None or isinstance(engine, PlaceHolderLayoutEngine)):
        pad = matplotlib.rcParams["savefig.pad_inches"]
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(pad)
        fig.set_layout_engine(None)
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(path, format="svg", bbox_inches=bbox, metadata={"Date": None, "Creator": None})


def read_manifest(output_dir: Path) -> dict:
    p = Path(output_dir) / MANIFEST
    return json.loads(p.read_text(encoding="utf-8"))

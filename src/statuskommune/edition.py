"""``statuskommune new-edition YEAR``: start next year's edition from this year's.

Creates ``_quarto-YEAR.yml`` (the profile: title, output file, data vintage) from an existing
edition's profile and an empty ``data/YEAR/`` with a checklist of the datasets the chapters read
last time. The chapters and notebooks are shared; authors revise the prose in place.
"""

from __future__ import annotations

from pathlib import Path

from . import config
from .errors import ConfigError


def new_edition(root: Path, year: int, base: str | None = None) -> list[Path]:
    base = base or config.default_edition(root)
    src = root / f"_quarto-{base}.yml"
    dst = root / f"_quarto-{year}.yml"
    if not src.is_file():
        raise ConfigError(f"Fant ikke profilen {src.name} å kopiere fra.")
    if dst.exists():
        raise ConfigError(f"{dst.name} finnes allerede.")
    import yaml

    prof = yaml.safe_load(src.read_text(encoding="utf-8")) or {}
    sk = prof.setdefault("statuskommune", {})
    sk.update({"edition": year, "vintage": str(year)})
    sk.pop("figure-list", None)  # no reference list until one is chosen
    book = prof.setdefault("book", {})
    book.update({"title": f"Status Kommune {year}", "date": str(year), "output-file": f"statuskommune-{year}"})
    prof.setdefault("project", {})["output-dir"] = f"_build/quarto/{year}"  # quarto preview, not _book/
    header = (f"# Profile for the {year} edition (made by `statuskommune new-edition {year}` from {src.name}).\n"
              f"# statuskommune build --edition {year}  (= quarto render --profile {year})\n")
    dst.write_text(header + yaml.safe_dump(prof, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = root / "data" / str(year)
    data.mkdir(parents=True, exist_ok=True)
    ed = config.load(root, base)
    names = sorted({n for stem in (c.stem for c in ed.chapters)
                    for n in _read_names(ed.output_dir(stem) / "manifest.json")})
    lines = [f"# Dataårgang {year}", "",
             f"Legg de nye tallene her, med samme navn og skjema som i data/{base}/, og en beskrivelse",
             "(`.resource.yaml`) for hvert datasett. Kjør `statuskommune data hash` og `statuskommune check",
             f"--edition {year}`. Datasettene kapitlene leste i {base}-utgaven:", ""]
    lines += [f"- [ ] {n}" for n in names] or ["- (kjør bygget for forrige utgave først for å få listen)"]
    readme = data / "README.md"
    readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [dst, readme]


def _read_names(manifest: Path) -> list[str]:
    import json

    if not manifest.is_file():
        return []
    return [k for k in json.loads(manifest.read_text(encoding="utf-8")).get("datasets_read", {}) if "@" not in k]

"""Import the raw per-kommune snapshots into tidy, described datasets (``statuskommune import-kommune``).

Input: the folder of raw snapshots, outside the project and given with ``--fra`` (its README.md
names where each file comes from), never read by the build. Output: CSV files and their
``.resource.yaml`` descriptions under ``data/felles/`` and ``data/<årgang>/kommune/``. Every
description is generated here, from ``_spec()`` below, with the sha256 of the CSV filled in, so
running the import twice gives byte-identical files.

Layout of the module: thin readers (``les_*``) do the file IO and turn a missing or malformed
input into a :class:`KommuneImportError` naming the file; the pure functions (``kommuner``,
``kommuneendringer``, ``befolkning``, ``valg``, ...) take dicts and DataFrames and are tested
on the committed excerpt ``tests/fixtures/kommune-utdrag/``.

Rules (also stated in each dataset's provenance):

* kommuner and codes: 2024 borders (KLASS 131 as valid on 2026-01-01, unchanged since 2024);
* a 2024 code whose old code went to more than one new code (a split: 1507 Ålesund became
  1508 Ålesund and 1580 Haram) has no comparable values before 2024: population rows before
  2024 and election rows of 2021 are dropped for it;
* population: ``sex == "total"`` only, rows flagged ``imputed`` dropped, the all-ages row
  (age -99) checked against the sum of single ages where both exist;
* a data vintage holds only what was published before its edition (``ARGANGER``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from . import kommuneprofil as kp
from .errors import StatusKommuneError


class KommuneImportError(StatusKommuneError):
    """An input file is missing or not as expected; the message names the file."""


# --- where the raw files come from (the README.md of the raw folder) ---------------------------

CSDATA = "niphr/csdata @ 59345122ca61ff7572085f09944f613c0e956b8b, R/sysdata.rda"
VALG_REPO = "HNygard/valgresultat.no-copy @ 08c9315a5bfed2ec8ae00c21396a3f2419dd4054"
KART_REPO = "robhop/fylker-og-kommuner @ ae8782500090144c2b74d6bb2a89365a7ff2236d"
BAROMETER = "vegard1104/kommunebarometer @ 3aa9c7d2027ece72606bea711ba937e0de416cea"
#: The day the raw snapshots were taken into the project (for sources without their own date).
HENTET = "2026-12-07"

RDA = "fhi-csdata/sysdata.rda"
RDA_RAMMER = ("nor_population_by_age_b2024", "nor_locations_hierarchy_b2024", "nor_locations_redistricting_b2024")
KLASS = "kommunebarometer/klass131-2026-01-01.json"
KODEHISTORIKK = "kommunebarometer/code-history.json"
ROBEK = "kommunebarometer/robek.json"
KART_KOMMUNER = "kart/Kommuner-S.geojson"
KART_FYLKER = "kart/Fylker-S.geojson"

#: What each data vintage holds: population up to 1 January of the year, DKI and elections
#: published before the edition, ROBEK only from 2026.
ARGANGER = {
    "2025": {"til": 2025, "dki": [2025], "valg": [2021], "robek": False},
    "2026": {"til": 2026, "dki": [2025, 2026], "valg": [2021, 2025], "robek": True},
}

#: SSB's KOSTRA age bands.
ALDERSGRUPPER = [(lo, hi, navn) for lo, hi, navn, _ in kp.ALDERSGRUPPER]
NIVAER = ["land", "fylke", "kommune"]
LAND = "0000"

NYTT_NUMMER, DELT, SLATT_SAMMEN = "nytt nummer", "delt", "slått sammen"


# --- readers (file IO only) -------------------------------------------------------------------

def _fil(fra: Path, rel: str) -> Path:
    p = fra / rel
    if not p.is_file():
        raise KommuneImportError(f"{p}: filen mangler (ventet i rådatamappen {fra}).")
    return p


def les_json(fra: Path, rel: str) -> dict:
    p = _fil(fra, rel)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KommuneImportError(f"{p}: filen kan ikke leses som JSON ({exc}).") from exc
    if not isinstance(d, dict):
        raise KommuneImportError(f"{p}: ventet et JSON-objekt øverst i filen.")
    return d


def les_rda(fra: Path) -> dict[str, pd.DataFrame]:
    """The data frames of csdata's sysdata.rda; or, where that file is absent (the test excerpt),
    the same frames as CSV files ``fhi-csdata/<frame>.csv``. Reading the full rda takes minutes."""
    rda = fra / RDA
    if rda.is_file():
        import warnings

        import rdata

        try:
            with warnings.catch_warnings():  # «Missing constructor for R class "data.table"»: read as data.frame
                warnings.simplefilter("ignore", UserWarning)
                d = rdata.read_rda(str(rda))
        except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault
            raise KommuneImportError(f"{rda}: filen kan ikke leses som R-data ({exc}).") from exc
        missing = [n for n in RDA_RAMMER if n not in d]
        if missing:
            raise KommuneImportError(f"{rda}: mangler tabellen(e) {', '.join(missing)}.")
        return {n: d[n] for n in RDA_RAMMER}
    out = {}
    for n in RDA_RAMMER:
        p = fra / "fhi-csdata" / f"{n}.csv"
        if not p.is_file():
            raise KommuneImportError(f"{rda}: filen mangler (ventet i rådatamappen {fra}).")
        try:
            out[n] = pd.read_csv(p, dtype={"location_code": str}, keep_default_na=True)
        except (ValueError, pd.errors.ParserError) as exc:
            raise KommuneImportError(f"{p}: filen kan ikke leses som CSV ({exc}).") from exc
    return out


def les_valg(fra: Path, aar: int) -> tuple[dict[str, dict], dict]:
    """The kommune files of an election (by kommunenummer) and the national file."""
    mappe = fra / "valgresultat" / str(aar) / "kommune"
    if not mappe.is_dir():
        raise KommuneImportError(f"{mappe}: mappen mangler (valgresultater for {aar}).")
    filer = {}
    for p in sorted(mappe.glob("kommune-*.json")):
        d = les_json(fra, p.relative_to(fra).as_posix())
        filer[p.relative_to(fra).as_posix()] = d
    if not filer:
        raise KommuneImportError(f"{mappe}: ingen kommunefiler (kommune-FF-KKKK.json).")
    return filer, les_json(fra, f"valgresultat/{aar}/norge.json")


@dataclass
class Kilder:
    """Every raw input, read into memory."""

    rda: dict[str, pd.DataFrame]
    klass: dict
    kodehistorikk: dict
    valg: dict[int, tuple[dict[str, dict], dict]]
    dki: dict[int, dict]
    robek: dict
    kart_kommuner: dict
    kart_fylker: dict


def les_kilder(fra: Path) -> Kilder:
    fra = Path(fra)
    if not fra.is_dir():
        raise KommuneImportError(f"{fra}: rådatamappen finnes ikke (bruk --fra MAPPE).")
    aar_dki = sorted({a for v in ARGANGER.values() for a in v["dki"]})
    aar_valg = sorted({a for v in ARGANGER.values() for a in v["valg"]})
    small = dict(
        klass=les_json(fra, KLASS), kodehistorikk=les_json(fra, KODEHISTORIKK),
        valg={a: les_valg(fra, a) for a in aar_valg},
        dki={a: les_json(fra, f"kommunebarometer/dki-{a}.json") for a in aar_dki},
        robek=les_json(fra, ROBEK), kart_kommuner=les_json(fra, KART_KOMMUNER),
        kart_fylker=les_json(fra, KART_FYLKER))
    return Kilder(rda=les_rda(fra), **small)  # the slow one last: fail fast on the others


# --- pure transformations ---------------------------------------------------------------------

def _felt(d: dict, sti: str, fil: str):
    cur = d
    for k in sti.split("."):
        if not isinstance(cur, dict) or k not in cur:
            raise KommuneImportError(f"{fil}: feltet «{sti}» mangler.")
        cur = cur[k]
    return cur


def fylker(kart_fylker: dict) -> pd.DataFrame:
    """fylkesnummer, fylkesnavn of the 15 fylker (2024), names as Kartverket publishes them
    (the same forms as SSB's KLASS 104, e.g. «Troms - Romsa - Tromssa»)."""
    rows = {}
    for f in _felt(kart_fylker, "features", KART_FYLKER):
        p = f.get("properties") or {}
        nr, navn = str(p.get("fylkesnummer", "")), p.get("fylkesnavn")
        if not re.fullmatch(r"\d{2}", nr) or not navn:
            raise KommuneImportError(f"{KART_FYLKER}: et fylke mangler fylkesnummer eller fylkesnavn ({p}).")
        rows[nr] = navn
    return pd.DataFrame(sorted(rows.items()), columns=["fylkesnummer", "fylkesnavn"])


def kommuner(klass: dict, fylker_df: pd.DataFrame, hierarki: pd.DataFrame | None = None) -> pd.DataFrame:
    """kommunenummer, kommunenavn, fylkesnummer, fylkesnavn from KLASS 131 (code 9999 dropped).
    The fylke is the first two digits; checked against csdata's hierarchy where given."""
    rows = []
    for c in _felt(klass, "codes", KLASS):
        kode, navn = str(c.get("code", "")), c.get("name")
        if kode == "9999":
            continue
        if not re.fullmatch(r"\d{4}", kode) or not navn:
            raise KommuneImportError(f"{KLASS}: ugyldig kommune {c.get('code')!r} / {navn!r}.")
        rows.append((kode, navn, kode[:2]))
    df = pd.DataFrame(rows, columns=["kommunenummer", "kommunenavn", "fylkesnummer"])
    if df.kommunenummer.duplicated().any():
        raise KommuneImportError(f"{KLASS}: kommunenummer står flere ganger: "
                                 + ", ".join(sorted(df[df.kommunenummer.duplicated()].kommunenummer)))
    navn = dict(zip(fylker_df.fylkesnummer, fylker_df.fylkesnavn))
    ukjent = sorted(set(df.fylkesnummer) - set(navn))
    if ukjent:
        raise KommuneImportError(f"{KLASS}: kommuner i ukjent fylke {', '.join(ukjent)}.")
    df["fylkesnavn"] = df.fylkesnummer.map(navn)
    if hierarki is not None:
        h = hierarki.dropna(subset=["municip_code", "county_code"])
        h = dict(zip(h.municip_code.str[-4:], h.county_code.str[-2:]))
        feil = [k for k, f in zip(df.kommunenummer, df.fylkesnummer) if k in h and h[k] != f]
        if feil:
            raise KommuneImportError(f"{RDA}: fylket i nor_locations_hierarchy_b2024 er et annet enn de to første "
                                     f"sifrene for {', '.join(feil)}.")
    return df.sort_values("kommunenummer", ignore_index=True)


def kommuneendringer(historikk: dict, kommuner_df: pd.DataFrame, dato: str = "2024-01-01") -> pd.DataFrame:
    """kommunenummer, tidligere_kommunenummer, endring for the changes at ``dato``.

    ``endring`` is «delt» when the old code went to more than one new code, «slått sammen» when
    several old codes went to one new code, otherwise «nytt nummer». What the history file
    leaves out is added by :func:`med_omkodinger`.
    """
    rows = []
    for ny, v in sorted(_felt(historikk, "endringer", KODEHISTORIKK).items()):
        for o in v.get("oldCodes") or []:
            if o.get("validTo") == dato:
                rows.append((str(ny), str(o["code"])))
    df = pd.DataFrame(rows, columns=["kommunenummer", "tidligere_kommunenummer"])
    ukjent = sorted(set(df.kommunenummer) - set(kommuner_df.kommunenummer))
    if ukjent:
        raise KommuneImportError(f"{KODEHISTORIKK}: nye kommunenummer som ikke er i kodelisten: {', '.join(ukjent)}.")
    return _klassifiser(df)


def omkodinger(omkoding: pd.DataFrame, aar: int = 2023) -> pd.DataFrame:
    """kommunenummer, tidligere_kommunenummer: every code of year ``aar`` that csdata's
    redistricting table (code in that year → 2024 code) sends to another 2024 code."""
    need = {"location_code_current", "location_code_original", "calyear", "granularity_geo"}
    if need - set(omkoding.columns):
        raise KommuneImportError(f"{RDA}: nor_locations_redistricting_b2024 mangler kolonnene "
                                 + ", ".join(sorted(need - set(omkoding.columns))))
    o = omkoding[(omkoding.granularity_geo == "municip") & (omkoding.calyear == aar)]
    o = o[o.location_code_current != o.location_code_original]
    return pd.DataFrame({"kommunenummer": o.location_code_current.astype(str).str[-4:].to_numpy(),
                         "tidligere_kommunenummer": o.location_code_original.astype(str).str[-4:].to_numpy()}
                        ).drop_duplicates()


def med_omkodinger(endringer: pd.DataFrame, omk: pd.DataFrame) -> pd.DataFrame:
    """The history file's changes plus those only csdata has (the history file keeps only
    «same name, new code»: it lacks 3018 Våler → 3114, 5414 Gratangen → 5516 and the split of
    1507 Ålesund). Every change in the history file must also be in csdata."""
    par = set(zip(omk.kommunenummer, omk.tidligere_kommunenummer))
    mangler = sorted(set(zip(endringer.kommunenummer, endringer.tidligere_kommunenummer)) - par)
    if mangler:
        raise KommuneImportError(f"{KODEHISTORIKK}: endringene {', '.join(f'{o} → {n}' for n, o in mangler)} finnes "
                                 f"ikke i {RDA} (nor_locations_redistricting_b2024); kildene er uenige.")
    return _klassifiser(pd.concat([endringer[["kommunenummer", "tidligere_kommunenummer"]], omk]).drop_duplicates())


def _klassifiser(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    n_ny = df.groupby("tidligere_kommunenummer").kommunenummer.transform("nunique")
    n_gml = df.groupby("kommunenummer").tidligere_kommunenummer.transform("nunique")
    df["endring"] = NYTT_NUMMER
    df.loc[n_gml > 1, "endring"] = SLATT_SAMMEN
    df.loc[n_ny > 1, "endring"] = DELT
    return df.sort_values(["kommunenummer", "tidligere_kommunenummer"], ignore_index=True)


def ikke_sammenlignbare(endringer: pd.DataFrame) -> set[str]:
    """2024 codes with no comparable earlier values (split or merged)."""
    return set(endringer[endringer.endring != NYTT_NUMMER].kommunenummer)


def aldersgruppe(alder: float) -> str:
    for lo, hi, navn in ALDERSGRUPPER:
        if lo <= alder <= hi:
            return navn
    raise KommuneImportError(f"{RDA}: alder {alder} faller utenfor aldersgruppene.")


def befolkning(pop: pd.DataFrame, kommuner_df: pd.DataFrame, fylker_df: pd.DataFrame, til: int,
               uten_historikk: set[str]) -> pd.DataFrame:
    """nivaa, kode, navn, aar and one column of persons per age group (``kp.ALDERSGRUPPER``) from
    csdata's nor_population_by_age_b2024: one row per place and year.

    Land and fylke rows are the source's own nation and county rows (not summed here)."""
    need = {"granularity_geo", "location_code", "age", "sex", "calyear", "pop_jan1_n", "imputed"}
    if need - set(pop.columns):
        raise KommuneImportError(f"{RDA}: nor_population_by_age_b2024 mangler kolonnene "
                                 + ", ".join(sorted(need - set(pop.columns))))
    imputed = pop["imputed"].astype(str).str.lower().isin(["true", "1"])
    p = pop[(pop["sex"] == "total") & ~imputed & (pop["calyear"] <= til)]
    p = p[p.granularity_geo.isin(["nation", "county", "municip"])].copy()
    p["aar"] = p["calyear"].astype(int)
    alle = p[p.age < 0].groupby(["location_code", "aar"]).pop_jan1_n.sum(min_count=1)
    enkelt = p[p.age >= 0].groupby(["location_code", "aar"]).pop_jan1_n.sum(min_count=1)
    felles = alle.dropna().index.intersection(enkelt.index)
    avvik = (alle[felles] - enkelt[felles]).abs()
    if len(avvik) and avvik.max() > 0.5:
        loc, aar = avvik.idxmax()
        raise KommuneImportError(
            f"{RDA}: raden for alle aldre (alder -99) for {loc} i {aar} er {alle[(loc, aar)]:.0f}, men summen av "
            f"enkeltårene er {enkelt[(loc, aar)]:.0f}.")
    p = p[p.age >= 0]
    if p.pop_jan1_n.isna().any():
        r = p[p.pop_jan1_n.isna()].iloc[0]
        raise KommuneImportError(f"{RDA}: folkemengde mangler for {r.location_code}, {r.aar}, alder {r.age:.0f}.")
    p["aldersgruppe"] = p["age"].map(aldersgruppe)
    p["nivaa"] = p.granularity_geo.map({"nation": "land", "county": "fylke", "municip": "kommune"})
    p["kode"] = p.location_code.str.extract(r"_nor(\d*)$", expand=False).fillna("")
    p.loc[p.nivaa == "land", "kode"] = LAND
    bad = p[~p.kode.str.fullmatch(r"\d{2}") & (p.nivaa == "fylke") | ~p.kode.str.fullmatch(r"\d{4}") & (p.nivaa == "kommune")]
    if len(bad):
        raise KommuneImportError(f"{RDA}: ukjent stedskode {bad.location_code.iloc[0]}.")
    p = p[~((p.nivaa == "kommune") & p.kode.isin(uten_historikk) & (p.aar < 2024))]
    out = (p.groupby(["nivaa", "kode", "aar", "aldersgruppe"], as_index=False).pop_jan1_n.sum()
           .rename(columns={"pop_jan1_n": "personer"}))
    out["personer"] = out.personer.round().astype(int)
    navn = {LAND: "Norge", **dict(zip(fylker_df.fylkesnummer, fylker_df.fylkesnavn)),
            **dict(zip(kommuner_df.kommunenummer, kommuner_df.kommunenavn))}
    out["navn"] = out.kode.map(navn)
    if out.navn.isna().any():
        raise KommuneImportError(f"{RDA}: koder som ikke er i kodelisten for 2024: "
                                 + ", ".join(sorted(out[out.navn.isna()].kode.unique())))
    bred = out.pivot(index=["nivaa", "kode", "navn", "aar"], columns="aldersgruppe", values="personer")
    grupper = [n for _, _, n in ALDERSGRUPPER]
    bred = bred.reindex(columns=grupper)
    if bred.isna().any().any():
        nivaa, kode, _, aar = bred[bred.isna().any(axis=1)].index[0]
        raise KommuneImportError(f"{RDA}: {nivaa} {kode} mangler aldersgrupper i {aar}.")
    bred = bred.astype(int).rename(columns={n: c for _, _, n, c in kp.ALDERSGRUPPER}).reset_index()
    bred.columns.name = None
    bred["_n"] = bred.nivaa.map(NIVAER.index)
    bred = bred.sort_values(["_n", "kode", "aar"], ignore_index=True)
    return bred[["nivaa", "kode", "navn", "aar", *kp.ALDERSKOLONNER]]


def kommunesum_avvik(bef: pd.DataFrame, fra_aar: int = 2024) -> list[str]:
    """Years from ``fra_aar`` where the kommuner do not add up to the land row (one line each)."""
    b = bef[bef.aar >= fra_aar]
    alle = b[kp.ALDERSKOLONNER].astype(int).sum(axis=1)
    k = alle[b.nivaa == "kommune"].groupby(b.aar).sum()
    land = alle[b.nivaa == "land"].groupby(b.aar).sum()
    return [f"{a}: kommunene {k.get(a, 0)}, landet {land.get(a, 0)}" for a in sorted(set(k.index) | set(land.index))
            if k.get(a, 0) != land.get(a, 0)]


def _omkod(endringer: pd.DataFrame, kommuner_df: pd.DataFrame):
    til_nye = endringer.groupby("tidligere_kommunenummer").kommunenummer.agg(lambda s: sorted(set(s)))
    fra_gamle = endringer.groupby("kommunenummer").tidligere_kommunenummer.agg(lambda s: sorted(set(s)))
    gyldige = set(kommuner_df.kommunenummer)

    def ny(kode: str) -> str | None:
        if kode in til_nye.index:
            nye = til_nye[kode]
            if len(nye) > 1 or len(fra_gamle[nye[0]]) > 1:
                return None  # split or merged: not comparable
            return nye[0]
        return kode if kode in gyldige else ""
    return ny


def valg(filer: dict[str, dict], aar: int, endringer: pd.DataFrame, kommuner_df: pd.DataFrame) -> pd.DataFrame:
    """kommunenummer (2024), aar, stemmeberettigede, stemmer, frammote_prosent per kommune."""
    ny = _omkod(endringer, kommuner_df)
    rows = []
    for fil, d in sorted(filer.items()):
        if str(_felt(d, "id.valgaar", fil)) != str(aar):
            raise KommuneImportError(f"{fil}: gjelder valget {d['id']['valgaar']}, ikke {aar}.")
        kode = str(_felt(d, "id.nr", fil))
        kode24 = ny(kode)
        if kode24 == "":
            raise KommuneImportError(f"{fil}: kommunenummer {kode} finnes verken i kodelisten for 2024 eller i "
                                     "kodeendringene.")
        if kode24 is None:
            continue
        sb, st, pr = _felt(d, "antallsb", fil), _felt(d, "stemmer.total", fil), _felt(d, "frammote.prosent", fil)
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (sb, st, pr)):
            raise KommuneImportError(f"{fil}: antallsb, stemmer.total eller frammote.prosent er ikke et tall.")
        rows.append((kode24, aar, int(sb), int(st), float(pr)))
    df = pd.DataFrame(rows, columns=["kommunenummer", "aar", "stemmeberettigede", "stemmer", "frammote_prosent"])
    dup = df[df.kommunenummer.duplicated()]
    if len(dup):
        raise KommuneImportError(f"valgresultat/{aar}: kommunenummer {dup.kommunenummer.iloc[0]} står i flere filer.")
    return df.sort_values("kommunenummer", ignore_index=True)


def valg_land(norge: dict, aar: int, fil: str) -> tuple:
    if str(_felt(norge, "id.valgaar", fil)) != str(aar):
        raise KommuneImportError(f"{fil}: gjelder valget {norge['id']['valgaar']}, ikke {aar}.")
    return (aar, int(_felt(norge, "antallsb", fil)), int(_felt(norge, "stemmer.total", fil)),
            float(_felt(norge, "frammote.prosent", fil)))


def kostnadsindeks(dki: dict, aar: int, kommuner_df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """kommunenummer, aar, kostnadsindeks; and the codes left out because the copy gives them
    as an object of sector indices (a separate worked example), not as the table's one number."""
    fil = f"kommunebarometer/dki-{aar}.json"
    if _felt(dki, "år", fil) != aar:
        raise KommuneImportError(f"{fil}: gjelder året {dki['år']}, ikke {aar}.")
    rows, utelatt = [], []
    for kode, v in sorted(_felt(dki, "kommuner", fil).items()):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            rows.append((kode, aar, float(v)))
        elif isinstance(v, dict):
            utelatt.append(kode)
        else:
            raise KommuneImportError(f"{fil}: verdien for {kode} er verken et tall eller et objekt.")
    df = pd.DataFrame(rows, columns=["kommunenummer", "aar", "kostnadsindeks"])
    ukjent = sorted(set(df.kommunenummer) - set(kommuner_df.kommunenummer))
    if ukjent:
        raise KommuneImportError(f"{fil}: kommunenummer som ikke er i kodelisten for 2024: {', '.join(ukjent)}.")
    return df, utelatt


def robek(r: dict, kommuner_df: pd.DataFrame) -> pd.DataFrame:
    """kommunenummer, hjemmel (the letters of kommuneloven § 28-1 as the register gives them)."""
    rows = []
    for k in _felt(r, "kommuner", ROBEK):
        nr, hj = str(k.get("kommunenummer", "")), k.get("hjemmel")
        if nr not in set(kommuner_df.kommunenummer) or not hj:
            raise KommuneImportError(f"{ROBEK}: ugyldig oppføring {k}.")
        rows.append((nr, hj))
    return pd.DataFrame(rows, columns=["kommunenummer", "hjemmel"]).sort_values("kommunenummer", ignore_index=True)


def geometri(geojson: dict, nokkel: str, fil: str, toleranse: float = 250.0) -> pd.DataFrame:
    """``nokkel``, geometri: WKT in EPSG:25833, simplified (``toleranse`` metres, topology kept
    per feature) and rounded to whole metres."""
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape
    from shapely.ops import transform

    tr = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
    rows = []
    for f in _felt(geojson, "features", fil):
        kode = str((f.get("properties") or {}).get(nokkel, ""))
        try:
            g = shape(f["geometry"])
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise KommuneImportError(f"{fil}: geometrien for {kode} kan ikke leses ({exc}).") from exc
        g = transform(tr.transform, shapely.make_valid(g)).simplify(toleranse, preserve_topology=True)
        g = shapely.set_precision(shapely.make_valid(g), 1.0)
        if g.is_empty:
            raise KommuneImportError(f"{fil}: geometrien for {kode} ble tom etter forenkling.")
        rows.append((kode, shapely.to_wkt(g, rounding_precision=0, trim=True)))
    df = pd.DataFrame(rows, columns=[nokkel, "geometri"]).sort_values(nokkel, ignore_index=True)
    if df[nokkel].duplicated().any():
        raise KommuneImportError(f"{fil}: {nokkel} står flere ganger.")
    return df


# --- descriptions -----------------------------------------------------------------------------

NLOD = {"name": "NLOD-2.0", "title": "Norsk lisens for offentlige data (NLOD) 2.0",
        "path": "https://data.norge.no/nlod/no/2.0"}
CCBY = {"name": "CC-BY-4.0", "title": "CC BY 4.0 (Kartverket)", "path": "https://creativecommons.org/licenses/by/4.0/"}
MISSING = [""]

KNR = {"name": "kommunenummer", "type": "string", "title": "Kommunenummer (inndeling 2024)",
       "constraints": {"required": True, "pattern": "[0-9]{4}"}}
FK_KOMMUNE = {"fields": ["kommunenummer"], "reference": {"resource": "felles/koder/kommuner-2024",
                                                          "fields": ["kommunenummer"]}}
AAR = {"name": "aar", "type": "integer", "title": "År", "constraints": {"required": True, "minimum": 1900, "maximum": 2100}}


def _aar(title: str) -> dict:
    return {**AAR, "title": title}


_BEF_SRC = "SSB, statistikkbanktabell 07459 Folkemengde, etter region, kjønn, alder og år (via Folkehelseinstituttets R-pakke csdata)"
_VALG_URL = "https://www.valgresultat.no/"
_KART_NOTE = ("Grensene er Kartverkets (2024), klippet etter kystlinjen og i liten kvalitet (S) i kopien; "
              "her projisert fra WGS84 til EPSG:25833 (UTM sone 33N) med pyproj, forenklet hver for seg med "
              "shapely simplify(250 m, preserve_topology=True) og avrundet til hele meter. Nabogrenser kan derfor "
              "gå litt forbi hverandre: godt nok for kart over hele landet, ikke for arealberegning.")


def _spec() -> dict:
    """Each dataset's description, except path, name and hash (added by :func:`beskrivelse`)."""
    bef_prov = {
        "publisher": "Statistisk sentralbyrå (SSB)",
        "original": "SSB statistikkbanktabell 07459 Folkemengde, etter region, kjønn, alder og år (1. januar)",
        "url": "https://www.ssb.no/statbank/table/07459; https://github.com/niphr/csdata",
        "published": "SSB publiserer folkemengden per 1. januar hvert år i februar; FHIs samling csdata 2026.8.21",
        "kilde": "SSB, befolkningsstatistikken (tabell 07459)",
        "unit": "personer per 1. januar",
        "copied_from": (f"Laget med «statuskommune import-kommune» (statuskommune/kommuneimport.py) fra sysdata.rda i "
                        f"FHIs R-pakke csdata ({CSDATA}, tabell nor_population_by_age_b2024): rader med "
                        "granularity_geo nation, county og municip og sex == 'total', summert over ettårige aldre "
                        "til KOSTRA-aldersgruppene."),
        "retrieved": HENTET,
        "via": "Folkehelseinstituttet, R-pakken csdata (MIT), som samler SSB-tabell 07459",
    }

    def bef_notes(til: int) -> str:
        return (f"Årgangen tar med folkemengden til og med 1. januar {til}. Landet finnes fra 1986, fylker og "
                "kommuner fra 2005 (så langt kilden går). Fylke- og landsradene er kildens egne, ikke summert her. "
                "Rader merket imputed (siste år kopiert framover, ikke framskrivinger) er fjernet; raden for alle "
                "aldre (alder -99) er kontrollert mot summen av enkeltårene der begge finnes. Alt er på "
                "inndelingen fra 2024. Ålesund (1508) og Haram (1580) ble delt fra 1507 Ålesund 1. januar 2024; "
                "kilden fordeler den gamle kommunen likt på de to før 2024 (samme tall i begge), så radene før 2024 "
                "for disse to er utelatt. Fra 2024 er summen av kommunene lik landet.")

    def befolkning_spec(til: int) -> dict:
        return {
            "title": f"Folkemengde 1. januar etter land, fylke og kommune (inndeling 2024) og aldersgruppe, 1986–{til}",
            "description": ("Folkemengden 1. januar i KOSTRA-aldersgruppene (én kolonne per gruppe, én rad per sted og år) "
                            "for hele landet, fylkene og kommunene "
                            "(inndeling 2024). Kommuner som ble delt i 2024 har bare tall fra 2024."),
            "licenses": [NLOD],
            "sources": [{"title": _BEF_SRC, "path": "https://www.ssb.no/statbank/table/07459"}],
            "provenance": {**bef_prov, "notes": bef_notes(til)},
            "schema": {
                "fields": [
                    {"name": "nivaa", "type": "string", "title": "Nivå",
                     "constraints": {"required": True, "enum": NIVAER}},
                    {"name": "kode", "type": "string", "title": "Kode (0000 landet, fylkesnummer, kommunenummer)",
                     "constraints": {"required": True, "pattern": "0000|[0-9]{2}|[0-9]{4}"}},
                    {"name": "navn", "type": "string", "title": "Navn", "constraints": {"required": True}},
                    _aar("År (1. januar)"),
                    *[{"name": c, "type": "integer", "title": f"Personer {n}",
                       "constraints": {"required": True, "minimum": 0}} for _, _, n, c in kp.ALDERSGRUPPER],
                ],
                "primaryKey": ["nivaa", "kode", "aar"],
                "missingValues": MISSING,
            },
        }

    valg_prov = {
        "publisher": "Valgdirektoratet",
        "original": "Valgresultat for stortingsvalget per kommune (valgresultat.no), endelig opptelling: antallsb, "
                    "stemmer.total og frammote.prosent",
        "url": _VALG_URL,
        "kilde": "Valgdirektoratet, valgresultat.no",
        "retrieved": HENTET,
        "via": "den offentlige kopien HNygard/valgresultat.no-copy (GitHub)",
    }

    def valg_spec(aarene: list[int]) -> dict:
        aarene_txt = " og ".join(map(str, aarene))
        notes = ("Stemmer er stemmer.total og frammøteprosenten er frammote.prosent slik Valgdirektoratet "
                 "publiserer den (ikke regnet om her). For 2025 regner Valgdirektoratet frammøtet av godkjente "
                 "stemmegivninger, så det kan avvike fra stemmer / stemmeberettigede. ")
        if 2021 in aarene:
            notes += ("Valget 2021 er publisert på inndelingen 2020–2023; kommunenumrene er lagt om til 2024 med "
                      "kommuneendringer-2024 (f.eks. 3001 Halden → 3101). Ålesund (1508) og Haram (1580), delt fra "
                      "1507 Ålesund i 2024, har ingen rad for 2021: tallene kan ikke sammenlignes.")
        return {
            "title": f"Stortingsvalget {aarene_txt}: stemmeberettigede, stemmer og frammøte per kommune (inndeling 2024)",
            "description": "Stemmeberettigede, avgitte stemmer og frammøteprosent ved stortingsvalg per kommune.",
            "licenses": [NLOD],
            "sources": [{"title": "Valgdirektoratet, valgresultat.no, stortingsvalget " + aarene_txt,
                         "path": _VALG_URL}],
            "provenance": {
                **valg_prov, "unit": "personer; prosent av stemmeberettigede",
                "published": "; ".join(f"{a}: endelig valgoppgjør, september {a}" for a in aarene),
                "copied_from": (f"Laget med «statuskommune import-kommune» fra {VALG_REPO}, "
                                + "; ".join(f"data/{a}/kommune/kommune-FF-KKKK.json" for a in aarene) + "."),
                "notes": notes,
            },
            "schema": {
                "fields": [KNR, _aar("Valgår"),
                           {"name": "stemmeberettigede", "type": "integer", "title": "Stemmeberettigede",
                            "constraints": {"required": True, "minimum": 0}},
                           {"name": "stemmer", "type": "integer", "title": "Stemmer (totalt)",
                            "constraints": {"required": True, "minimum": 0}},
                           {"name": "frammote_prosent", "type": "number", "title": "Frammøte (prosent)",
                            "constraints": {"required": True, "minimum": 0, "maximum": 100}}],
                "primaryKey": ["kommunenummer", "aar"],
                "foreignKeys": [FK_KOMMUNE],
                "missingValues": MISSING,
            },
        }

    def valg_land_spec(aarene: list[int]) -> dict:
        aarene_txt = " og ".join(map(str, aarene))
        return {
            "title": f"Stortingsvalget {aarene_txt}: stemmeberettigede, stemmer og frammøte i hele landet",
            "description": "Landstallene fra Valgdirektoratet (norge.json), slik de er publisert.",
            "licenses": [NLOD],
            "sources": [{"title": "Valgdirektoratet, valgresultat.no, stortingsvalget " + aarene_txt, "path": _VALG_URL}],
            "provenance": {
                **valg_prov, "unit": "personer; prosent av stemmeberettigede",
                "published": "; ".join(f"{a}: endelig valgoppgjør, september {a}" for a in aarene),
                "copied_from": (f"Laget med «statuskommune import-kommune» fra {VALG_REPO}, "
                                + "; ".join(f"data/{a}/norge.json" for a in aarene) + "."),
                "notes": "frammote.prosent som publisert, ikke regnet om.",
            },
            "schema": {
                "fields": [_aar("Valgår"),
                           {"name": "stemmeberettigede", "type": "integer", "title": "Stemmeberettigede",
                            "constraints": {"required": True, "minimum": 0}},
                           {"name": "stemmer", "type": "integer", "title": "Stemmer (totalt)",
                            "constraints": {"required": True, "minimum": 0}},
                           {"name": "frammote_prosent", "type": "number", "title": "Frammøte (prosent)",
                            "constraints": {"required": True, "minimum": 0, "maximum": 100}}],
                "primaryKey": ["aar"],
                "missingValues": MISSING,
            },
        }

    def dki_spec(aarene: list[int]) -> dict:
        aarene_txt = " og ".join(map(str, aarene))
        return {
            "title": f"Samlet kostnadsindeks per kommune i inntektssystemet {aarene_txt} (Grønt hefte, tabell A-k)",
            "description": ("Samlet kostnadsindeks (beregnet utgiftsbehov per innbygger, landsgjennomsnittet = 1) "
                            "per kommune. 354 kommuner: Utsira (1151) og Modalen (4629) mangler i kopien (årsaken er "
                            "ikke oppgitt der), og Lørenskog (3222) står i kopien bare som et regneeksempel med "
                            "sektorindekser, ikke som tabellens tall, og er utelatt."),
            "licenses": [NLOD],
            "sources": [{"title": f"Kommunal- og distriktsdepartementet, Grønt hefte {a}, tabell A-k",
                         "path": "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommuneokonomi/gront-hefte/id547024/"}
                        for a in aarene],
            "provenance": {
                "publisher": "Kommunal- og distriktsdepartementet (KDD)",
                "original": "; ".join(f"Grønt hefte {a} (beregningsteknisk dokumentasjon til statsbudsjettet for {a}), "
                                      "tabell A-k Utgiftsutjevning, samlet kostnadsindeks" for a in aarene),
                "url": "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommuneokonomi/gront-hefte/id547024/",
                "published": "; ".join(f"Grønt hefte {a}: oktober {a - 1} (statsbudsjettet for {a})" for a in aarene),
                "kilde": "KDD, Grønt hefte " + aarene_txt + " (tabell A-k)",
                "unit": "indeks, landsgjennomsnittet = 1",
                "copied_from": (f"Laget med «statuskommune import-kommune» fra {BAROMETER}, "
                                + "; ".join(f"data/dki-{a}.json" for a in aarene)
                                + " (feltet kommuner; bare verdier som er ett tall)."),
                "retrieved": "2026-04-26",
                "via": "vegard1104/kommunebarometer (GitHub), som har skrevet av tabell A-k",
                "notes": "Verdiene er ikke kontrollert mot selve Grønt hefte-tabellen.",
            },
            "schema": {
                "fields": [KNR, _aar("Budsjettår (Grønt hefte)"),
                           {"name": "kostnadsindeks", "type": "number", "title": "Kostnadsindeks (landet = 1)",
                            "constraints": {"required": True, "minimum": 0.5, "maximum": 2}}],
                "primaryKey": ["kommunenummer", "aar"],
                "foreignKeys": [FK_KOMMUNE],
                "missingValues": MISSING,
            },
        }

    robek_spec = {
        "title": "Kommuner i ROBEK per 20. april 2026 og hjemmelen for innmeldingen",
        "description": ("Kommunene i Register om betinget godkjenning og kontroll (ROBEK) 20. april 2026. Hjemmel "
                        "er bokstavene i kommuneloven § 28-1 slik registeret gir dem: a driftsbudsjettet vedtatt med "
                        "merforbruk; b økonomiplanen vedtatt med merforbruk; c merforbruk dekkes inn over mer enn to "
                        "år; d oppsamlet merforbruk over tre prosent av driftsinntektene; e økonomiplan eller "
                        "årsbudsjett ikke vedtatt innen fristen; f årsregnskapet ikke vedtatt innen fristen; "
                        "g vedtak etter inndelingslova § 16 a. Kopien har ikke datoen hver kommune ble meldt inn."),
        "licenses": [NLOD],
        "sources": [{"title": "Kommunal- og distriktsdepartementet, ROBEK – kommuner som er oppført i registeret",
                     "path": "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommunedata/robek-2/kommuner-som-er-oppfort-i-registeret/id415422/"}],
        "provenance": {
            "publisher": "Kommunal- og distriktsdepartementet (KDD)",
            "original": "ROBEK – Register om betinget godkjenning og kontroll, kommuner som er oppført i registeret, "
                        "stand 20. april 2026",
            "url": "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommunedata/robek-2/kommuner-som-er-oppfort-i-registeret/id415422/",
            "published": "2026-04-20",
            "kilde": "KDD, ROBEK (20. april 2026)",
            "unit": "kommune",
            "copied_from": f"Laget med «statuskommune import-kommune» fra {BAROMETER}, data/robek.json (feltet kommuner).",
            "retrieved": "2026-04-25",
            "via": "vegard1104/kommunebarometer (GitHub)",
        },
        "schema": {
            "fields": [KNR, {"name": "hjemmel", "type": "string", "title": "Hjemmel (kommuneloven § 28-1)",
                             "constraints": {"required": True, "pattern": "[a-g](, [a-g])*( og [a-g])?"}}],
            "primaryKey": ["kommunenummer"],
            "foreignKeys": [FK_KOMMUNE],
            "missingValues": MISSING,
        },
    }

    klass_prov = {
        "publisher": "Statistisk sentralbyrå (SSB)",
        "original": "KLASS klassifikasjon 131, Standard for kommuneinndeling, kodene gyldige 2026-01-01 (uendret siden 2024-01-01)",
        "url": "https://www.ssb.no/klass/klassifikasjoner/131",
        "published": "2024-01-01",
        "kilde": "SSB, KLASS 131",
        "unit": "kode",
        "retrieved": "2026-04-25",
    }
    kart_prov = {
        "publisher": "Kartverket",
        "url": "https://kartkatalog.geonorge.no; https://github.com/robhop/fylker-og-kommuner",
        "published": "2024",
        "kilde": "© Kartverket",
        "unit": "WKT, EPSG:25833 (meter)",
        "retrieved": HENTET,
        "via": "robhop/fylker-og-kommuner (GitHub), GeoJSON i kvalitet S",
        "notes": _KART_NOTE,
    }
    return {
        "felles/koder/fylker-2024": {
            "title": "Fylkesinndeling fra 2024 (15 fylker)",
            "description": ("Fylkesnummer og navn fra 1. januar 2024, med navnene slik Kartverket og SSB (KLASS 104) "
                            "skriver dem, også samiske og kvenske former."),
            "licenses": [{**CCBY}],
            "sources": [{"title": "Kartverket, fylkesgrenser 2024 (egenskapene fylkesnummer og fylkesnavn)",
                         "path": "https://kartkatalog.geonorge.no"}],
            "provenance": {**kart_prov, "original": "Kartverket, administrative enheter: fylker 2024, "
                                                    "egenskapene fylkesnummer og fylkesnavn",
                           "unit": "kode", "notes": "Samme 15 fylkesnummer som i SSBs KLASS 104 fra 2024.",
                           "copied_from": f"Laget med «statuskommune import-kommune» fra {KART_REPO}, Fylker-S.geojson."},
            "schema": {
                "fields": [{"name": "fylkesnummer", "type": "string", "title": "Fylkesnummer",
                            "constraints": {"required": True, "pattern": "[0-9]{2}"}},
                           {"name": "fylkesnavn", "type": "string", "title": "Fylke", "constraints": {"required": True}}],
                "primaryKey": ["fylkesnummer"], "missingValues": MISSING},
        },
        "felles/koder/kommuner-2024": {
            "title": "Kommuneinndeling fra 2024 (357 kommuner, SSB KLASS 131)",
            "description": ("Kommunenummer og navn fra 1. januar 2024 (gyldige også 1. januar 2026), med navnene slik "
                            "KLASS gir dem, også samiske og kvenske former (f.eks. «Oslo - Oslove»). Koden 9999 "
                            "(uoppgitt) er utelatt. Fylket er de to første sifrene i kommunenummeret."),
            "licenses": [NLOD],
            "sources": [{"title": "SSB KLASS 131, codesAt?date=2026-01-01",
                         "path": "https://data.ssb.no/api/klass/v1/classifications/131/codesAt?date=2026-01-01&language=nb"}],
            "provenance": {**klass_prov, "copied_from": (
                f"Laget med «statuskommune import-kommune» fra {BAROMETER}, spike/results/2026-04-25T10-35-12-819Z.json, "
                "feltet klass.body (svaret fra KLASS-API-et codesAt?date=2026-01-01); fylkesnavn fra Kartverket "
                "(felles/koder/fylker-2024). Fylkesnummeret er kontrollert mot FHIs csdata "
                "(nor_locations_hierarchy_b2024).")},
            "schema": {
                "fields": [{**KNR, "title": "Kommunenummer"},
                           {"name": "kommunenavn", "type": "string", "title": "Kommune", "constraints": {"required": True}},
                           {"name": "fylkesnummer", "type": "string", "title": "Fylkesnummer",
                            "constraints": {"required": True, "pattern": "[0-9]{2}"}},
                           {"name": "fylkesnavn", "type": "string", "title": "Fylke", "constraints": {"required": True}}],
                "primaryKey": ["kommunenummer"],
                "foreignKeys": [{"fields": ["fylkesnummer"], "reference": {"resource": "felles/koder/fylker-2024",
                                                                           "fields": ["fylkesnummer"]}}],
                "missingValues": MISSING},
        },
        "felles/koder/kommuneendringer-2024": {
            "title": "Endrede kommunenummer 1. januar 2024",
            "description": ("Hvilket kommunenummer en kommune hadde før 1. januar 2024. «nytt nummer»: samme kommune, "
                            "ny kode; «delt»: den gamle kommunen ble delt på flere nye (1507 Ålesund ble 1508 Ålesund "
                            "og 1580 Haram), så tall fra før 2024 kan ikke sammenlignes."),
            "licenses": [NLOD],
            "sources": [{"title": "SSB KLASS 131, endringer 2023-12-01 til 2024-02-01",
                         "path": "https://www.ssb.no/klass/klassifikasjoner/131"}],
            "provenance": {**klass_prov,
                           "original": "KLASS klassifikasjon 131 Standard for kommuneinndeling, endringer 1. januar 2024",
                           "unit": "kode",
                           "copied_from": (
                               f"Laget med «statuskommune import-kommune» fra {BAROMETER}, data/code-history.json "
                               "(feltet endringer: ny kode → gamle koder, validTo 2024-01-01), som har 112 "
                               "nummerendringer med samme navn. Det som mangler der (3018 Våler → 3114, 5414 Gratangen "
                               "→ 5516 og delingen av 1507 Ålesund i 1508 Ålesund og 1580 Haram) er tatt fra FHIs "
                               f"csdata ({CSDATA}, tabell nor_locations_redistricting_b2024, koder i 2023 som går til "
                               "en annen kode i 2024); alle de 112 finnes også der."),
                           "notes": "115 endringer: 113 nye nummer og én deling (to rader). Ingen sammenslåinger 1. januar 2024."},
            "schema": {
                "fields": [{**KNR, "title": "Kommunenummer fra 2024"},
                           {"name": "tidligere_kommunenummer", "type": "string", "title": "Kommunenummer 2020–2023",
                            "constraints": {"required": True, "pattern": "[0-9]{4}"}},
                           {"name": "endring", "type": "string", "title": "Endring",
                            "constraints": {"required": True, "enum": [NYTT_NUMMER, DELT, SLATT_SAMMEN]}}],
                "primaryKey": ["kommunenummer", "tidligere_kommunenummer"],
                "foreignKeys": [FK_KOMMUNE],
                "missingValues": MISSING},
        },
        "felles/kart/kommuner-2024": {
            "title": "Kommunegrenser 2024 (forenklet, EPSG:25833)",
            "description": "Omrisset av hver av de 357 kommunene (2024) som WKT i UTM sone 33N, forenklet for kart over hele landet.",
            "licenses": [{**CCBY}],
            "sources": [{"title": "Kartverket, kommunegrenser 2024 (via robhop/fylker-og-kommuner, Kommuner-S.geojson)",
                         "path": "https://kartkatalog.geonorge.no"}],
            "provenance": {**kart_prov, "original": "Kartverket, administrative enheter: kommuner 2024",
                           "copied_from": f"Laget med «statuskommune import-kommune» fra {KART_REPO}, Kommuner-S.geojson."},
            "schema": {
                "fields": [KNR, {"name": "geometri", "type": "string", "title": "Geometri (WKT, EPSG:25833)",
                                 "constraints": {"required": True, "pattern": "(MULTI)?POLYGON .*"}}],
                "primaryKey": ["kommunenummer"], "foreignKeys": [FK_KOMMUNE], "missingValues": MISSING},
        },
        "felles/kart/fylker-2024": {
            "title": "Fylkesgrenser 2024 (forenklet, EPSG:25833)",
            "description": "Omrisset av hvert av de 15 fylkene (2024) som WKT i UTM sone 33N, forenklet for kart over hele landet.",
            "licenses": [{**CCBY}],
            "sources": [{"title": "Kartverket, fylkesgrenser 2024 (via robhop/fylker-og-kommuner, Fylker-S.geojson)",
                         "path": "https://kartkatalog.geonorge.no"}],
            "provenance": {**kart_prov, "original": "Kartverket, administrative enheter: fylker 2024",
                           "copied_from": f"Laget med «statuskommune import-kommune» fra {KART_REPO}, Fylker-S.geojson."},
            "schema": {
                "fields": [{"name": "fylkesnummer", "type": "string", "title": "Fylkesnummer",
                            "constraints": {"required": True, "pattern": "[0-9]{2}"}},
                           {"name": "geometri", "type": "string", "title": "Geometri (WKT, EPSG:25833)",
                            "constraints": {"required": True, "pattern": "(MULTI)?POLYGON .*"}}],
                "primaryKey": ["fylkesnummer"],
                "foreignKeys": [{"fields": ["fylkesnummer"], "reference": {"resource": "felles/koder/fylker-2024",
                                                                           "fields": ["fylkesnummer"]}}],
                "missingValues": MISSING},
        },
        **{f"{v}/kommune/befolkning": befolkning_spec(a["til"]) for v, a in ARGANGER.items()},
        **{f"{v}/kommune/valg-storting": valg_spec(a["valg"]) for v, a in ARGANGER.items()},
        **{f"{v}/kommune/valg-storting-land": valg_land_spec(a["valg"]) for v, a in ARGANGER.items()},
        **{f"{v}/kommune/kostnadsindeks": dki_spec(a["dki"]) for v, a in ARGANGER.items()},
        **{f"{v}/kommune/robek": robek_spec for v, a in ARGANGER.items() if a["robek"]},
    }


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with \\n line ends; floats in Python's shortest round-trip form."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(df.columns)
    for row in df.itertuples(index=False):
        w.writerow([repr(x) if isinstance(x, float) else x for x in row])
    return buf.getvalue().encode("utf-8")


def beskrivelse(sti: str, spec: dict, data: bytes) -> str:
    """The YAML text of a dataset's description (``sti`` like ``2025/kommune/befolkning``)."""
    stem = sti.rsplit("/", 1)[-1]
    d = {"name": stem, "title": spec["title"], "description": spec["description"], "path": stem + ".csv",
         "format": "csv", "encoding": "utf-8", "mediatype": "text/csv", "licenses": spec["licenses"],
         "sources": spec["sources"], "provenance": spec["provenance"], "schema": spec["schema"],
         "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
    return yaml.safe_dump(json.loads(json.dumps(d)), sort_keys=False, allow_unicode=True, width=110)


def skriv(data_dir: Path, datasett: dict[str, pd.DataFrame]) -> list[Path]:
    """Write each dataset (name → frame) as CSV + description; returns the paths written."""
    spec = _spec()
    ut = []
    for sti, df in sorted(datasett.items()):
        if sti not in spec:
            raise KeyError(f"ingen beskrivelse for {sti}")
        data = csv_bytes(df)
        csv_p = data_dir / (sti + ".csv")
        csv_p.parent.mkdir(parents=True, exist_ok=True)
        csv_p.write_bytes(data)
        desc = csv_p.with_name(csv_p.stem + ".resource.yaml")
        desc.write_text(beskrivelse(sti, spec[sti], data), encoding="utf-8")
        ut += [csv_p, desc]
    return ut


def lag_datasett(k: Kilder) -> dict[str, pd.DataFrame]:
    """Every dataset, from the raw inputs (pure: no IO)."""
    fylke = fylker(k.kart_fylker)
    kom = kommuner(k.klass, fylke, k.rda["nor_locations_hierarchy_b2024"])
    endr = med_omkodinger(kommuneendringer(k.kodehistorikk, kom), omkodinger(k.rda["nor_locations_redistricting_b2024"]))
    uten = ikke_sammenlignbare(endr)
    ut = {
        "felles/koder/fylker-2024": fylke,
        "felles/koder/kommuner-2024": kom,
        "felles/koder/kommuneendringer-2024": endr,
        "felles/kart/kommuner-2024": geometri(k.kart_kommuner, "kommunenummer", KART_KOMMUNER),
        "felles/kart/fylker-2024": geometri(k.kart_fylker, "fylkesnummer", KART_FYLKER),
    }
    ukjent = sorted(set(ut["felles/kart/kommuner-2024"].kommunenummer) ^ set(kom.kommunenummer))
    if ukjent:
        raise KommuneImportError(f"{KART_KOMMUNER}: kommunene i kartet og i kodelisten er ikke de samme: {', '.join(ukjent)}.")
    pop = k.rda["nor_population_by_age_b2024"]
    for v, a in ARGANGER.items():
        ut[f"{v}/kommune/befolkning"] = befolkning(pop, kom, fylke, a["til"], uten)
        ut[f"{v}/kommune/valg-storting"] = pd.concat(
            [valg(k.valg[y][0], y, endr, kom) for y in a["valg"]], ignore_index=True)
        ut[f"{v}/kommune/valg-storting-land"] = pd.DataFrame(
            [valg_land(k.valg[y][1], y, f"valgresultat/{y}/norge.json") for y in a["valg"]],
            columns=["aar", "stemmeberettigede", "stemmer", "frammote_prosent"])
        ut[f"{v}/kommune/kostnadsindeks"] = pd.concat(
            [kostnadsindeks(k.dki[y], y, kom)[0] for y in a["dki"]], ignore_index=True)
        if a["robek"]:
            ut[f"{v}/kommune/robek"] = robek(k.robek, kom)
    return ut


def importer(root: Path, fra: Path) -> list[Path]:
    """Read the raw folder ``fra`` and write every dataset under ``root/data``."""
    return skriv(Path(root) / "data", lag_datasett(les_kilder(fra)))

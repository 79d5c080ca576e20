"""The numbers of a kommune edition: one kommune set against its fylke and the whole country.

Pure functions on the kommune datasets (``kommune/befolkning``, ``kommune/valg-storting``,
``kommune/kostnadsindeks``, ``kommune/robek``); the kommune notebook calls them and draws. Nothing
here invents a value: a kommune without data gets ``None`` (or an empty frame) and the notebook
says so in the figure and the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LAND = "0000"
#: The KOSTRA age groups of ``kommune/befolkning``: (first age, last age, label, column). The
#: dataset has one row per place and year and one column of persons per group (a third of the
#: bytes of one row per group); the functions here take the long form from ``lang``.
ALDERSGRUPPER = [(0, 5, "0–5 år", "personer_0_5"), (6, 15, "6–15 år", "personer_6_15"),
                 (16, 19, "16–19 år", "personer_16_19"), (20, 44, "20–44 år", "personer_20_44"),
                 (45, 66, "45–66 år", "personer_45_66"), (67, 79, "67–79 år", "personer_67_79"),
                 (80, 89, "80–89 år", "personer_80_89"), (90, 200, "90 år og over", "personer_90_og_over")]
ALDERSKOLONNER = [c for *_, c in ALDERSGRUPPER]
ELDRE_GRUPPER = ("80–89 år", "90 år og over")


def lang(bef: pd.DataFrame) -> pd.DataFrame:
    """``kommune/befolkning`` in long form: one row per place, year and age group (``aldersgruppe``,
    ``personer``), in the file's row order and the groups' order."""
    cols = ALDERSKOLONNER
    missing = [c for c in cols if c not in bef.columns]
    if missing:
        raise ValueError(f"kommune/befolkning mangler kolonnene {', '.join(missing)}")
    ids = [c for c in bef.columns if c not in cols]
    out = bef.reset_index(drop=True).melt(id_vars=ids, value_vars=cols, var_name="aldersgruppe",
                                          value_name="personer", ignore_index=False)
    out["_g"] = out["aldersgruppe"].map({c: i for i, c in enumerate(cols)})
    out = out.rename_axis("_r").sort_values(["_r", "_g"], kind="stable").reset_index(drop=True)
    out["aldersgruppe"] = out["aldersgruppe"].map({c: n for _, _, n, c in ALDERSGRUPPER})
    out.attrs = dict(bef.attrs)
    return out.drop(columns="_g")


@dataclass(frozen=True)
class Sted:
    """One of the three places a kommune edition compares: the kommune, its fylke, the country."""

    nivaa: str        # "kommune" | "fylke" | "land"
    kode: str
    navn: str


def steder(kommune, kommuner_i_fylket: list[str]) -> list[Sted]:
    """The kommune, its fylke and the country; a kommune that is its own fylke (Oslo) is shown
    once, as the kommune."""
    out = [Sted("kommune", kommune.nr, kommune.kortnavn)]
    if list(kommuner_i_fylket) != [kommune.nr]:
        out.append(Sted("fylke", kommune.fylkesnummer, kommune.fylkesnavn.split(" - ")[0]))
    out.append(Sted("land", LAND, "Hele landet"))
    return out


def _rows(bef: pd.DataFrame, sted: Sted) -> pd.DataFrame:
    return bef[(bef["nivaa"] == sted.nivaa) & (bef["kode"].astype(str) == sted.kode)]


def folketall(bef: pd.DataFrame, sted: Sted) -> pd.DataFrame:
    """Population on 1 January per year (sum over the age groups): columns aar, personer."""
    d = _rows(bef, sted)
    out = d.groupby("aar", as_index=False)["personer"].sum()
    out["aar"] = out["aar"].astype(int)
    out["personer"] = out["personer"].astype(int)
    return out.sort_values("aar").reset_index(drop=True)


def aar_med_data(bef: pd.DataFrame, sted: Sted) -> list[int]:
    return sorted(int(a) for a in _rows(bef, sted)["aar"].unique())


def prosentvis_endring(bef: pd.DataFrame, sted: Sted, fra: int, til: int) -> float | None:
    """Percent change in population from 1 January ``fra`` to ``til``; None when a year is missing."""
    f = folketall(bef, sted).set_index("aar")["personer"]
    if fra not in f.index or til not in f.index:
        return None
    return (float(f[til]) / float(f[fra]) - 1.0) * 100.0


def indeks(bef: pd.DataFrame, stedene: list[Sted], fra: int, til: int) -> pd.DataFrame:
    """Population as an index (``fra`` = 100) for each place with data in ``fra``: aar, sted, indeks."""
    parts = []
    for s in stedene:
        f = folketall(bef, s)
        f = f[(f.aar >= fra) & (f.aar <= til)]
        if f.empty or fra not in set(f.aar):
            continue
        base = float(f.loc[f.aar == fra, "personer"].iloc[0])
        parts.append(pd.DataFrame({"aar": f.aar, "sted": s.navn, "indeks": f.personer / base * 100.0}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["aar", "sted", "indeks"])


def aldersandeler(bef: pd.DataFrame, sted: Sted, aar: int) -> pd.DataFrame:
    """Share of the population in each age group (percent), in the data's group order."""
    d = _rows(bef, sted)
    d = d[d["aar"].astype(int) == aar]
    if d.empty:
        return pd.DataFrame(columns=["aldersgruppe", "andel"])
    order = list(pd.unique(bef["aldersgruppe"]))  # the data's own order of the groups
    g = d.groupby("aldersgruppe")["personer"].sum().reindex(order).dropna()
    return pd.DataFrame({"aldersgruppe": g.index, "andel": g.values / g.sum() * 100.0})


def andel_eldre(bef: pd.DataFrame, sted: Sted) -> pd.DataFrame:
    """Share aged 80 and over per year (percent): aar, andel."""
    d = _rows(bef, sted)
    tot = d.groupby("aar")["personer"].sum()
    old = d[d["aldersgruppe"].isin(ELDRE_GRUPPER)].groupby("aar")["personer"].sum().reindex(tot.index, fill_value=0)
    out = pd.DataFrame({"aar": tot.index.astype(int), "andel": (old / tot * 100.0).values})
    return out.sort_values("aar").reset_index(drop=True)


def valgdeltakelse(valg: pd.DataFrame, valg_land: pd.DataFrame, kommune, kommuner_i_fylket: list[str],
                   aar: int) -> dict[str, float | None]:
    """Turnout at the Storting election ``aar``: the kommune's and the country's as published
    (Valgdirektoratet), and the fylke's computed from the kommuner's counts (votes cast divided
    by those entitled to vote; marked as computed where it is shown)."""
    v = valg[valg["aar"].astype(int) == aar]
    k = v[v["kommunenummer"].astype(str) == kommune.nr]
    f = v[v["kommunenummer"].astype(str).isin(kommuner_i_fylket)]
    land = valg_land[valg_land["aar"].astype(int) == aar]
    fylke = None
    if len(f) == len(kommuner_i_fylket) and len(f):
        fylke = float(f["stemmer"].sum()) / float(f["stemmeberettigede"].sum()) * 100.0
    return {"kommune": float(k["frammote_prosent"].iloc[0]) if len(k) else None,
            "fylke": fylke,
            "land": float(land["frammote_prosent"].iloc[0]) if len(land) else None}


def kostnadsindeks(dki: pd.DataFrame, kommune, kommuner_i_fylket: list[str], aar: int) -> dict:
    """The kommune's DKI and the lowest, median and highest DKI among the kommuner of its fylke."""
    d = dki[dki["aar"].astype(int) == aar]
    d = d.assign(kommunenummer=d["kommunenummer"].astype(str))
    k = d[d.kommunenummer == kommune.nr]
    f = d[d.kommunenummer.isin(kommuner_i_fylket)]["kostnadsindeks"].astype(float)
    rang = None
    if len(k):
        verdi = float(k["kostnadsindeks"].iloc[0])
        rang = int((d["kostnadsindeks"].astype(float) > verdi).sum()) + 1
    return {"kommune": float(k["kostnadsindeks"].iloc[0]) if len(k) else None,
            "laveste": float(f.min()) if len(f) else None, "median": float(f.median()) if len(f) else None,
            "hoyeste": float(f.max()) if len(f) else None, "n_fylke": int(len(f)), "rang": rang,
            "n_land": int(len(d))}


def robek(register: pd.DataFrame | None, kommune) -> dict | None:
    """The kommune's entry in the ROBEK register, or None when it is not registered."""
    if register is None:
        return None
    r = register[register["kommunenummer"].astype(str) == kommune.nr]
    return None if r.empty else r.iloc[0].to_dict()


# --- all kommuner at once (the national report's maps) ----------------------------------------

def _kommunetotaler(bef: pd.DataFrame) -> pd.DataFrame:
    """Population per kommune (rows, kommunenummer) and year (columns)."""
    k = bef[bef["nivaa"] == "kommune"]
    t = k.groupby([k["kode"].astype(str), k["aar"].astype(int)])["personer"].sum().unstack()
    t.index.name = "kommunenummer"
    return t


def endring_per_kommune(bef: pd.DataFrame, fra: int, til: int) -> pd.Series:
    """Percent change in population from 1 January ``fra`` to ``til`` for every kommune with both
    years (kommuner without ``fra``, such as those split in 2024, are left out, not estimated)."""
    t = _kommunetotaler(bef)
    d = t[[fra, til]].dropna()
    return ((d[til] / d[fra] - 1.0) * 100.0).rename("endring")


def andel_eldre_per_kommune(bef: pd.DataFrame, aar: int) -> pd.Series:
    """Share aged 80 and over (percent) in every kommune on 1 January ``aar``."""
    k = bef[(bef["nivaa"] == "kommune") & (bef["aar"].astype(int) == aar)]
    kode = k["kode"].astype(str)
    tot = k.groupby(kode)["personer"].sum()
    old = k[k["aldersgruppe"].isin(ELDRE_GRUPPER)].groupby(kode)["personer"].sum().reindex(tot.index, fill_value=0)
    s = (old / tot * 100.0).rename("andel")
    s.index.name = "kommunenummer"
    return s


def andel_med_vekst(bef: pd.DataFrame) -> pd.DataFrame:
    """For each year: the share of kommuner whose population grew during the year (1 January
    that year to 1 January the next), among the kommuner with both years: aar, andel, antall."""
    t = _kommunetotaler(bef)
    years = sorted(t.columns)
    rows = []
    for a, b in zip(years, years[1:]):
        d = t[[a, b]].dropna()
        if len(d):
            rows.append({"aar": int(a), "andel": float((d[b] > d[a]).mean() * 100.0), "antall": int(len(d))})
    return pd.DataFrame(rows, columns=["aar", "andel", "antall"])


def i_tittel(stedene: list[Sted]) -> str:
    """The places as a caption lists them: «Bergen, Vestland og hele landet»."""
    from . import fmt

    return fmt.liste([s.navn if s.nivaa != "land" else "hele landet" for s in stedene])

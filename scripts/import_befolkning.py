"""Make the population datasets of chapter 2 from SSB table 07459 as compiled by FHI (csdata).

Input: ``sysdata.rda`` from the R package csdata (niphr/csdata @ 59345122ca61ff7572085f09944f613c0e956b8b,
``R/sysdata.rda``), data frame ``nor_population_by_age_b2024``: population on 1 January by location,
single-year age, sex and year, from SSB table 07459 (Folkemengde, etter region, kjønn, alder, år), 2024
kommune borders. The build never reads this file; run the script by hand when the source changes::

    pip install rdata pandas
    python scripts/import_befolkning.py /path/to/sysdata.rda [--til 2025]

then ``statuskommune data hash`` and ``statuskommune check``.

Rules applied (documented in the datasets' provenance):

* only ``sex == "total"`` (female + male + total would count everyone twice);
* rows flagged ``imputed`` are dropped: they repeat the last real year, they are not projections;
* years after ``--til`` are dropped (the 2025 edition uses population up to 1 January 2025);
* the row for all ages (age -99) is checked against the sum of single ages and dropped;
* ages are summed into four groups: 0–19, 20–66, 67–79 and 80 years and over.

Outputs (CSV only; the ``.resource.yaml`` descriptions are written by hand next to them):

* ``data/2025/demografi/befolkning-alder.csv``: the whole country, every year: aar, aldersgruppe, personer;
* ``data/2025/demografi/befolkning-kommune.csv``: each kommune (2024 borders) for the first and last
  year of the ten-year window and the year before the last: kommunenummer, kommunenavn, aar,
  aldersgruppe, personer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

GRUPPER = [(0, 19, "0–19 år"), (20, 66, "20–66 år"), (67, 79, "67–79 år"), (80, 200, "80 år og over")]
ROOT = Path(__file__).resolve().parents[1]


def aldersgruppe(age: float) -> str:
    for lo, hi, navn in GRUPPER:
        if lo <= age <= hi:
            return navn
    raise ValueError(f"alder {age} faller utenfor gruppene")


def main(argv: list[str] | None = None) -> int:
    import pandas as pd
    import rdata

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rda", type=Path)
    ap.add_argument("--til", type=int, default=2025, help="siste år (1. januar) som tas med")
    ap.add_argument("--ut", type=Path, default=ROOT / "data" / "2025" / "demografi")
    a = ap.parse_args(argv)

    d = rdata.read_rda(str(a.rda))
    pop = d["nor_population_by_age_b2024"]
    names = d["nor_locations_names_b2024"]
    pop = pop[(pop["sex"] == "total") & (~pop["imputed"].astype(bool)) & (pop["calyear"] <= a.til)].copy()
    pop["aar"] = pop["calyear"].astype(int)
    # age -99 is the sum over all ages: check it, then keep single years only
    alle = pop[pop["age"] < 0].groupby(["location_code", "aar"])["pop_jan1_n"].sum()
    enkelt = pop[pop["age"] >= 0].groupby(["location_code", "aar"])["pop_jan1_n"].sum()
    felles = alle.index.intersection(enkelt.index)
    if len(felles) and (alle[felles] - enkelt[felles]).abs().max() > 0.5:
        sys.exit("raden for alle aldre (alder -99) stemmer ikke med summen av enkeltårene")
    pop = pop[pop["age"] >= 0].copy()
    pop["aldersgruppe"] = pop["age"].map(aldersgruppe)
    order = {n: i for i, (_, _, n) in enumerate(GRUPPER)}

    nat = pop[pop["granularity_geo"] == "nation"]
    if nat["location_code"].nunique() != 1:
        sys.exit("ventet én rad per alder for hele landet (granularity_geo == 'nation')")
    land = (nat.groupby(["aar", "aldersgruppe"], as_index=False)["pop_jan1_n"].sum()
            .rename(columns={"pop_jan1_n": "personer"}))
    land["personer"] = land["personer"].round().astype(int)
    land = land.sort_values(["aar", "aldersgruppe"], key=lambda s: s.map(order) if s.name == "aldersgruppe" else s)

    last = int(land["aar"].max())
    years = [last - 10, last - 1, last]
    mun = pop[(pop["granularity_geo"] == "municip") & pop["aar"].isin(years)]
    mun = mun[mun["location_code"].str.fullmatch(r"municip_nor\d{4}")]
    kom = (mun.groupby(["location_code", "aar", "aldersgruppe"], as_index=False)["pop_jan1_n"].sum()
           .rename(columns={"pop_jan1_n": "personer"}))
    kom["personer"] = kom["personer"].round().astype(int)
    kom["kommunenummer"] = kom["location_code"].str[-4:]
    navn = names.drop_duplicates("location_code").set_index("location_code")["location_name"]
    kom["kommunenavn"] = kom["location_code"].map(navn)
    if kom["kommunenavn"].isna().any():
        sys.exit("kommuner uten navn: " + ", ".join(sorted(kom[kom.kommunenavn.isna()].location_code.unique())))
    kom = kom[["kommunenummer", "kommunenavn", "aar", "aldersgruppe", "personer"]]
    kom = kom.sort_values(["kommunenummer", "aar", "aldersgruppe"],
                          key=lambda s: s.map(order) if s.name == "aldersgruppe" else s)

    # The two geographies must agree: the kommuner add up to the country in every year kept.
    tot_k = kom.groupby("aar")["personer"].sum()
    tot_l = land[land.aar.isin(years)].groupby("aar")["personer"].sum()
    diff = (tot_k - tot_l).abs().max()
    if diff > 0:
        print(f"Merk: kommunene summerer til landet med et avvik på opptil {diff} personer "
              "(personer uten kjent bostedskommune)", file=sys.stderr)

    a.ut.mkdir(parents=True, exist_ok=True)
    land.to_csv(a.ut / "befolkning-alder.csv", index=False, lineterminator="\n")
    kom.to_csv(a.ut / "befolkning-kommune.csv", index=False, lineterminator="\n")
    print(f"{len(land)} rader for landet ({land.aar.min()}–{last}), {len(kom)} rader for "
          f"{kom.kommunenummer.nunique()} kommuner ({', '.join(map(str, years))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

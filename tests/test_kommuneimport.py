"""statuskommune import-kommune: the import rules on a committed excerpt of the real raw data
(tests/fixtures/kommune-utdrag/, see its README), and checks that the committed datasets are real."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from statuskommune import datasets as ds_mod
from statuskommune import kommuneimport as ki
from statuskommune import kommuneprofil as kp

REPO = Path(__file__).resolve().parents[1]
UTDRAG = Path(__file__).resolve().parent / "fixtures" / "kommune-utdrag"


@pytest.fixture(scope="module")
def kilder() -> ki.Kilder:
    return ki.les_kilder(UTDRAG)


@pytest.fixture(scope="module")
def utdrag(kilder) -> dict[str, pd.DataFrame]:
    return ki.lag_datasett(kilder)


def _rows(df, **kw):
    for k, v in kw.items():
        df = df[df[k] == v]
    return df


# --- import rules, on the excerpt --------------------------------------------------------------

def test_population_counts_sex_total_only(utdrag):
    bef = kp.lang(utdrag["2025/kommune/befolkning"])
    # SSB 1.1.2025: Oslo 724 290, Bergen 293 709, Utsira 217 (female + male + total would triple this)
    for kode, personer in (("0301", 724290), ("4601", 293709), ("1151", 217)):
        assert _rows(bef, nivaa="kommune", kode=kode, aar=2025).personer.sum() == personer


def test_imputed_rows_are_dropped(kilder, utdrag):
    kom, fyl = utdrag["felles/koder/kommuner-2024"], utdrag["felles/koder/fylker-2024"]
    bef = ki.befolkning(kilder.rda["nor_population_by_age_b2024"], kom, fyl, til=2100, uten_historikk=set())
    assert sorted(bef.aar.unique()) == [2023, 2025]  # 2027 in the excerpt is flagged imputed


def test_vintage_holds_population_up_to_its_year(kilder, utdrag):
    kom, fyl = utdrag["felles/koder/kommuner-2024"], utdrag["felles/koder/fylker-2024"]
    bef = ki.befolkning(kilder.rda["nor_population_by_age_b2024"], kom, fyl, til=2024, uten_historikk=set())
    assert bef.aar.max() == 2023


def test_land_and_fylke_rows_are_the_sources_own(utdrag):
    bef = kp.lang(utdrag["2026/kommune/befolkning"])
    # the excerpt has five kommuner only: the land row cannot be their sum
    assert _rows(bef, nivaa="land", kode="0000", aar=2025).personer.sum() == 5594340
    assert _rows(bef, nivaa="fylke", kode="03", aar=2025).personer.sum() == 724290
    assert _rows(bef, nivaa="fylke", kode="46", aar=2025).navn.iloc[0] == "Vestland"


def test_age_groups_are_kostras_bands(utdrag):
    bef = utdrag["2025/kommune/befolkning"]
    # one row per place and year, one column per age group (a third of the bytes of one row per group)
    assert list(bef.columns) == ["nivaa", "kode", "navn", "aar", "personer_0_5", "personer_6_15", "personer_16_19",
                                 "personer_20_44", "personer_45_66", "personer_67_79", "personer_80_89",
                                 "personer_90_og_over"]
    assert not bef.duplicated(["nivaa", "kode", "aar"]).any()
    oslo = _rows(kp.lang(bef), nivaa="kommune", kode="0301", aar=2025)
    assert list(oslo.aldersgruppe) == ["0–5 år", "6–15 år", "16–19 år", "20–44 år", "45–66 år", "67–79 år",
                                       "80–89 år", "90 år og over"]
    assert oslo.personer.sum() == 724290
    assert ki.aldersgruppe(5) == "0–5 år" and ki.aldersgruppe(6) == "6–15 år" and ki.aldersgruppe(105) == "90 år og over"


def test_split_kommuner_have_no_rows_before_2024(utdrag):
    bef = utdrag["2026/kommune/befolkning"]
    for kode in ("1508", "1580"):
        assert sorted(_rows(bef, nivaa="kommune", kode=kode).aar.unique()) == [2025]
    assert 2023 in set(_rows(bef, nivaa="kommune", kode="0301").aar)


def test_code_changes_split_and_renumbered(utdrag):
    endr = utdrag["felles/koder/kommuneendringer-2024"]
    got = {(r.kommunenummer, r.tidligere_kommunenummer): r.endring for r in endr.itertuples()}
    assert got[("1508", "1507")] == got[("1580", "1507")] == "delt"
    assert got[("3101", "3001")] == "nytt nummer"
    assert got[("3222", "3029")] == "nytt nummer"


def test_changes_missing_from_the_history_file_come_from_csdata(kilder, utdrag):
    kom = utdrag["felles/koder/kommuner-2024"]
    bare_historikk = ki.kommuneendringer(kilder.kodehistorikk, kom)
    assert "1580" not in set(bare_historikk.kommunenummer)  # the history file lacks Haram
    assert "1580" in set(utdrag["felles/koder/kommuneendringer-2024"].kommunenummer)


def test_a_merge_is_classified_as_one(kilder):
    # a made-up merge (two old codes → one new code), to check the rule, not data
    df = ki._klassifiser(pd.DataFrame({"kommunenummer": ["9001", "9001", "9002"],
                                       "tidligere_kommunenummer": ["8001", "8002", "8003"]}))
    assert list(df.endring) == ["slått sammen", "slått sammen", "nytt nummer"]


def test_history_and_csdata_must_agree(kilder, utdrag):
    kom = utdrag["felles/koder/kommuner-2024"]
    endr = ki.kommuneendringer(kilder.kodehistorikk, kom)
    omk = ki.omkodinger(kilder.rda["nor_locations_redistricting_b2024"])
    with pytest.raises(ki.KommuneImportError, match=r"code-history\.json: endringene 3001 → 3101"):
        ki.med_omkodinger(endr, omk[omk.tidligere_kommunenummer != "3001"])


def test_2021_election_is_on_2024_codes(utdrag):
    v = utdrag["2026/kommune/valg-storting"]
    v21 = v[v.aar == 2021].set_index("kommunenummer")
    assert v21.loc["3101", "stemmeberettigede"] == 23818  # 3001 Halden in 2021
    assert v21.loc["3222", "frammote_prosent"] > 0  # 3029 Lørenskog in 2021
    assert not {"3001", "3029", "1507"} & set(v21.index)
    assert not {"1508", "1580"} & set(v21.index)  # split: no comparable 2021 row
    assert {"1508", "1580"} <= set(v[v.aar == 2025].kommunenummer)


def test_election_values_are_taken_as_published(utdrag):
    land = utdrag["2026/kommune/valg-storting-land"].set_index("aar")
    assert land.loc[2021, "frammote_prosent"] == 77.2
    assert land.loc[2021, "stemmeberettigede"] == 3892507 and land.loc[2021, "stemmer"] == 3003290
    assert list(utdrag["2025/kommune/valg-storting-land"].aar) == [2021]


def test_dki_keeps_single_numbers_only(kilder, utdrag):
    kom = utdrag["felles/koder/kommuner-2024"]
    df, utelatt = ki.kostnadsindeks(kilder.dki[2026], 2026, kom)
    assert utelatt == ["3222"]  # Lørenskog is an object of sector indices in the copy
    assert "1151" not in set(df.kommunenummer)  # Utsira is not in the copy
    assert set(utdrag["2025/kommune/kostnadsindeks"].aar) == {2025}
    assert set(utdrag["2026/kommune/kostnadsindeks"].aar) == {2025, 2026}


def test_robek_only_in_2026(utdrag):
    assert "2025/kommune/robek" not in utdrag
    assert list(utdrag["2026/kommune/robek"].columns) == ["kommunenummer", "hjemmel"]


def test_geometry_is_projected_and_rounded(utdrag):
    g = utdrag["felles/kart/kommuner-2024"].set_index("kommunenummer").geometri
    assert re.fullmatch(r"(MULTI)?POLYGON \(.*\)", g["0301"])
    nums = [int(x) for x in re.findall(r"-?\d+(?:\.\d+)?", g["0301"])]  # whole metres only
    xs, ys = nums[0::2], nums[1::2]
    assert all(240_000 < x < 280_000 for x in xs) and all(6_630_000 < y < 6_680_000 for y in ys)  # Oslo in UTM 33N
    assert "." not in g["0301"]


def test_all_ages_row_is_checked(kilder, utdrag):
    pop = kilder.rda["nor_population_by_age_b2024"]
    # a deliberately wrong all-ages row (age -99) added to the real excerpt
    feil = pop.iloc[[0]].assign(location_code="municip_nor1151", granularity_geo="municip", age=-99.0,
                                sex="total", calyear=2025.0, pop_jan1_n=999.0, imputed=False)
    kom, fyl = utdrag["felles/koder/kommuner-2024"], utdrag["felles/koder/fylker-2024"]
    with pytest.raises(ki.KommuneImportError, match=r"sysdata\.rda.*municip_nor1151 i 2025 er 999.*summen av enkeltårene er 217"):
        ki.befolkning(pd.concat([pop, feil]), kom, fyl, til=2025, uten_historikk=set())
    riktig = feil.assign(pop_jan1_n=217.0)
    ki.befolkning(pd.concat([pop, riktig]), kom, fyl, til=2025, uten_historikk=set())


def test_import_is_deterministic_and_descriptions_carry_the_hash(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    pa, pb = ki.importer(a, UTDRAG), ki.importer(b, UTDRAG)
    assert [p.relative_to(a) for p in pa] == [p.relative_to(b) for p in pb]
    for x, y in zip(pa, pb):
        assert x.read_bytes() == y.read_bytes(), x
    desc = a / "data/2026/kommune/robek.resource.yaml"
    d = ds_mod.read_descriptor(desc)
    assert d["hash"] == "sha256:" + ds_mod.sha256(a / "data/2026/kommune/robek.csv")
    assert d["provenance"]["published"] == "2026-04-20"


@pytest.mark.parametrize("rel", ["kommunebarometer/robek.json", "valgresultat/2021/norge.json",
                                 "fhi-csdata/nor_population_by_age_b2024.csv"])
def test_missing_input_names_the_file(tmp_path, rel):
    fra = shutil.copytree(UTDRAG, tmp_path / "raa")
    (fra / rel).unlink()
    with pytest.raises(ki.KommuneImportError, match="mangler") as e:
        ki.les_kilder(fra)
    assert Path(rel).name in str(e.value) or "sysdata.rda" in str(e.value)


def test_malformed_input_names_the_file(tmp_path):
    fra = shutil.copytree(UTDRAG, tmp_path / "raa")
    (fra / "kommunebarometer/dki-2025.json").write_text('{"år": 2025, "kommuner": ', encoding="utf-8")
    with pytest.raises(ki.KommuneImportError, match=r"dki-2025\.json: filen kan ikke leses som JSON"):
        ki.les_kilder(fra)


def test_missing_field_names_file_and_field(kilder):
    filer, _ = kilder.valg[2025]
    fil = sorted(filer)[0]
    odelagt = {**filer, fil: {k: v for k, v in filer[fil].items() if k != "antallsb"}}
    with pytest.raises(ki.KommuneImportError, match=re.escape(fil) + ": feltet «antallsb» mangler"):
        ki.valg(odelagt, 2025, pd.DataFrame(columns=["kommunenummer", "tidligere_kommunenummer", "endring"]),
                pd.DataFrame({"kommunenummer": ["0301", "1151", "1508", "1515", "1580", "3101", "3222", "4601"]}))


def test_unknown_2021_code_is_an_error(kilder, utdrag):
    filer, _ = kilder.valg[2021]
    tom = pd.DataFrame(columns=["kommunenummer", "tidligere_kommunenummer", "endring"])
    with pytest.raises(ki.KommuneImportError, match=r"kommune-01-3001\.json: kommunenummer 3001 finnes verken"):
        ki.valg(filer, 2021, tom, utdrag["felles/koder/kommuner-2024"])


def test_cli_import_kommune(project):
    from statuskommune.cli import main

    res = CliRunner().invoke(main, ["import-kommune", "--fra", str(UTDRAG)])
    assert res.exit_code == 0, res.output
    assert (project / "data/felles/koder/kommuner-2024.resource.yaml").is_file()
    res = CliRunner().invoke(main, ["import-kommune", "--fra", str(project / "finnes-ikke")])
    assert res.exit_code == 1 and "finnes-ikke: rådatamappen finnes ikke" in res.output
    # no default folder: a clone has no raw data beside it, so the operator names the folder
    res = CliRunner().invoke(main, ["import-kommune"])
    assert res.exit_code == 2 and "--fra" in res.output


# --- the committed datasets are real -----------------------------------------------------------

def _load(name: str, vintage: str = "2026") -> pd.DataFrame:
    return ds_mod.load(name, vintage, REPO)


def test_committed_descriptions_are_the_generated_ones():
    spec = ki._spec()
    for sti in spec:
        csv = REPO / "data" / (sti + ".csv")
        desc = csv.with_name(csv.stem + ".resource.yaml")
        assert desc.read_text(encoding="utf-8") == ki.beskrivelse(sti, spec[sti], csv.read_bytes()), sti


def test_357_kommuner_in_15_fylker():
    kom = _load("felles/koder/kommuner-2024")
    assert len(kom) == 357 and kom.kommunenummer.is_unique
    assert kom.kommunenummer.str.fullmatch(r"\d{4}").all() and "9999" not in set(kom.kommunenummer)
    assert (kom.kommunenummer.str[:2] == kom.fylkesnummer).all()
    assert len(_load("felles/koder/fylker-2024")) == 15
    assert kom.set_index("kommunenummer").kommunenavn["0301"] == "Oslo - Oslove"


def test_every_kommune_dataset_uses_the_code_list():
    koder = set(_load("felles/koder/kommuner-2024").kommunenummer)
    for vintage, names in (("2025", ["kommune/valg-storting", "kommune/kostnadsindeks"]),
                           ("2026", ["kommune/valg-storting", "kommune/kostnadsindeks", "kommune/robek"])):
        for n in names:
            assert set(_load(n, vintage).kommunenummer) <= koder, n
        bef = _load("kommune/befolkning", vintage)
        assert set(bef[bef.nivaa == "kommune"].kode) == koder
    assert set(_load("felles/kart/kommuner-2024").kommunenummer) == koder
    assert set(_load("felles/koder/kommuneendringer-2024").kommunenummer) <= koder


def test_code_changes_2024():
    endr = _load("felles/koder/kommuneendringer-2024")
    assert len(endr) == 115
    delt = endr[endr.endring == "delt"]
    assert set(zip(delt.kommunenummer, delt.tidligere_kommunenummer)) == {("1508", "1507"), ("1580", "1507")}


@pytest.mark.parametrize("vintage", ["2025", "2026"])
def test_kommuner_add_up_to_the_country_from_2024(vintage):
    bef = _load("kommune/befolkning", vintage)
    assert ki.kommunesum_avvik(bef) == []
    assert ki.kommunesum_avvik(bef.assign(personer_0_5=bef.personer_0_5 + (bef.kode == "0301"))) != []
    bef = kp.lang(bef)
    land = bef[bef.nivaa == "land"].groupby("aar").personer.sum()
    # SSB's published totals: 1.1.2024 = 5 550 203
    # (https://www.ssb.no/befolkning/folketall/statistikk/befolkning, updated 22 May 2024) and
    # 1.1.2025 = 5 594 340 (https://ssb.no/en/befolkning/statistikker/folkemengde, updated 25 February 2025)
    assert land[2024] == 5550203 and land[2025] == 5594340
    assert bef.aar.max() == int(vintage)


def test_population_of_three_kommuner_1_january_2025():
    bef = kp.lang(_load("kommune/befolkning", "2025"))
    k = bef[(bef.nivaa == "kommune") & (bef.aar == 2025)].groupby("kode").personer.sum()
    assert (k["0301"], k["4601"], k["1151"]) == (724290, 293709, 217)


def test_split_kommuner_start_in_2024():
    bef = _load("kommune/befolkning", "2026")
    for kode in ("1508", "1580"):
        assert bef[(bef.nivaa == "kommune") & (bef.kode == kode)].aar.min() == 2024


def test_national_turnout():
    land = _load("kommune/valg-storting-land").set_index("aar").frammote_prosent
    assert (land[2021], land[2025]) == (77.2, 80.0)
    assert list(_load("kommune/valg-storting-land", "2025").aar) == [2021]


def test_vintage_rule():
    assert set(_load("kommune/kostnadsindeks", "2025").aar) == {2025}
    assert set(_load("kommune/valg-storting", "2025").aar) == {2021}
    assert not (REPO / "data/2025/kommune/robek.csv").exists()
    assert len(_load("kommune/robek")) == 27
    v = _load("kommune/valg-storting")
    assert (v.aar == 2021).sum() == 355 and (v.aar == 2025).sum() == 357
    dki = _load("kommune/kostnadsindeks")
    assert dki.groupby("aar").size().to_dict() == {2025: 354, 2026: 354}  # as the description says
    assert not {"1151", "4629", "3222"} & set(dki.kommunenummer)


def test_maps_are_small():
    size = sum((REPO / "data/felles/kart" / f).stat().st_size for f in ("kommuner-2024.csv", "fylker-2024.csv"))
    assert size < 1_500_000

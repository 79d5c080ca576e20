"""The numbers of a kommune edition, on SYNTHETIC frames small enough to check by hand."""

import pandas as pd
import pytest

from statuskommune import kommuneprofil as kp
from statuskommune.kommuner import Kommune

GRUPPER = ["0–5 år", "6–15 år", "16–19 år", "20–44 år", "45–66 år", "67–79 år", "80–89 år", "90 år og over"]
K = Kommune("9901", "Syntetisk - Synthetic", "99", "Testfylke")
OSLO = Kommune("0301", "Oslo - Oslove", "03", "Oslo")


def _bef(rows):
    """rows: (nivaa, kode, aar, [personer per age group])"""
    out = []
    for nivaa, kode, aar, values in rows:
        for g, v in zip(GRUPPER, values):
            out.append({"nivaa": nivaa, "kode": kode, "navn": kode, "aar": aar, "aldersgruppe": g, "personer": v})
    return pd.DataFrame(out)


BEF = _bef([
    ("kommune", "9901", 2015, [10, 20, 10, 30, 20, 6, 3, 1]),       # 100
    ("kommune", "9901", 2025, [5, 10, 5, 30, 30, 10, 8, 2]),        # 100
    ("fylke", "99", 2015, [100, 200, 100, 300, 200, 60, 30, 10]),   # 1000
    ("fylke", "99", 2025, [100, 200, 100, 320, 240, 80, 40, 20]),   # 1100
    ("land", "0000", 2015, [1000, 2000, 1000, 3000, 2000, 600, 300, 100]),
    ("land", "0000", 2025, [1000, 2000, 1000, 3300, 2300, 800, 400, 200]),
])


def test_the_wide_dataset_in_long_form_row_by_row_and_group_by_group():
    """kommune/befolkning has one column per age group; lang() gives the rows the functions take."""
    wide = pd.DataFrame([{"nivaa": n, "kode": k, "navn": k, "aar": a,
                          **{c: v for (*_, c), v in zip(kp.ALDERSGRUPPER, values)}}
                         for n, k, a, values in [("kommune", "9901", 2015, [10, 20, 10, 30, 20, 6, 3, 1]),
                                                 ("kommune", "9901", 2025, [5, 10, 5, 30, 30, 10, 8, 2]),
                                                 ("fylke", "99", 2015, [100, 200, 100, 300, 200, 60, 30, 10]),
                                                 ("fylke", "99", 2025, [100, 200, 100, 320, 240, 80, 40, 20]),
                                                 ("land", "0000", 2015, [1000, 2000, 1000, 3000, 2000, 600, 300, 100]),
                                                 ("land", "0000", 2025, [1000, 2000, 1000, 3300, 2300, 800, 400, 200])]])
    assert [n for _, _, n, _ in kp.ALDERSGRUPPER] == GRUPPER
    pd.testing.assert_frame_equal(kp.lang(wide), BEF, check_dtype=False)
    with pytest.raises(ValueError, match="personer_90_og_over"):
        kp.lang(wide.drop(columns="personer_90_og_over"))


def test_folketall_sums_the_age_groups_once():
    s = kp.folketall(BEF, kp.Sted("fylke", "99", "Testfylke"))
    assert s.to_dict("records") == [{"aar": 2015, "personer": 1000}, {"aar": 2025, "personer": 1100}]


def test_change_is_none_when_a_year_is_missing_never_guessed():
    st = kp.Sted("kommune", "9901", "Syntetisk")
    assert kp.prosentvis_endring(BEF, kp.Sted("fylke", "99", "x"), 2015, 2025) == pytest.approx(10.0)
    assert kp.prosentvis_endring(BEF, st, 2014, 2025) is None
    only_new = BEF[~((BEF.kode == "9901") & (BEF.aar == 2015))]
    assert kp.prosentvis_endring(only_new, st, 2015, 2025) is None
    idx = kp.indeks(only_new, kp.steder(K, ["9901", "9902"]), 2015, 2025)
    assert "Syntetisk" not in set(idx.sted)  # a place without the base year is left out of the index
    assert set(idx.sted) == {"Testfylke", "Hele landet"}


def test_index_starts_at_100():
    idx = kp.indeks(BEF, kp.steder(K, ["9901", "9902"]), 2015, 2025)
    first = idx[idx.aar == 2015].set_index("sted").indeks
    assert (first == 100).all()
    assert idx[(idx.aar == 2025) & (idx.sted == "Testfylke")].indeks.iloc[0] == pytest.approx(110.0)


def test_places_compare_with_fylke_unless_the_kommune_is_the_fylke():
    assert [s.nivaa for s in kp.steder(K, ["9901", "9902"])] == ["kommune", "fylke", "land"]
    assert [s.nivaa for s in kp.steder(OSLO, ["0301"])] == ["kommune", "land"]
    assert kp.steder(OSLO, ["0301"])[0].navn == "Oslo - Oslove"  # the official name, parallel form included


def test_age_shares_sum_to_100_and_keep_the_group_order():
    a = kp.aldersandeler(BEF, kp.Sted("kommune", "9901", "x"), 2025)
    assert list(a.aldersgruppe) == GRUPPER
    assert a.andel.sum() == pytest.approx(100.0)
    assert a.set_index("aldersgruppe").andel["80–89 år"] == pytest.approx(8.0)


def test_share_80_plus_counts_80_89_and_90_plus():
    e = kp.andel_eldre(BEF, kp.Sted("kommune", "9901", "x"))
    assert e.set_index("aar").andel.to_dict() == {2015: pytest.approx(4.0), 2025: pytest.approx(10.0)}


VALG = pd.DataFrame([
    {"kommunenummer": "9901", "aar": 2021, "stemmeberettigede": 100, "stemmer": 80, "frammote_prosent": 80.0},
    {"kommunenummer": "9902", "aar": 2021, "stemmeberettigede": 300, "stemmer": 210, "frammote_prosent": 70.0},
])
LAND = pd.DataFrame([{"aar": 2021, "stemmeberettigede": 1000, "stemmer": 772, "frammote_prosent": 77.2}])


def test_turnout_of_the_fylke_is_computed_from_counts_not_averaged():
    v = kp.valgdeltakelse(VALG, LAND, K, ["9901", "9902"], 2021)
    assert v == {"kommune": 80.0, "fylke": pytest.approx(72.5), "land": 77.2}  # 290/400, not (80+70)/2


def test_turnout_missing_for_a_kommune_is_none_and_the_fylke_is_not_computed_from_part_of_it():
    v = kp.valgdeltakelse(VALG[VALG.kommunenummer == "9902"], LAND, K, ["9901", "9902"], 2021)
    assert v["kommune"] is None and v["fylke"] is None and v["land"] == 77.2


def test_cost_index_compares_with_the_fylke_and_ranks_in_the_country():
    dki = pd.DataFrame({"kommunenummer": ["9901", "9902", "9903", "0301"], "aar": 2025,
                        "kostnadsindeks": [1.10, 0.95, 1.30, 0.90]})
    v = kp.kostnadsindeks(dki, K, ["9901", "9902", "9903"], 2025)
    assert (v["kommune"], v["laveste"], v["median"], v["hoyeste"]) == (1.10, 0.95, 1.10, 1.30)
    assert v["rang"] == 2 and v["n_land"] == 4 and v["n_fylke"] == 3
    assert kp.kostnadsindeks(dki[dki.kommunenummer != "9901"], K, ["9901", "9902"], 2025)["kommune"] is None


def test_robek_entry_or_none():
    reg = pd.DataFrame({"kommunenummer": ["9901"], "hjemmel": ["a"]})
    assert kp.robek(reg, K)["hjemmel"] == "a"
    assert kp.robek(reg, OSLO) is None
    assert kp.robek(None, K) is None


ALLE = pd.DataFrame([
    # kommune 9901 grows, 9902 shrinks, 9903 exists only from 2025 (split: no earlier value)
    *[{"nivaa": "kommune", "kode": "9901", "aar": a, "aldersgruppe": g, "personer": p}
      for a, p in [(2015, 50), (2024, 55), (2025, 60)] for g in ("20–44 år", "80–89 år")],
    *[{"nivaa": "kommune", "kode": "9902", "aar": a, "aldersgruppe": g, "personer": p}
      for a, p in [(2015, 100), (2024, 90), (2025, 80)] for g in ("20–44 år", "90 år og over")],
    *[{"nivaa": "kommune", "kode": "9903", "aar": 2025, "aldersgruppe": "20–44 år", "personer": 10}],
    {"nivaa": "land", "kode": "0000", "aar": 2025, "aldersgruppe": "20–44 år", "personer": 999},
])


def test_change_per_kommune_leaves_out_kommuner_without_the_first_year():
    e = kp.endring_per_kommune(ALLE, 2015, 2025)
    assert e.to_dict() == {"9901": pytest.approx(20.0), "9902": pytest.approx(-20.0)}


def test_share_80_plus_per_kommune():
    s = kp.andel_eldre_per_kommune(ALLE, 2025)
    assert s.to_dict() == {"9901": pytest.approx(50.0), "9902": pytest.approx(50.0), "9903": 0.0}


def test_share_of_kommuner_that_grew_counts_only_kommuner_with_both_years():
    v = kp.andel_med_vekst(ALLE)
    assert v.to_dict("records") == [{"aar": 2015, "andel": 50.0, "antall": 2},   # 2015→2024 (gap in data)
                                    {"aar": 2024, "andel": 50.0, "antall": 2}]


def test_places_in_a_caption_say_hele_landet_in_lower_case():
    assert kp.i_tittel(kp.steder(K, ["9901", "9902"])) == "Syntetisk - Synthetic, Testfylke og hele landet"

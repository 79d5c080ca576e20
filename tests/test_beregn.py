import math

import pandas as pd
import pytest

from statuskommune import beregn


def test_kjedeindeks_chains_growth_from_base_year():
    d = pd.DataFrame({"aar": [2015, 2016, 2017], "v": [3.5, 2.9, 1.4]})
    ix = beregn.kjedeindeks(d, "aar", "v", 2015).set_index("aar").indeks
    assert ix[2015] == 100
    assert ix[2016] == pytest.approx(102.9)
    assert ix[2017] == pytest.approx(102.9 * 1.014)


def test_kjedeindeks_backwards_and_gaps():
    d = pd.DataFrame({"aar": [2014, 2015, 2016, 2017], "v": [1.0, 10.0, float("nan"), 5.0]})
    ix = beregn.kjedeindeks(d, "aar", "v", 2015).set_index("aar").indeks
    assert ix[2014] == pytest.approx(100 / 1.10)
    assert ix[2016] is None or math.isnan(ix[2016])
    assert ix[2017] is None or math.isnan(ix[2017])  # a break in the chain is never bridged


def test_kjedeindeks_unknown_base():
    with pytest.raises(ValueError, match="basisåret"):
        beregn.kjedeindeks(pd.DataFrame({"aar": [2020], "v": [1.0]}), "aar", "v", 2015)


def test_verdi_requires_exactly_one_row():
    d = pd.DataFrame({"a": [1, 1], "verdi": [2.0, 3.0]})
    with pytest.raises(KeyError):
        beregn.verdi(d, a=1)
    assert beregn.verdi(d.head(1), a=1) == 2.0


def test_endring():
    d = pd.DataFrame({"aar": [2023, 2024], "verdi": [13.2, 11.2]})
    assert beregn.endring(d, "aar", "verdi", 2023, 2024) == pytest.approx(-2.0)
    assert beregn.prosentvis_endring(d, "aar", "verdi", 2023, 2024) == pytest.approx(-15.1515, abs=1e-3)

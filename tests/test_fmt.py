import datetime as dt

import pytest

from statuskommune import fmt

NBSP, MINUS, DASH = "\u00a0", "\u2212", "\u2013"


@pytest.mark.parametrize("x,dec,expected", [
    (1234567.891, 0, f"1{NBSP}234{NBSP}568"),
    (4200, 0, f"4{NBSP}200"),
    (-1234.5, 1, f"{MINUS}1{NBSP}234,5"),
    (-0.3, 1, f"{MINUS}0,3"),
    (0.1, 1, "0,1"),
    (2.25, 1, "2,3"),        # half away from zero, as SSB rounds (babel alone gives 2,2)
    (-2.25, 1, f"{MINUS}2,3"),
    (-0.04, 1, "0,0"),       # never "−0,0"
    (12, 2, "12,00"),
])
def test_tall(x, dec, expected):
    assert fmt.tall(x, dec) == expected


def test_tall_never_ascii_hyphen_or_point():
    for x in (-987654.321, -1.05, -0.5, 3.14159):
        s = fmt.tall(x, 2)
        assert "-" not in s and "." not in s


def test_missing_is_ssb_symbol():
    assert fmt.tall(float("nan")) == ".."


def test_prosent_figure_and_text():
    assert fmt.prosent(12.34) == f"12,3{NBSP}%"
    assert fmt.prosent(-1.25, 1) == f"{MINUS}1,3{NBSP}%"
    assert fmt.prosent(58, 0, tekst=True) == "58 prosent"


def test_prosentpoeng():
    assert fmt.prosentpoeng(-2.0) == f"{MINUS}2,0 prosentpoeng"
    assert fmt.prosentpoeng(1.04, fortegn=True) == "+1,0 prosentpoeng"


def test_periode_uses_en_dash():
    assert fmt.periode(2015, 2024) == f"2015{DASH}2024"


def test_dato():
    assert fmt.dato(dt.date(2025, 3, 7)) == "7. mars 2025"
    assert fmt.dato("2025-03-07", "short") == "07.03.2025"


def test_liste():
    assert fmt.liste(["a", "b", "c"]) == "a, b og c"
    assert fmt.liste(["a"]) == "a"


def test_axis_formatter():
    f = fmt.akseformat(1)
    assert f(-1.5, 0) == f"{MINUS}1,5"
    assert fmt.akseformat(0, prosenttegn=True)(25, 0) == f"25{NBSP}%"


def test_typografi_uses_en_dash_in_ranges_only():
    assert fmt.typografi("1-5 år") == f"1{DASH}5 år"
    assert fmt.typografi("2017-2019") == f"2017{DASH}2019"
    assert fmt.typografi("kommune-Norge") == "kommune-Norge"


@pytest.mark.parametrize("x", [0, 0.0, 0.04, -0.04])
def test_prosentpoeng_zero_has_no_sign(x):
    # «+0,0» would claim a rise where the rounded change is nil; «−0,0» a fall.
    assert fmt.prosentpoeng(x, fortegn=True) == "0,0 prosentpoeng"


def test_prosentpoeng_sign_only_when_asked_and_only_for_rises():
    assert fmt.prosentpoeng(1.04) == "1,0 prosentpoeng"
    assert fmt.prosentpoeng(0.05, fortegn=True) == "+0,1 prosentpoeng"  # rounds up to a rise
    assert fmt.prosentpoeng(-1.5, fortegn=True) == f"{MINUS}1,5 prosentpoeng"
    assert fmt.prosentpoeng(2.345, 2, fortegn=True) == "+2,35 prosentpoeng"


@pytest.mark.parametrize("text", ["2019-10", "2019-10-01", "1-2024", "0301-1"])
def test_typografi_keeps_dates_and_codes(text):
    # Unequal lengths with a part longer than three digits: a date or a code, not a range.
    assert fmt.typografi(text) == text


@pytest.mark.parametrize("text,expected", [
    ("0-22 år", f"0{DASH}22 år"),          # short parts of unequal length: still a range
    ("67-79", f"67{DASH}79"),
    ("10-100 ansatte", f"10{DASH}100 ansatte"),  # three digits at most: still a range
    ("2017 - 2019", f"2017{DASH}2019"),     # spaces around the hyphen go
    ("1-2-3", "1-2-3"),                     # a chain is not a range
    ("-5", "-5"),
    (12, "12"),
])
def test_typografi_ranges(text, expected):
    assert fmt.typografi(text) == expected


def test_tall_rounding_and_missing():
    assert fmt.tall(None) == ".."
    assert fmt.tall(0.5) == "1" and fmt.tall(-0.5) == f"{MINUS}1"  # half away from zero
    assert fmt.tall(1234) == f"1{NBSP}234"                          # grouped also with four digits
    assert fmt.tall(-0.0) == "0"


def test_prosent_uses_nbsp_and_given_decimals():
    assert fmt.prosent(7, 0) == f"7{NBSP}%"
    assert fmt.prosent(7.25, 2, tekst=True) == "7,25 prosent"
    assert fmt.prosent(float("nan")) == f"..{NBSP}%"


def test_liste_edge_cases():
    assert fmt.liste([]) == ""
    assert fmt.liste(["a", "b"]) == "a og b"
    assert fmt.liste(iter(["x", "y", "z"])) == "x, y og z"


def test_dato_long_and_short_from_date_and_string():
    assert fmt.dato("2024-12-31") == "31. desember 2024"
    assert fmt.dato(dt.date(2025, 1, 2), "short") == "02.01.2025"


def test_axis_formatter_groups_and_signs():
    f = fmt.akseformat()
    assert f(12000, None) == f"12{NBSP}000"
    assert f(-3, None) == f"{MINUS}3"
    assert fmt.akseformat(1, prosenttegn=True)(2.5) == f"2,5{NBSP}%"
def test_aarsliste_joins_consecutive_years_as_ranges():
    assert fmt.aarsliste([2015, 2013, 2014, 2020]) == "2013–2015 og 2020"
    assert fmt.aarsliste([2020]) == "2020"
    assert fmt.aarsliste([2019, 2021, 2022]) == "2019 og 2021–2022"
    assert fmt.aarsliste([]) == ""


def test_manglende_aar_is_computed_from_the_data():
    # omdisponering-jord: 2014–2024 with 2020 absent; the caption must name 2020, nothing else
    assert fmt.manglende_aar([2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023, 2024]) == [2020]
    assert fmt.manglende_aar([2019, 2022, 2023]) == [2020, 2021]
    assert fmt.manglende_aar([2015, 2016], fra=2014, til=2017) == [2014, 2017]
    assert fmt.manglende_aar([]) == []

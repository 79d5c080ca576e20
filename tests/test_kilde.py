"""One «Kilde» line per figure, with each source named once (issue 13, §4)."""

from types import SimpleNamespace

from statuskommune.chapter import Figur, join_kilder


def _figure_with_sources(*kilder: str) -> Figur:
    f = Figur.__new__(Figur)  # only the sources matter for the Kilde line
    f.sources = [SimpleNamespace(kilde=k) for k in kilder]
    return f


def test_a_source_given_with_and_without_its_parenthesis_is_named_once():
    f = _figure_with_sources("TBU, mars 2025 (SSB/KOSTRA og KS)", "TBU, mars 2025")
    assert f.kilde == "TBU, mars 2025 (SSB/KOSTRA og KS)"
    assert _figure_with_sources("TBU, mars 2025", "TBU, mars 2025 (SSB/KOSTRA og KS)").kilde == \
        "TBU, mars 2025 (SSB/KOSTRA og KS)"


def test_two_parentheses_for_one_source_are_merged_and_other_sources_kept_in_order():
    line = join_kilder(["TBU og KS, mars 2024", "TBU, mars 2025 (SSB/KOSTRA og KS)",
                        "TBU, mars 2025 (SSB og Finansdepartementet)"])
    assert line == "TBU og KS, mars 2024; TBU, mars 2025 (SSB/KOSTRA og KS; SSB og Finansdepartementet)"
    assert line.count("TBU, mars 2025") == 1


def test_identical_and_distinct_sources():
    assert join_kilder(["SSB, tabell 12041", "SSB,  tabell 12041"]) == "SSB, tabell 12041"
    assert join_kilder(["Ipsos for KS, 2019 og 2023", "SSB, tabell 1"]) == "Ipsos for KS, 2019 og 2023; SSB, tabell 1"
    assert join_kilder(["A (x) og B (y)"]) == "A (x) og B (y)"

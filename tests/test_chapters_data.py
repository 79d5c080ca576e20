"""Rules for the thematic chapters 3–6 (velferd, samfunn, klima, beredskap) that a reader relies on.

Chapter 2 still has year-bearing keys (its owner converts them); widen ``CHAPTERS`` when it is done.
"""

import json
import re

import pytest

from statuskommune import config, coverage

CHAPTERS = ("03-velferd", "04-arbeid-og-samfunn", "05-gronn-framtid", "06-trygt-samfunn")


@pytest.mark.e2e
def test_number_keys_mean_latest_not_a_typed_year(built_report):
    """A key such as ``ros_2024`` keeps quoting 2024 after the 2025 survey arrives; keys say
    «siste»/«forste» and the year is a computed key of its own."""
    root, _ = built_report
    bad = []
    for ch in CHAPTERS:
        nums = json.loads((root / "figures" / "2025" / ch / "manifest.json").read_text())["numbers"]
        bad += [f"{ch}: {k}" for k in nums if re.search(r"(19|20)\d\d", k)]
    assert not bad, "Tallnøkler med årstall: " + ", ".join(bad)


@pytest.mark.e2e
def test_captions_name_the_missing_years_the_data_lacks(built_report):
    """Issue 12: the caption of omdisponering-jord said 2023–2024 were missing while 2020 was."""
    root, _ = built_report
    figs = {f["id"]: f for f in json.loads((root / "figures" / "2025" / "05-gronn-framtid" / "manifest.json").read_text())["figures"]}
    cap = figs["omdisponering-jord"]["tittel"]
    assert "2020 mangler" in cap and "2023–2024 mangler" not in cap, cap


def test_partial_figure_gets_the_editors_note_and_its_own_statement(repo):
    """A partially reproduced figure's coverage note comes from chapters/_dekning-<edition>.yml
    (what the previous edition's figure had), followed by what our figure shows."""
    ed = config.load(repo, "2025")
    note = coverage.notes(ed)["4.2"]
    figures = [{"id": "barnehagedekning", "reproduserer": "4.2", "delvis": "Viser ettåringer.",
                "number": "4.1", "page": "04-arbeid-og-samfunn.html"}]
    row = next(r for r in coverage.compute(ed, figures).rows if r.figur == "4.2")
    assert row.status == "delvis"
    assert row.merknad == f"{note}; Viser ettåringer."

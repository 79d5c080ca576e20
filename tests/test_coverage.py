"""The coverage report and the table of figures come from one registry and agree with the report."""

import json
import re

import pytest
from bs4 import BeautifulSoup

from statuskommune import config, coverage

pytestmark = pytest.mark.e2e


def test_coverage_lists_all_152_figures_with_a_status_and_a_reason(built_report):
    root, _ = built_report
    ed = config.load(root, "2025")
    staged = json.loads((root / "_build" / "2025" / "stage" / "stage.json").read_text())
    cov = coverage.compute(ed, staged["figures"])
    assert cov.total == 152
    assert [r.figur for r in cov.rows][:3] == ["2.1", "2.2", "2.3"]
    assert {r.status for r in cov.rows} <= {"gjengitt", "delvis", "ikke"}
    per = cov.per_chapter()
    assert sum(per[2].values()) == 60 and sum(per[6].values()) == 7
    for r in cov.rows:
        if r.status == "ikke":
            assert r.merknad and not r.ours, r.figur
            assert r.kilde, r.figur  # the source the figure needs
        else:
            assert r.ours, r.figur
        if r.status == "delvis":
            assert r.merknad, r.figur  # what is missing
    # every figure that claims to reproduce one is counted
    claimed = {f["reproduserer"] for f in staged["figures"] if f.get("reproduserer")}
    assert claimed == {r.figur for r in cov.rows if r.status != "ikke"}


def test_target_figure_counts(built_report):
    root, _ = built_report
    staged = json.loads((root / "_build" / "2025" / "stage" / "stage.json").read_text())
    per = {}
    for f in staged["figures"]:
        per[f["chapter"]] = per.get(f["chapter"], 0) + 1
    assert sum(per.values()) >= 40
    for ch in ("02-lokaldemokrati", "03-velferd", "04-arbeid-og-samfunn", "05-gronn-framtid", "06-trygt-samfunn"):
        assert per.get(ch, 0) >= 4, ch


def test_html_figure_list_and_coverage_page(built_report):
    root, res = built_report
    soup = BeautifulSoup((res.out_dir / "figurer.html").read_text(encoding="utf-8"), "html.parser")
    tables = soup.find_all("table")
    staged = json.loads((root / "_build" / "2025" / "stage" / "stage.json").read_text())
    assert len(tables) == 1, "the readers' figure list must not carry the coverage table"
    assert len(tables[0].find("tbody").find_all("tr")) == len(staged["figures"])
    # the coverage of the previous edition is for editors: on the web page «Datagrunnlag», not in the PDF
    soup = BeautifulSoup((res.out_dir / "datagrunnlag.html").read_text(encoding="utf-8"), "html.parser")
    cov = soup.find_all("table")[-1]
    assert len(cov.find("tbody").find_all("tr")) == 152
    # each "Vår figur" link points at a figure that exists on its page
    for a in cov.find_all("a", href=True):
        page, _, anchor = a["href"].partition("#")
        target = BeautifulSoup((res.out_dir / page).read_text(encoding="utf-8"), "html.parser")
        assert target.find(id=anchor), a["href"]


def test_cli_coverage_csv(built_report, monkeypatch, capsys):
    from click.testing import CliRunner

    from statuskommune.cli import main

    root, _ = built_report
    monkeypatch.setenv("STATUSKOMMUNE_ROOT", str(root))
    r = CliRunner().invoke(main, ["coverage", "--format", "csv"])
    assert r.exit_code == 0, r.output
    lines = [l for l in r.output.splitlines() if re.match(r"^[2-6]\.\d", l)]
    assert len(lines) == 152

"""Edition diff (issue 12 §1): on the two real vintages and on small SYNTHETIC ones."""

import os
import subprocess
import sys

from statuskommune import diff
from synthetic import FIELDS, write_dataset


def _vintage_2024(project, rows_a, rows_b=None, header_a=("aar", "verdi"), fields_a=FIELDS):
    """A SYNTHETIC earlier vintage beside the synthetic project's 2025 vintage."""
    write_dataset(project, "2024/syntetisk/a", list(header_a), rows_a, fields_a, ["aar"])
    if rows_b is not None:
        write_dataset(project, "2024/syntetisk/b", ["aar", "verdi"], rows_b, FIELDS, ["aar"])
    (project / "_quarto-2024.yml").write_text('statuskommune: {edition: 2024, vintage: "2024"}\n', encoding="utf-8")


def test_revision_added_year_and_removed_series(project):
    # 2025 holds a = 1.5, 2.5, −0.5 (2022–2024) and b; 2024 held a = 1.5, 2.0 (2022–2023) and c.
    _vintage_2024(project, [[2022, 1.5], [2023, 2.0]])
    write_dataset(project, "2024/syntetisk/c", ["aar", "verdi"], [[2022, 3.0]], FIELDS, ["aar"])
    changes = diff.compare_vintages(project, "2024", "2025")
    kinds = {(c.kind, c.what, c.where) for c in changes}
    assert ("revidert", "syntetisk/a", "aar=2023") in kinds
    rev = next(c for c in changes if c.kind == "revidert")
    assert (rev.old, rev.new, rev.delta) == (2.0, 2.5, 0.5)
    assert ("ny-rad", "syntetisk/a", "aar=2024") in kinds
    assert ("fjernet-datasett", "syntetisk/c", "SYNTETISK testdata c") in kinds
    assert ("nytt-datasett", "syntetisk/b", "SYNTETISK testdata b") in kinds
    assert not [c for c in changes if c.kind == "revidert" and c.where == "aar=2022"], "unchanged value reported"


def test_renamed_column_is_reported_not_a_crash(project):
    fields = [FIELDS[0], dict(FIELDS[1], name="andel")]
    _vintage_2024(project, [[2022, 1.5], [2023, 2.5]], header_a=("aar", "andel"), fields_a=fields)
    changes = diff.compare_vintages(project, "2024", "2025")
    kinds = {(c.kind, c.what, c.where) for c in changes}
    assert ("ny-kolonne", "syntetisk/a", "verdi") in kinds
    assert ("fjernet-kolonne", "syntetisk/a", "andel") in kinds


def test_missing_symbols_are_not_numbers():
    old = [{"aar": "2023", "verdi": ".."}]
    new = [{"aar": "2023", "verdi": "4.1"}]
    ch = diff.compare_tables("x", ["aar"], ["aar", "verdi"], old, ["aar", "verdi"], new, ["verdi"])
    assert [(c.kind, c.old, c.new, c.delta) for c in ch] == [("revidert", None, 4.1, None)]


def test_figures_and_numbers_compared_from_manifests():
    old = {"02": {"figures": [{"id": "a", "tittel": "A, 2023", "csv": "a.csv"}, {"id": "gone", "tittel": "G", "csv": "g.csv"}],
                  "numbers": {"ndr": {"tekst": "1,5 prosent"}, "same": {"tekst": "3"}}}}
    new = {"02": {"figures": [{"id": "a", "tittel": "A, 2024", "csv": "a.csv"}, {"id": "ny", "tittel": "N", "csv": "n.csv"}],
                  "numbers": {"ndr": {"tekst": "1,3 prosent"}, "same": {"tekst": "3"}}}}
    got = {(c.kind, c.what) for c in diff.compare_outputs(old, new)}
    assert got == {("endret-figur", "a"), ("fjernet-figur", "gone"), ("ny-figur", "ny"), ("endret-tall", "ndr")}


def test_real_vintages_show_tbu_revisions_of_2023(repo):
    d = diff.Diff("2024", "2025", diff.compare_vintages(repo, "2024", "2025"))
    rev = {c.where: (c.old, c.new) for c in d.of("revidert")}
    assert rev["Netto driftsresultat, kommunesektoren, 2023 (prosent av driftsinntektene)"] == (1.5, 1.3)
    assert rev["Kommunal deflator, 2023 (prosentvis endring)"] == (4.5, 4.3)
    text = diff.as_text(d)
    assert "1,5 → 1,3 (\u22120,2)" in text and "4,5 → 4,3 (\u22120,2)" in text
    csv_out = diff.as_csv(d)
    assert csv_out.splitlines()[0] == "endring,gjelder,hvor,gammel,ny,differanse"


def test_cli_diff_formats(project):
    _vintage_2024(project, [[2022, 1.5], [2023, 2.0]], [[2022, 10], [2023, 12]])
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(project))
    for f, probe in (("text", "Revidert verdi: syntetisk/a – aar=2023: 2,0 → 2,5 (+0,5)"),
                     ("csv", "revidert,syntetisk/a,aar=2023,2.0,2.5,0.5"),
                     ("html", '<html lang="nb">')):
        p = subprocess.run([sys.executable, "-m", "statuskommune", "diff", "2024", "2025", "--format", f, "-q"],
                           cwd=project, env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert probe in p.stdout, (f, p.stdout[:500])


def test_2025_edition_has_the_changes_appendix(built_report):
    root, res = built_report
    page = (res.out_dir / "endringer.html").read_text(encoding="utf-8")
    assert "Hva er endret siden forrige utgave" in page
    assert "1,5" in page and "1,3" in page and "\u22120,2" in page
    assert 'href="endringer.html"' in (res.out_dir / "index.html").read_text(encoding="utf-8")

"""Which kommune a user means (``--kommune``), against the real code list (SSB KLASS 131, 2024),
and where a kommune edition goes."""

import pytest

from statuskommune import config, kommuner, publish
from statuskommune.kommuner import UkjentKommuneError


def test_code_list_has_the_357_kommuner(repo):
    alle = kommuner.alle(repo)
    assert len(alle) == 357
    assert len({k.nr for k in alle}) == 357


@pytest.mark.parametrize("tekst,nr", [("4601", "4601"), ("Bergen", "4601"), ("bergen", "4601"), ("1151", "1151"),
                                      ("Oslove", "0301"), ("301", "0301")])
def test_a_number_or_a_name_finds_the_kommune(repo, tekst, nr):
    assert kommuner.finn(repo, tekst).nr == nr


def test_unknown_number_names_the_nearest_valid_kommuner(repo):
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "9999")
    msg = str(e.value)
    assert "9999" in msg and "Nærmeste kommunenumre" in msg
    nearest = max(k.nr for k in kommuner.alle(repo))
    assert nearest in msg  # the highest kommunenummer is the nearest to 9999


def test_pre_2024_number_names_the_new_number(repo):
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "3001")
    assert "3101" in str(e.value) and "Halden" in str(e.value) and "1. januar 2024" in str(e.value)


def test_split_kommune_names_both_new_kommuner(repo):
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "1507")
    assert "1508" in str(e.value) and "1580" in str(e.value) and "delt" in str(e.value)


def test_a_name_that_is_not_a_kommune_suggests_similar_names(repo):
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "abc")
    assert "«abc»" in str(e.value)
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "Bergn")
    assert "4601 Bergen" in str(e.value)


def test_two_kommuner_with_the_same_name_ask_for_the_number(repo):
    with pytest.raises(UkjentKommuneError) as e:
        kommuner.finn(repo, "Herøy")
    assert "1515" in str(e.value) and "1818" in str(e.value)


def test_selection_all_and_lists(repo):
    assert len(kommuner.velg(repo, "all")) == 357
    assert [k.nr for k in kommuner.velg(repo, "4601, 1151,4601")] == ["4601", "1151"]
    with pytest.raises(UkjentKommuneError):
        kommuner.velg(repo, " , ")


def test_kommune_edition_has_its_own_title_paths_and_pdf(repo):
    ed = kommuner.load(repo, "2025", "4601")
    assert ed.title == "Status Kommune 2025 – Bergen"
    assert ed.book_dir == repo / "_book" / "2025" / "kommuner" / "4601"
    assert ed.pdf_name == "statuskommune-2025-4601.pdf"
    assert ed.figures_dir == repo / "figures" / "2025" / "kommuner" / "4601"
    assert ed.cache_name == "2025/kommuner/4601"
    assert ed.kommune == "4601" and ed.vintage == "2025"
    assert [p.name for p in ed.chapters] == ["index.qmd"]
    assert ed.notebook_for(ed.chapters[0]).name == "kommune.ipynb"
    assert ed.previous_edition is None  # «Hva er endret» is the national edition's page
    nat = config.load(repo, "2025")
    assert nat.keep_published == ["kommuner"] and ed.keep_published == []


def test_national_publish_keeps_the_kommune_editions(tmp_path):
    target = tmp_path / "_book" / "2025"
    (target / "kommuner" / "4601").mkdir(parents=True)
    (target / "kommuner" / "4601" / "index.html").write_text("Bergen")
    (target / "index.html").write_text("gammel")
    built = publish.staging_dir(target)
    (built / "index.html").write_text("ny")
    publish.keep(target, built, ["kommuner"])
    publish.publish(built, target)
    assert (target / "index.html").read_text() == "ny"
    assert (target / "kommuner" / "4601" / "index.html").read_text() == "Bergen"

"""Bad data must stop the build before any notebook runs, naming file, row and column."""

import hashlib
import re

import pytest
import yaml

from statuskommune import datasets, validate
from statuskommune.errors import DataValidationError
from synthetic import write_dataset


def _desc(csv):
    return csv.with_name(csv.stem + ".resource.yaml")


def _rehash(csv):
    d = yaml.safe_load(_desc(csv).read_text())
    d["hash"] = "sha256:" + hashlib.sha256(csv.read_bytes()).hexdigest()
    _desc(csv).write_text(yaml.safe_dump(d, allow_unicode=True))


def _problems(root):
    with pytest.raises(DataValidationError) as e:
        validate.validate(root, "2025")
    return e.value.problems


def test_synthetic_project_is_valid(project):
    found = validate.validate(project, "2025")
    assert {d.name for d in found} == {"syntetisk/a", "syntetisk/b"}


def test_real_data_is_valid(repo):
    for v in datasets.vintages(repo):
        assert validate.validate(repo, v)


def test_malformed_csv(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.5\n2023,2.5,9\n2024\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert any("a.csv, rad 3" in x and "flere celler" in x for x in p), p
    assert any("a.csv, rad 4" in x and "for få celler" in x for x in p), p


def test_wrong_encoding(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_bytes("aar,verdi\n2022,1.5\n".encode("utf-8") + "# Tr\u00f8ndelag\n".encode("latin-1"))
    _rehash(csv)
    p = _problems(project)
    assert any("a.csv" in x and "UTF-8" in x for x in p), p


def test_missing_column(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar\n2022\n2023\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert any("a.csv" in x and "«verdi»" in x and "mangler" in x for x in p), p


def test_wrong_type_names_row_and_column(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.5\n2023,to\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert any(re.search(r"data/2025/syntetisk/a\.csv, rad 3, kolonne «verdi»: verdien «to» har feil type", x) for x in p), p


def test_duplicated_key(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.5\n2022,2.5\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert any("a.csv, rad 3" in x and "ikke unik" in x for x in p), p


def test_out_of_range_value(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.5\n2023,250\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert any("a.csv, rad 3, kolonne «verdi»" in x and "250" in x for x in p), p


def test_file_without_description(project):
    (project / "data/2025/syntetisk/c.csv").write_text("aar,verdi\n2022,1\n", encoding="utf-8")
    p = _problems(project)
    assert any("data/2025/syntetisk/c.csv: mangler beskrivelse" in x for x in p), p


def test_description_without_file(project):
    (project / "data/2025/syntetisk/a.csv").unlink()
    p = _problems(project)
    assert any("a.resource.yaml: beskriver a.csv, som ikke finnes" in x for x in p), p


def test_checksum_mismatch(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text(csv.read_text().replace("2.5", "2.6"), encoding="utf-8")  # edited after describing
    p = _problems(project)
    assert any("a.csv" in x and "sjekksummen stemmer ikke" in x for x in p), p


def test_unknown_county_code(project):
    write_dataset(project, "felles/koder/fylker", ["kode", "navn"], [["03", "Oslo"], ["46", "Vestland"]],
                  [{"name": "kode", "type": "string"}, {"name": "navn", "type": "string"}], ["kode"])
    write_dataset(project, "2025/syntetisk/fylke", ["fylke", "verdi"], [["03", 1.0], ["12", 2.0]],
                  [{"name": "fylke", "type": "string"}, {"name": "verdi", "type": "number"}], ["fylke"],
                  extra_schema={"foreignKeys": [{"fields": ["fylke"], "reference": {"resource": "felles/koder/fylker", "fields": ["kode"]}}]})
    p = _problems(project)
    assert any("fylke.csv, rad 3" in x and "ukjent kode" in x and "12" in x for x in p), p


def test_missing_provenance(project):
    d = yaml.safe_load(_desc(project / "data/2025/syntetisk/a.csv").read_text())
    del d["provenance"]["copied_from"]
    _desc(project / "data/2025/syntetisk/a.csv").write_text(yaml.safe_dump(d))
    p = _problems(project)
    assert any("provenance.copied_from mangler" in x for x in p), p


def test_ssb_missing_symbols_are_missing_never_zero(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,..\n2023,:\n2024,.\n2025,4\n", encoding="utf-8")
    _rehash(csv)
    validate.validate(project, "2025")  # the symbols are valid "no value"
    df = datasets.load("syntetisk/a", "2025", project)
    assert df["verdi"].isna().tolist() == [True, True, True, False]
    assert df["verdi"].sum() == 4


def test_all_problems_reported_at_once(project):
    (project / "data/2025/syntetisk/c.csv").write_text("aar\n1\n", encoding="utf-8")
    csv = project / "data/2025/syntetisk/b.csv"
    csv.write_text("aar,verdi\n2022,x\n", encoding="utf-8")
    _rehash(csv)
    p = _problems(project)
    assert len(p) >= 2


def test_validation_cache_detects_change(project, tmp_path):
    cache = tmp_path / "cache"
    validate.validate(project, "2025", cache_dir=cache)
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,x\n", encoding="utf-8")
    _rehash(csv)
    with pytest.raises(DataValidationError):
        validate.validate(project, "2025", cache_dir=cache)


def test_rehash_updates_descriptions(project):
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.0\n", encoding="utf-8")
    changed = validate.rehash(project, "2025")
    assert [p.name for p in changed] == ["a.resource.yaml"]
    validate.validate(project, "2025")


def test_every_real_dataset_names_a_source(repo):
    for v in datasets.vintages(repo):
        for d in datasets.all_datasets(repo, v):
            p = d.provenance
            assert p.get("publisher") and p.get("original") and p.get("copied_from"), d.name
            assert "SYNTETISK" not in d.title.upper(), d.name

"""Bad data must stop the build before any notebook runs, naming file, row and column."""

import hashlib
import json
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
    assert sorted(p) == sorted([
        "data/2025/syntetisk/c.csv: mangler beskrivelse (c.resource.yaml); hver CSV trenger en.",
        "data/2025/syntetisk/b.csv, rad 2, kolonne «verdi»: verdien «x» har feil type (ventet tall)",
    ])


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


def _edit_desc(project, fn, name="a"):
    path = project / f"data/2025/syntetisk/{name}.resource.yaml"
    d = yaml.safe_load(path.read_text())
    fn(d)
    path.write_text(yaml.safe_dump(d, allow_unicode=True))


@pytest.mark.parametrize("key", ["publisher", "original", "kilde", "retrieved", "copied_from"])
@pytest.mark.parametrize("blank", ["", "   ", None])
def test_blank_provenance_is_missing(project, key, blank):
    _edit_desc(project, lambda d: d["provenance"].__setitem__(key, blank))
    assert _problems(project) == [f"data/2025/syntetisk/a.resource.yaml: provenance.{key} mangler"]


def test_description_without_hash(project):
    _edit_desc(project, lambda d: d.pop("hash"))
    p = _problems(project)
    assert any(x.startswith("data/2025/syntetisk/a.resource.yaml: hash (sha256:…) mangler") for x in p), p


def test_hash_of_another_kind_is_not_accepted(project):
    _edit_desc(project, lambda d: d.__setitem__("hash", "md5:" + "0" * 32))
    p = _problems(project)
    assert any("a.resource.yaml: hash (sha256:…) mangler" in x for x in p), p


def test_description_without_schema_fields(project):
    _edit_desc(project, lambda d: d["schema"].__setitem__("fields", []))
    p = _problems(project)
    assert "data/2025/syntetisk/a.resource.yaml: schema.fields mangler" in p, p


def test_description_without_schema(project):
    _edit_desc(project, lambda d: d.pop("schema"))
    p = _problems(project)
    assert "data/2025/syntetisk/a.resource.yaml: schema.fields mangler" in p, p


def test_description_without_licenses(project):
    _edit_desc(project, lambda d: d.pop("licenses"))
    assert _problems(project) == ["data/2025/syntetisk/a.resource.yaml: licenses mangler"]


def test_ssb_missing_symbols_are_declared_by_default(project):
    """A description that does not list missingValues still accepts SSB's symbols as "no value"."""
    _edit_desc(project, lambda d: d["schema"].pop("missingValues"))
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,..\n2023,:\n2024,.\n2025,\n2026,4\n", encoding="utf-8")
    _rehash(csv)
    assert validate.validate(project, "2025")
    df = datasets.load("syntetisk/a", "2025", project)
    assert df["verdi"].isna().tolist() == [True, True, True, True, False]


def test_a_declared_missing_value_list_is_respected(project):
    """A dataset that declares its own list (here: no symbols) does not get SSB's added."""
    _edit_desc(project, lambda d: d["schema"].__setitem__("missingValues", [""]))
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,..\n", encoding="utf-8")
    _rehash(csv)
    assert _problems(project) == ["data/2025/syntetisk/a.csv, rad 2, kolonne «verdi»: verdien «..» har feil type (ventet tall)"]


@pytest.mark.parametrize("typ,cell,expected", [("integer", "1.5", "heltall"), ("number", "x", "tall")])
def test_type_error_names_the_expected_type(project, typ, cell, expected):
    """Regression (issue 12): the message said «ventet )» with no type."""
    _edit_desc(project, lambda d: d["schema"]["fields"][1].__setitem__("type", typ))
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text(f"aar,verdi\n2022,{cell}\n", encoding="utf-8")
    _rehash(csv)
    assert _problems(project) == [
        f"data/2025/syntetisk/a.csv, rad 2, kolonne «verdi»: verdien «{cell}» har feil type (ventet {expected})"]


BAD_YAML = "name: a\ntitle: [ikke lukket\nschema: {}\n"


def test_bad_yaml_names_file_and_line(project):
    (project / "data/2025/syntetisk/a.resource.yaml").write_text(BAD_YAML, encoding="utf-8")
    p = _problems(project)
    assert len(p) == 1, p
    assert re.fullmatch(r"data/2025/syntetisk/a\.resource\.yaml, linje 3: ugyldig YAML \(.+\); "
                        r"beskrivelsen kan ikke leses", p[0]), p


def test_bad_yaml_without_its_csv_is_reported_once(project):
    (project / "data/2025/syntetisk/a.csv").unlink()
    (project / "data/2025/syntetisk/a.resource.yaml").write_text(BAD_YAML, encoding="utf-8")
    p = _problems(project)
    assert len(p) == 1 and "a.resource.yaml, linje 3: ugyldig YAML" in p[0], p


def test_description_that_is_not_a_mapping(project):
    (project / "data/2025/syntetisk/a.resource.yaml").write_text("- bare\n- en liste\n", encoding="utf-8")
    p = _problems(project)
    assert p == ["data/2025/syntetisk/a.resource.yaml: beskrivelsen kan ikke leses: beskrivelsen er ikke et YAML-objekt"]


@pytest.mark.parametrize("command", [["check"], ["build", "--quiet"]])
def test_cli_bad_yaml_is_a_clear_error_and_publishes_nothing(project, command):
    """Issue 12 §4: no traceback, file and line named, exit code 1, no _book."""
    import os
    import subprocess
    import sys

    (project / "data/2025/syntetisk/b.resource.yaml").write_text(BAD_YAML, encoding="utf-8")
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(project))
    r = subprocess.run([sys.executable, "-m", "statuskommune", *command], cwd=project, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "data/2025/syntetisk/b.resource.yaml, linje 3: ugyldig YAML" in r.stderr, r.stderr
    assert not (project / "_book").exists()
    assert not (project / "_build" / "2025" / "notebooks").exists()  # no notebook ran


def test_validation_cache_is_per_fingerprint(project, tmp_path):
    cache = tmp_path / "cache"
    assert validate.validate(project, "2025", cache_dir=cache)  # first run: the datasets
    assert validate.validate(project, "2025", cache_dir=cache) is None  # unchanged: cache hit
    (cache / "validation-2025.json").write_text("ikke json")
    assert validate.validate(project, "2025", cache_dir=cache)  # a broken cache file is ignored


def test_rehash_adds_a_missing_hash_line_and_leaves_correct_ones(project):
    desc = project / "data/2025/syntetisk/a.resource.yaml"
    text = desc.read_text()
    desc.write_text("\n".join(l for l in text.splitlines() if not l.startswith("hash:")) + "\n")
    assert validate.rehash(project, "2025") == [desc]
    assert desc.read_text().rstrip("\n").splitlines()[-1] == \
        "hash: sha256:" + hashlib.sha256((project / "data/2025/syntetisk/a.csv").read_bytes()).hexdigest()
    assert validate.rehash(project, "2025") == []  # nothing to change
    assert validate.validate(project, "2025")


def test_rehash_skips_a_csv_without_description(project):
    (project / "data/2025/syntetisk/c.csv").write_text("aar\n1\n", encoding="utf-8")
    assert validate.rehash(project) == []
    assert not (project / "data/2025/syntetisk/c.resource.yaml").exists()


def test_unknown_error_kind_is_still_reported_with_its_place():
    class E:
        type, message, row_number, field_name = "row-constraint", "regelen brytes", 4, None

    assert validate._describe_error("data/x.csv", E()) == "data/x.csv, rad 4: row-constraint: regelen brytes"


def test_expected_type_from_the_note_when_the_field_is_unknown():
    class E:
        type, field_name, note, cell = "type-error", "ukjent", 'type is "integer/default"', "x"

    assert validate._expected_type(E(), None) == "heltall"
    E.note = ""
    assert validate._expected_type(E(), None) == "en annen type"


def test_validation_cache_follows_every_data_file(project, tmp_path):
    fp = validate._fingerprint(project, "2025")
    assert validate._fingerprint(project, "2025") == fp
    desc = project / "data/2025/syntetisk/b.resource.yaml"
    desc.write_text(desc.read_text() + "\n")
    assert validate._fingerprint(project, "2025") != fp
    fp2 = validate._fingerprint(project, "2025")
    (project / "data/2025/syntetisk/b.resource.yaml").rename(project / "data/2025/syntetisk/b2.resource.yaml")
    assert validate._fingerprint(project, "2025") != fp2  # names count, not only bytes


def test_foreign_key_to_a_shared_code_list_is_accepted(project):
    write_dataset(project, "felles/koder/fylker", ["kode", "navn"], [["03", "Oslo"], ["46", "Vestland"]],
                  [{"name": "kode", "type": "string"}, {"name": "navn", "type": "string"}], ["kode"])
    write_dataset(project, "2025/syntetisk/Fylke", ["fylke", "verdi"], [["03", 1.0], ["46", 2.0]],
                  [{"name": "fylke", "type": "string"}, {"name": "verdi", "type": "number"}], ["fylke"],
                  extra_schema={"foreignKeys": [{"fields": ["fylke"], "reference": {"resource": "felles/koder/fylker", "fields": ["kode"]}}]})
    names = {d.name for d in validate.validate(project, "2025")}
    assert {"felles/koder/fylker", "syntetisk/Fylke"} <= names


@pytest.mark.parametrize("text,line", [("name: a\n title: x\n", 2), ("name: a: b\n", 1), ("a: 1\nb: 2\nc: 3\nd: [x\n", 5)])
def test_bad_yaml_line_is_the_editors_line(project, text, line):
    (project / "data/2025/syntetisk/a.resource.yaml").write_text(text, encoding="utf-8")
    p = _problems(project)
    assert len(p) == 1 and p[0].startswith(f"data/2025/syntetisk/a.resource.yaml, linje {line}: ugyldig YAML"), p


def test_expected_type_comes_from_the_errors_own_field():
    from statuskommune.datasets import Dataset

    fields = [{"name": "ab", "type": "integer"}, {"name": "b", "type": "number"}, {"name": "c"}]
    dset = Dataset("x", None, None, {"schema": {"fields": fields}})

    class E:
        note = ""
        field_name = "".join(["a", "b"])  # not the same object as the schema's string

    assert validate._expected_type(E(), dset) == "heltall"
    E.field_name = "c"
    assert validate._expected_type(E(), dset) == "tekst"  # no type: a string


def test_every_csv_is_checked_after_one_without_description(project):
    (project / "data/2025/syntetisk/0-ny.csv").write_text("aar\n1\n", encoding="utf-8")  # sorts first
    _edit_desc(project, lambda d: d.pop("licenses"), name="b")
    p = _problems(project)
    assert "data/2025/syntetisk/b.resource.yaml: licenses mangler" in p, p
    assert any(x.startswith("data/2025/syntetisk/0-ny.csv: mangler beskrivelse") for x in p), p


def test_rehash_after_a_csv_without_description(project):
    (project / "data/2025/syntetisk/0-ny.csv").write_text("aar\n1\n", encoding="utf-8")  # sorts first
    csv = project / "data/2025/syntetisk/a.csv"
    csv.write_text("aar,verdi\n2022,1.0\n", encoding="utf-8")
    assert [p.name for p in validate.rehash(project, "2025")] == ["a.resource.yaml"]


@pytest.mark.parametrize("old", ["0" * 64, "f" * 64])
def test_rehash_writes_whatever_the_old_hash_was(project, old):
    _edit_desc(project, lambda d: d.__setitem__("hash", "sha256:" + old))
    assert [p.name for p in validate.rehash(project, "2025")] == ["a.resource.yaml"]
    assert validate.validate(project, "2025")


def test_package_level_problem_is_reported(project):
    """Two datasets whose names differ only in case collide in the data package: reported, not lost."""
    from synthetic import FIELDS

    write_dataset(project, "2025/syntetisk/A", ["aar", "verdi"], [[2022, 1.0]], FIELDS, ["aar"])
    p = _problems(project)
    assert len(p) == 1 and p[0].startswith("datapakke: ") and "not unique" in p[0], p


def test_validation_cache_folder_is_created_with_its_parents(project, tmp_path):
    cache = tmp_path / "_build" / "cache"  # a fresh clone has no _build yet
    assert validate.validate(project, "2025", cache_dir=cache)
    assert json.loads((cache / "validation-2025.json").read_text())["fingerprint"] == validate._fingerprint(project, "2025")


def test_read_frame_gives_each_caller_its_own_copy_and_sees_changed_files(project):
    """A parsed dataset is reused within a process, but a caller's change never reaches the next
    caller, and a changed file is read again."""
    from statuskommune import datasets as ds_mod

    d = ds_mod.resolve(project, "syntetisk/a", "2025")
    first = ds_mod.read_frame(d)
    col = first.columns[-1]
    first[col] = None
    again = ds_mod.read_frame(d)
    assert again[col].notna().any()
    assert again.attrs["dataset"] == "syntetisk/a"
    text = d.csv.read_text(encoding="utf-8")
    d.csv.write_text(text.rstrip("\n").rsplit("\n", 1)[0] + "\n", encoding="utf-8")  # drop the last row
    assert len(ds_mod.read_frame(d)) == len(again) - 1

"""The chapter cache's freshness rules, one by one, on the SYNTHETIC project (no kernel)."""

import json
import shutil

import pytest

from statuskommune import cache as cache_mod
from statuskommune import datasets as ds_mod
from statuskommune.cache import Cache


@pytest.fixture
def setup(project):
    """A chapter that ran once: outputs, executed notebook, and its cache record."""
    nb = project / "notebooks" / "01-a.ipynb"
    out = project / "figures" / "2025" / "01-a"
    out.mkdir(parents=True)
    (out / "serie-a.svg").write_text("<svg/>")
    (out / "manifest.json").write_text("{}")
    executed = project / "_build" / "2025" / "notebooks" / "01-a.ipynb"
    executed.parent.mkdir(parents=True)
    executed.write_text("{}")
    params = {"edition": 2025, "vintage": "2025", "data_dir": str(project / "data"), "output_dir": str(out)}
    key = cache_mod.static_key(project, nb, params)
    lib = cache_mod.module_hashes([cache_mod.PACKAGE_DIR / "fmt.py", cache_mod.PACKAGE_DIR / "chapter.py"])
    read = {"syntetisk/a": ds_mod.current_fingerprint(project, "syntetisk/a", "2025")}
    c = Cache(project, "2025", "2025")

    def write(datasets=read, library=lib):
        c.write("01-a", key, datasets, out, library)

    def check(k=key):
        return c.check("01-a", k, out, executed)

    write()
    return dict(root=project, cache=c, key=key, out=out, executed=executed, write=write, check=check,
                params=params, nb=nb)


def test_unchanged_is_fresh(setup):
    v = setup["check"]()
    assert (v.fresh, v.reason) == (True, "uendret")


def test_no_record_and_broken_record(setup):
    c = setup["cache"]
    c.record_path("01-a").write_text("{ikke json")
    assert setup["check"]().reason == "ødelagt cache-post"
    c.invalidate("01-a")
    assert (setup["check"]().fresh, setup["check"]().reason) == (False, "ingen tidligere kjøring")


@pytest.mark.parametrize("part,reason", [("notebook", "notatboken er endret"), ("parameters", "parametrene er endret"),
                                         ("lock", "låste avhengigheter er endret")])
def test_each_static_input_counts(setup, part, reason):
    key = dict(setup["key"], **{part: "annet"})
    v = setup["check"](key)
    assert (v.fresh, v.reason) == (False, reason)


def test_static_key_ignores_folders_but_not_other_parameters(setup):
    root, nb, params = setup["root"], setup["nb"], setup["params"]
    moved = dict(params, data_dir="/elsewhere/data", output_dir="/elsewhere/out")
    assert cache_mod.static_key(root, nb, moved) == setup["key"]
    assert cache_mod.static_key(root, nb, dict(params, kommune="0301"))["parameters"] != setup["key"]["parameters"]
    (root / "constraints.txt").unlink()
    assert cache_mod.static_key(root, nb, params)["lock"] == "no-lock"


def test_empty_library_record_is_not_fresh(setup):
    """A record that does not say which library code the chapter used cannot vouch for it."""
    setup["write"](library={})
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "bibliotekkoden er ikke registrert")


def test_changed_library_module_is_not_fresh(setup, monkeypatch):
    real = cache_mod._module_hash
    monkeypatch.setattr(cache_mod, "_module_hash", lambda p: "endret" if p.name == "fmt.py" else real(p))
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "bibliotekkoden er endret (fmt.py)")


def test_changed_dataset_is_not_fresh(setup):
    root = setup["root"]
    csv = root / "data/2025/syntetisk/a.csv"
    csv.write_text(csv.read_text() + "2025,3.0\n")
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "datasettet syntetisk/a er endret")


def test_other_vintage_is_checked_against_that_vintage(setup):
    """Data read from another vintage (name@vintage, e.g. a revisions figure) is checked there."""
    root = setup["root"]
    shutil.copytree(root / "data/2025", root / "data/2024")  # same bytes in both vintages
    read = {"syntetisk/a": ds_mod.current_fingerprint(root, "syntetisk/a", "2025"),
            "syntetisk/a@2024": ds_mod.current_fingerprint(root, "syntetisk/a", "2024")}
    setup["write"](datasets=read)
    assert setup["check"]().fresh
    old = root / "data/2024/syntetisk/a.csv"
    old.write_text(old.read_text().replace("2.5", "2.4"))  # a revision in the older vintage
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "datasettet syntetisk/a er endret")


def test_dataset_recorded_missing_that_appears_is_not_fresh(setup):
    root = setup["root"]
    setup["write"](datasets={"syntetisk/c": ds_mod.MISSING})
    assert setup["check"]().fresh  # still missing: nothing to do
    shutil.copyfile(root / "data/2025/syntetisk/a.csv", root / "data/2025/syntetisk/c.csv")
    assert setup["check"]().fresh  # a CSV without description is not yet a dataset
    shutil.copyfile(root / "data/2025/syntetisk/a.resource.yaml", root / "data/2025/syntetisk/c.resource.yaml")
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "datasettet syntetisk/c er endret")


def test_deleted_dataset_is_not_fresh(setup):
    (setup["root"] / "data/2025/syntetisk/a.resource.yaml").unlink()
    assert not setup["check"]().fresh


def test_deleted_executed_notebook_is_not_fresh(setup):
    setup["executed"].unlink()
    v = setup["check"]()
    assert (v.fresh, v.reason) == (False, "den kjørte notatboken mangler")


def test_outputs_on_disk_must_match_the_record(setup):
    out = setup["out"]
    (out / "serie-a.svg").write_text("<svg>halvskrevet")
    assert setup["check"]().reason == "figurene på disk stemmer ikke med cache-posten"
    setup["write"]()
    (out / "ekstra.csv").write_text("x\n")
    assert setup["check"]().reason == "figurene på disk stemmer ikke med cache-posten"
    shutil.rmtree(out)
    assert setup["check"]().reason == "figurmappen mangler"


def test_record_is_written_atomically_with_output_hashes(setup):
    c = setup["cache"]
    rec = json.loads(c.record_path("01-a").read_text())
    assert set(rec) == {"key", "datasets", "library", "outputs"}
    assert set(rec["outputs"]) == {"serie-a.svg", "manifest.json"}
    assert set(rec["library"]) == {"fmt.py", "chapter.py"}
    assert not list(c.dir.glob("*.tmp"))


def test_module_hashes_only_for_package_modules(tmp_path):
    outside = tmp_path / "x.py"
    outside.write_text("")
    h = cache_mod.module_hashes([outside, cache_mod.PACKAGE_DIR / "fmt.py"])
    assert list(h) == ["fmt.py"] and len(h["fmt.py"]) == 64
    assert cache_mod._module_hash(tmp_path / "borte.py") == "missing"


def test_static_key_follows_notebook_and_lock(setup):
    root, nb, params, key = setup["root"], setup["nb"], setup["params"], setup["key"]
    nb.write_text(nb.read_text() + " ")
    assert cache_mod.static_key(root, nb, params)["notebook"] != key["notebook"]
    lock = root / "constraints.txt"
    lock.write_text(lock.read_text() + "# ny pinne\n")
    new = cache_mod.static_key(root, nb, params)
    assert new["lock"] != key["lock"] and new["lock"] == cache_mod.lock_hash(root)
    assert new["parameters"] == key["parameters"]


def test_file_hash_covers_names_and_bytes(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("1")
    b.write_text("1")
    h = cache_mod._hash_files([a])
    assert h != cache_mod._hash_files([b])            # same bytes, other name
    assert h == cache_mod._hash_files([a]) and len(h) == 64
    a.write_text("2")
    assert h != cache_mod._hash_files([a])            # same name, other bytes
    assert cache_mod._hash_files([a, b]) != cache_mod._hash_files([b, a])


def test_library_hash_is_computed_once(monkeypatch):
    monkeypatch.setattr(cache_mod, "_lib_hash", None)
    first = cache_mod.library_hash()
    assert len(first) == 64
    monkeypatch.setattr(cache_mod, "_hash_files", lambda paths: "ny")
    assert cache_mod.library_hash() == first  # once per run: module files do not change during a build


def test_invalidate_removes_the_record_and_tolerates_none(setup):
    c = setup["cache"]
    c.invalidate("01-a")
    assert not c.record_path("01-a").exists()
    c.invalidate("01-a")  # nothing to remove: no error
    assert c.record_path("01-a") == setup["root"] / "_build" / "cache" / "2025" / "01-a.json"


def test_record_without_library_argument_is_not_fresh(setup):
    c = setup["cache"]
    c.write("01-a", setup["key"], {}, setup["out"])
    assert json.loads(c.record_path("01-a").read_text())["library"] == {}
    assert not setup["check"]().fresh


def test_parameter_order_does_not_matter(setup):
    root, nb, params = setup["root"], setup["nb"], setup["params"]
    reordered = dict(reversed(list(params.items())))
    assert list(reordered) != list(params)
    assert cache_mod.static_key(root, nb, reordered) == setup["key"]


def test_notebook_modules_are_read_from_the_source_with_what_they_import(tmp_path):
    """A chapter depends on the modules its cells import and what those import, also inside
    functions (kommuneprofil imports fmt in a function), and on nothing else of the package."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("from statuskommune import build"),  # prose, not code
        nbformat.v4.new_code_cell("import pandas as pd\nfrom statuskommune import kommuneprofil as kp"),
    ])
    path = tmp_path / "syntetisk.ipynb"
    nbformat.write(nb, str(path))
    names = {p.name for p in cache_mod.notebook_modules(path)}
    assert {"__init__.py", "kommuneprofil.py", "fmt.py"} <= names
    assert not names & {"build.py", "kommunedask.py", "execute.py", "cli.py"}
    nb.cells.append(nbformat.v4.new_code_cell("%matplotlib inline"))
    nbformat.write(nb, str(path))
    assert cache_mod.notebook_modules(path) is None  # cannot read it: the caller keeps the runtime list

"""JSON-stat 2.0 parsing: each structural rule of the format, on small SYNTHETIC datasets."""

import copy

import pytest

from statuskommune.fetch import jsonstat
from statuskommune.fetch.jsonstat import JsonStatError


def _ds():
    """Two regions × three years, SYNTHETIC values; region index deliberately not in dict order."""
    return {
        "version": "2.0", "class": "dataset", "label": "SYNTETISK",
        "id": ["Region", "Tid"], "size": [2, 3],
        "dimension": {
            "Region": {"category": {"index": {"4601": 1, "0301": 0}, "label": {"0301": "Oslo", "4601": "Bergen"}}},
            "Tid": {"category": {"index": ["2022", "2023", "2024"]}},
        },
        "value": [1, 2, 3, 4, 5, 6],
    }


def test_rows_follow_category_index_row_major():
    rows = jsonstat.to_rows(_ds())
    assert [(r["Region"], r["Tid"], r["value"]) for r in rows] == [
        ("0301", "2022", 1), ("0301", "2023", 2), ("0301", "2024", 3),
        ("4601", "2022", 4), ("4601", "2023", 5), ("4601", "2024", 6)]
    assert rows[3]["Region_label"] == "Bergen"
    assert rows[0]["Tid_label"] == "2022"  # no label: the code is the label
    assert all(r["status"] is None for r in rows)


def test_single_category_without_index_uses_its_label():
    ds = _ds()
    ds["size"] = [1, 3]
    ds["dimension"]["Region"] = {"category": {"label": {"0301": "Oslo"}}}
    ds["value"] = [7, 8, 9]
    assert [r["Region_label"] for r in jsonstat.to_rows(ds)] == ["Oslo"] * 3


@pytest.mark.parametrize("change", [
    {"version": "1.0"},
    {"version": "2.1"},
    {"version": None},
    {"class": "collection"},
    {"class": "dimension"},
    {"class": None},
])
def test_not_a_json_stat_2_dataset(change):
    ds = _ds()
    for k, v in change.items():
        if v is None:
            del ds[k]
        else:
            ds[k] = v
    with pytest.raises(JsonStatError, match="ikke et JSON-stat 2.0-datasett"):
        jsonstat.to_rows(ds)


def test_version_as_number_is_accepted():
    ds = _ds()
    ds["version"] = 2.0
    assert len(jsonstat.to_rows(ds)) == 6


@pytest.mark.parametrize("ids,size", [(["Region", "Tid"], [2]), (["Region"], [2, 3]), ("Region", [2, 3]),
                                      (["Region", "Tid"], None)])
def test_id_and_size_must_match(ids, size):
    ds = _ds()
    ds["id"], ds["size"] = ids, size
    with pytest.raises(JsonStatError, match="id og size"):
        jsonstat.validate(ds)


def test_large_dataset_is_accepted():
    """Counts above CPython's small-int cache (256) are compared by value, not identity."""
    ds = _ds()
    ds["size"] = [2, 300]
    ds["dimension"]["Tid"]["category"]["index"] = [str(1700 + i) for i in range(300)]
    ds["value"] = list(range(600))
    ds["status"] = {"599": ".."}
    rows = jsonstat.to_rows(ds)
    assert len(rows) == 600 and rows[-1]["value"] == 599 and rows[-1]["status"] == ".."


def test_value_count_must_match_size():
    ds = _ds()
    ds["value"] = [1, 2, 3, 4, 5]
    with pytest.raises(JsonStatError, match="value har 5 celler, ventet 6"):
        jsonstat.validate(ds)


@pytest.mark.parametrize("dim,index", [("Tid", ["2022", "2023"]), ("Tid", ["2022", "2023", "2024", "2025"]),
                                       ("Region", {"0301": 0})])
def test_category_count_must_match_size(dim, index):
    ds = _ds()
    ds["dimension"][dim]["category"]["index"] = index
    ds["value"] = {"0": 1}  # an object: the value count cannot catch it
    with pytest.raises(JsonStatError, match=f"dimensjonen {dim} har feil antall kategorier"):
        jsonstat.validate(ds)


@pytest.mark.parametrize("key,ok", [("5", True), ("6", False), ("60", False)])
def test_status_key_must_point_inside_value(key, ok):
    ds = _ds()
    ds["status"] = {key: ".."}
    if ok:
        jsonstat.validate(ds)
        assert jsonstat.to_rows(ds)[5]["status"] == ".."
    else:
        with pytest.raises(JsonStatError, match="status peker utenfor value"):
            jsonstat.validate(ds)


def test_single_string_status_applies_to_every_cell():
    ds = _ds()
    ds["status"] = "p"  # one status for all cells, e.g. provisional figures
    assert [r["status"] for r in jsonstat.to_rows(ds)] == ["p"] * 6


def test_value_and_status_as_objects_and_short_arrays():
    ds = _ds()
    ds["value"] = {"0": 10, "5": 60}
    ds["status"] = [None, ":", None]  # shorter than value: the rest have no status
    rows = jsonstat.to_rows(ds)
    assert [r["value"] for r in rows] == [10, None, None, None, None, 60]
    assert [r["status"] for r in rows] == [None, ":", None, None, None, None]


def test_unknown_value_form_is_an_error():
    ds = _ds()
    ds["value"] = 5
    with pytest.raises(ValueError, match="ukjent form"):
        jsonstat.to_rows(ds)


def test_input_is_not_modified():
    ds = _ds()
    before = copy.deepcopy(ds)
    jsonstat.to_rows(ds)
    assert ds == before

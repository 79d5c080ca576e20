"""`statuskommune fetch` against a local HTTP server that answers in SSB's PxWebApi v2 format.

All bodies here are SYNTHETIC test data in SSB's JSON-stat 2 shape (no real statistics).
"""

import json

import pytest
from werkzeug import Response

from statuskommune.errors import FetchError
from statuskommune.fetch import jsonstat, ssb

META = {
    "version": "2.0", "class": "dataset", "label": "07459: Befolkning (SYNTETISK)",
    "updated": "2026-02-25T07:00:00Z",
    "id": ["Region", "ContentsCode", "Tid"], "size": [3, 1, 4],
    "dimension": {
        # non-monotonic index on purpose: positions come from category.index, not dict order
        "Region": {"label": "region", "category": {"index": {"0301": 0, "1103": 2, "4601": 1},
                                                   "label": {"0301": "Oslo", "1103": "Stavanger", "4601": "Bergen"}}},
        "ContentsCode": {"label": "statistikkvariabel", "category": {"index": {"Personer1": 0}, "label": {"Personer1": "Personer"}}},
        "Tid": {"label": "år", "category": {"index": {"2021": 0, "2022": 1, "2023": 2, "2024": 3},
                                            "label": {"2021": "2021", "2022": "2022", "2023": "2023", "2024": "2024"}}},
    },
    "value": [],
}


def data_body(regions, years, value=lambda r, y: 100 * int(y[-1]) + len(r), status=None):
    cats = META["dimension"]
    ids = ["Region", "ContentsCode", "Tid"]
    vals, st = [], {}
    i = 0
    for r in regions:
        for y in years:
            v = value(r, y)
            if status and (r, y) in status:
                st[str(i)] = status[(r, y)]
                v = None
            vals.append(v)
            i += 1
    body = {"version": "2.0", "class": "dataset", "label": META["label"], "id": ids,
            "size": [len(regions), 1, len(years)],
            "dimension": {"Region": {"category": {"index": {r: k for k, r in enumerate(regions)},
                                                  "label": {r: cats["Region"]["category"]["label"][r] for r in regions}}},
                          "ContentsCode": cats["ContentsCode"],
                          "Tid": {"category": {"index": {y: k for k, y in enumerate(years)}, "label": {y: y for y in years}}}},
            "value": vals}
    if st:
        body["status"] = st
    return body


SRC = {"id": "befolkning-test", "table": "07459", "expect_label_prefix": "07459:",
       "selection": {"Region": {"valueCodes": ["*"]}, "ContentsCode": {"valueCodes": ["Personer1"]},
                     "Tid": {"valueCodes": ["range(2022,2024)"]}}}


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, s):
        self.slept.append(s)
        self.now += s


@pytest.fixture
def fake():
    return FakeTime()


@pytest.fixture
def client(httpserver, fake):
    return ssb.Client(base_url=httpserver.url_for("/api/pxwebapi/v2"), timeout=5, backoff=1.0,
                      limiter=ssb.RateLimiter(25, 60, clock=fake.clock, sleep=fake.sleep), sleep=fake.sleep)


def serve_basics(httpserver, max_cells=800000):
    httpserver.expect_request("/api/pxwebapi/v2/config").respond_with_json({"apiVersion": "2.0", "maxDataCells": max_cells})
    httpserver.expect_request("/api/pxwebapi/v2/tables/07459/metadata").respond_with_json(META)


def data_handler(status=None, seen=None):
    def handler(request):
        body = request.get_json()
        sel = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
        if seen is not None:
            seen.append(sel)
        assert request.args["outputFormat"] == "json-stat2"
        return Response(json.dumps(data_body(sel["Region"], sel["Tid"], status=status)),
                        content_type="application/json; charset=UTF-8")
    return handler


def test_fetch_writes_raw_bytes_provenance_and_tidy_csv_with_status(httpserver, client, tmp_path):
    serve_basics(httpserver)
    httpserver.expect_request("/api/pxwebapi/v2/tables/07459/data", method="POST").respond_with_handler(
        data_handler(status={("4601", "2023"): "..", ("1103", "2024"): ":"}))
    res = ssb.fetch_source(client, SRC, tmp_path)
    snap = tmp_path / "befolkning-test"
    assert res.rows == 9 and res.csv == snap / "befolkning-test.csv"
    raw = (snap / "data-000.json").read_bytes()
    prov = json.loads((snap / "data-000.prov.json").read_text())
    import hashlib
    assert prov["response"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert prov["request"]["url"].endswith("/tables/07459/data")
    assert prov["request"]["json"]["selection"][1]["valueCodes"] == ["0301", "4601", "1103"]  # metadata order
    assert prov["request"]["selection_intent"]["Tid"] == ["range(2022,2024)"]
    assert prov["retrieved_at"]
    lines = (snap / "befolkning-test.csv").read_text().splitlines()
    assert lines[0] == "Region,Region_label,ContentsCode,ContentsCode_label,Tid,Tid_label,value,status"
    assert "4601,Bergen,Personer1,Personer,2023,2023,,.." in lines     # missing, never 0
    assert "1103,Stavanger,Personer1,Personer,2024,2024,,:" in lines
    assert "0301,Oslo,Personer1,Personer,2022,2022,204," in lines       # codes keep leading zeros


def test_query_over_the_cell_limit_is_split_and_merged(httpserver, client, tmp_path):
    serve_basics(httpserver, max_cells=4)
    seen = []
    httpserver.expect_request("/api/pxwebapi/v2/tables/07459/data", method="POST").respond_with_handler(data_handler(seen=seen))
    res = ssb.fetch_source(client, SRC, tmp_path)
    assert res.rows == 9
    assert all(len(s["Region"]) * len(s["Tid"]) <= 4 for s in seen) and len(seen) == 3
    assert len(list((tmp_path / "befolkning-test").glob("data-*.prov.json"))) == 3


def test_retries_429_with_retry_after_and_5xx_with_backoff(httpserver, client, tmp_path, fake):
    serve_basics(httpserver)
    url = "/api/pxwebapi/v2/tables/07459/data"
    httpserver.expect_oneshot_request(url, method="POST").respond_with_response(Response("", status=429, headers={"Retry-After": "7"}))
    httpserver.expect_oneshot_request(url, method="POST").respond_with_response(Response("", status=503))
    httpserver.expect_oneshot_request(url, method="POST").respond_with_handler(data_handler())
    ssb.fetch_source(client, SRC, tmp_path)
    assert 7.0 in fake.slept and 2.0 in fake.slept  # Retry-After honoured, then backoff 1·2^1


def test_client_errors_fail_at_once_with_the_servers_message(httpserver, client, tmp_path):
    serve_basics(httpserver)
    httpserver.expect_request("/api/pxwebapi/v2/tables/07459/data", method="POST").respond_with_json(
        {"type": "Parameter error", "title": "Too many cells selected", "status": 400}, status=400)
    with pytest.raises(FetchError, match="HTTP 400 Too many cells selected"):
        ssb.fetch_source(client, SRC, tmp_path)
    assert client.requests_made == 3  # config, metadata, one data request: no retry on 400


def test_failed_fetch_keeps_the_previous_snapshot(httpserver, client, tmp_path):
    good = tmp_path / "befolkning-test"
    good.mkdir()
    (good / "befolkning-test.csv").write_text("forrige gode øyeblikksbilde\n")
    serve_basics(httpserver, max_cells=4)
    url = "/api/pxwebapi/v2/tables/07459/data"
    httpserver.expect_oneshot_request(url, method="POST").respond_with_handler(data_handler())
    for _ in range(10):  # the second chunk keeps failing
        httpserver.expect_request(url, method="POST").respond_with_response(Response("", status=500))
    with pytest.raises(FetchError, match="ga opp|HTTP 500"):
        ssb.fetch_source(client, SRC, tmp_path)
    assert (good / "befolkning-test.csv").read_text() == "forrige gode øyeblikksbilde\n"
    assert not list(tmp_path.glob(".befolkning-test.tmp-*"))


def test_invalid_json_stat_is_rejected(httpserver, client, tmp_path):
    serve_basics(httpserver)
    bad = data_body(["0301"], ["2022"])
    bad["value"] = [1, 2, 3]  # size says 1 cell
    httpserver.expect_request("/api/pxwebapi/v2/tables/07459/data", method="POST").respond_with_json(bad)
    with pytest.raises(FetchError, match="JSON-stat"):
        ssb.fetch_source(client, SRC, tmp_path)


def test_wrong_table_label_is_an_error(httpserver, client, tmp_path):
    serve_basics(httpserver)
    with pytest.raises(FetchError, match="ventet «09999:"):
        ssb.fetch_source(client, dict(SRC, expect_label_prefix="09999:"), tmp_path)


def test_timeout_is_retried_then_reported(httpserver, tmp_path, fake):
    import requests

    c = ssb.Client(base_url="http://127.0.0.1:9/x", timeout=0.01, retries=1, backoff=1.0,
                   limiter=ssb.RateLimiter(25, 60, clock=fake.clock, sleep=fake.sleep), sleep=fake.sleep)

    class Slow:
        def request(self, *a, **kw):
            raise requests.Timeout("slow")
    c.session = Slow()
    with pytest.raises(FetchError, match="tidsavbrudd"):
        c.request("GET", "/config")
    assert fake.slept == [1.0]


def test_rate_limiter_allows_at_most_25_calls_a_minute(fake):
    lim = ssb.RateLimiter(25, 60, clock=fake.clock, sleep=fake.sleep)
    calls = []
    for _ in range(60):
        lim.acquire()
        calls.append(fake.now)
        fake.now += 0.1
    assert all(sum(1 for c in calls if t <= c < t + 60) <= 25 for t in calls)
    assert calls[-1] >= 120  # 60 calls at 25 a minute take more than two minutes
    assert len(fake.slept) == 2


def test_resolve_expressions():
    codes = ["2019", "2020", "2021", "2022", "2023"]
    assert ssb.resolve(codes, ["top(2)"]) == ["2022", "2023"]
    assert ssb.resolve(codes, ["from(2022)"]) == ["2022", "2023"]
    assert ssb.resolve(codes, ["range(2020,2021)", "2020", "2023"]) == ["2020", "2021", "2023"]
    with pytest.raises(FetchError, match="finnes ikke"):
        ssb.resolve(codes, ["1999"])


def test_chunk_plan_never_exceeds_limit():
    sel = {"Region": [str(i) for i in range(357)], "ContentsCode": ["a", "b"], "Tid": [str(y) for y in range(2000, 2025)]}
    chunks = ssb.plan_chunks(sel, 1000)
    assert all(len(c["Region"]) * 2 * 25 <= 1000 for c in chunks)
    assert sum(len(c["Region"]) for c in chunks) == 357


def test_jsonstat_status_forms():
    ds = data_body(["0301"], ["2022", "2023"])
    ds["value"] = {"0": 5}
    ds["status"] = {"1": ".."}
    rows = jsonstat.to_rows(ds)
    assert [(r["value"], r["status"]) for r in rows] == [(5, None), (None, "..")]


def test_no_network_needed_for_build(repo):
    """The build never imports the fetch client."""
    import ast
    for mod in ("build.py", "execute.py", "stage.py", "datasets.py", "validate.py"):
        tree = ast.parse((repo / "src" / "statuskommune" / mod).read_text())
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | \
                {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any("fetch" in (x or "") or x == "requests" for x in names), mod

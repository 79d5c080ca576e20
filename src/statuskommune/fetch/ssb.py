"""``statuskommune fetch``: snapshots of SSB StatBank tables from PxWebApi v2 (JSON-stat 2).

For machines with network. Builds never call this; they read the committed CSVs.

- Reads a spec (YAML) of tables and selections.
- Stays under the rate limit (a token bucket, at most 25 requests per 60 s), retries 429
  (honouring Retry-After) and 5xx with exponential backoff, and times out.
- Resolves selections against the table metadata, and splits a query whose cell count exceeds
  ``maxDataCells`` (from ``/config``) into chunks along the variable with most codes.
- Stores each response's exact bytes with a provenance record (URL, query, time, sha256) and a
  tidy CSV that keeps SSB's status symbols.
- Writes into a temporary folder and swaps it in only when every request of a source succeeded:
  a failed or partial fetch never replaces a good snapshot.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Callable

import requests
import yaml

from ..errors import FetchError
from . import jsonstat

DEFAULT_BASE = "https://data.ssb.no/api/pxwebapi/v2"
USER_AGENT = "statuskommune-fetch"


class RateLimiter:
    """Token bucket: at most ``calls`` requests in any ``period`` seconds."""

    def __init__(self, calls: int = 25, period: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.calls, self.period, self.clock, self.sleep = calls, period, clock, sleep
        self.stamps: list[float] = []

    def acquire(self) -> None:
        while True:
            now = self.clock()
            self.stamps = [t for t in self.stamps if now - t < self.period]
            if len(self.stamps) < self.calls:
                self.stamps.append(now)
                return
            self.sleep(self.period - (now - self.stamps[0]) + 0.001)


@dataclass
class Client:
    base_url: str = DEFAULT_BASE
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0  # seconds; doubled for each retry
    limiter: RateLimiter = field(default_factory=RateLimiter)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0

    def request(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None) -> requests.Response:
        url = self.base_url.rstrip("/") + path
        last = None
        for attempt in range(self.retries + 1):
            self.limiter.acquire()
            self.requests_made += 1
            try:
                r = self.session.request(method, url, params=params, json=body, timeout=self.timeout,
                                         headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
            except requests.Timeout as exc:
                last = f"tidsavbrudd etter {self.timeout} s"
                if attempt < self.retries:
                    self.sleep(self.backoff * 2 ** attempt)
                    continue
                raise FetchError(f"{method} {url}: {last}") from exc
            except requests.ConnectionError as exc:
                raise FetchError(f"{method} {url}: får ikke kontakt ({exc.__class__.__name__}). "
                                 "fetch trenger nett; byggingen gjør ikke det.") from exc
            if r.status_code == 200:
                return r
            if r.status_code == 429 or r.status_code >= 500:
                last = f"HTTP {r.status_code}"
                if attempt < self.retries:
                    retry_after = r.headers.get("Retry-After")
                    wait = float(retry_after) if retry_after and retry_after.replace(".", "").isdigit() \
                        else self.backoff * 2 ** attempt
                    self.sleep(wait)
                    continue
            title = ""
            try:
                title = r.json().get("title", "")
            except ValueError:
                pass
            raise FetchError(f"{method} {url}: HTTP {r.status_code} {title}".strip())
        raise FetchError(f"{method} {url}: ga opp etter {self.retries + 1} forsøk ({last})")


def resolve(codes: list[str], wanted: list[str]) -> list[str]:
    """Resolve selection expressions to explicit codes, in metadata order, without duplicates."""
    out: list[str] = []
    for w in wanted:
        w = str(w)
        if w == "*":
            picked = codes
        elif w.startswith("top(") and w.endswith(")"):
            picked = codes[-int(w[4:-1]):]
        elif w.startswith("bottom(") and w.endswith(")"):
            picked = codes[: int(w[7:-1])]
        elif w.startswith("from(") and w.endswith(")"):
            picked = codes[codes.index(w[5:-1]):] if w[5:-1] in codes else []
        elif w.startswith("to(") and w.endswith(")"):
            picked = codes[: codes.index(w[3:-1]) + 1] if w[3:-1] in codes else []
        elif w.startswith("range(") and w.endswith(")"):
            a, b = (x.strip() for x in w[6:-1].split(","))
            if a not in codes or b not in codes:
                raise FetchError(f"range({a},{b}): koden finnes ikke i tabellen")
            picked = codes[codes.index(a): codes.index(b) + 1]
        else:
            if w not in codes:
                raise FetchError(f"koden «{w}» finnes ikke i tabellen")
            picked = [w]
        for c in picked:
            if c not in out:
                out.append(c)
    return sorted(out, key=codes.index)


def plan_chunks(selection: dict[str, list[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """Split the selection so no chunk exceeds ``max_cells`` (splitting the largest variable)."""
    cells = prod(len(v) for v in selection.values())
    if cells <= max_cells:
        return [selection]
    var = max((v for v in selection if v != "ContentsCode"), key=lambda v: len(selection[v]),
              default=max(selection, key=lambda v: len(selection[v])))
    other = cells // len(selection[var])
    if other > max_cells:
        raise FetchError(f"kan ikke dele spørringen under {max_cells} celler ved å dele {var}")
    per = max(1, max_cells // other)
    codes = selection[var]
    return [dict(selection, **{var: codes[i:i + per]}) for i in range(0, len(codes), per)]


@dataclass
class Result:
    table: str
    rows: int
    csv: Path
    requests: int


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def fetch_source(client: Client, src: dict, out_root: Path, now: Callable[[], str] | None = None) -> Result:
    sid, table = src["id"], str(src["table"])
    lang = src.get("lang", "no")
    now = now or (lambda: dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat())
    cfg = client.request("GET", "/config").json()
    max_cells = int(cfg.get("maxDataCells") or 800_000)
    meta_resp = client.request("GET", f"/tables/{table}/metadata", params={"lang": lang})
    meta = meta_resp.json()
    label = meta.get("label", "")
    if src.get("expect_label_prefix") and not label.startswith(src["expect_label_prefix"]):
        raise FetchError(f"{sid}: tabell {table} heter «{label}», ventet «{src['expect_label_prefix']}…»")
    selection = {}
    codelists = {}
    for var, spec in src["selection"].items():
        if var not in meta["dimension"]:
            raise FetchError(f"{sid}: variabelen {var} finnes ikke i tabell {table}")
        if spec.get("codelist"):
            cl = client.request("GET", f"/codelists/{spec['codelist']}", params={"lang": lang}).json()
            codes = [v["code"] for v in cl.get("values", [])]
            codelists[var] = spec["codelist"]
        else:
            codes = jsonstat._index(meta["dimension"][var]["category"])
        try:
            selection[var] = resolve(codes, spec.get("valueCodes", ["*"]))
        except FetchError as exc:
            raise FetchError(f"{sid}: {var}: {exc}") from exc
        if not selection[var]:
            raise FetchError(f"{sid}: utvalget for {var} er tomt")
    chunks = plan_chunks(selection, max_cells)
    target = out_root / sid
    tmp = out_root / f".{sid}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        (tmp / "metadata.json").write_bytes(meta_resp.content)
        all_rows: list[dict] = []
        for k, chunk in enumerate(chunks):
            body = {"selection": [{"variableCode": v, **({"codelist": codelists[v]} if v in codelists else {}),
                                   "valueCodes": c} for v, c in sorted(chunk.items())]}
            params = {"lang": lang, "outputFormat": "json-stat2"}
            r = client.request("POST", f"/tables/{table}/data", params=params, body=body)
            raw = r.content
            try:
                ds = json.loads(raw)
                rows = jsonstat.to_rows(ds)
            except (ValueError, KeyError) as exc:
                raise FetchError(f"{sid}: svaret for del {k + 1} er ikke gyldig JSON-stat 2: {exc}") from exc
            for v, codes in chunk.items():
                got = {row[v] for row in rows}
                if set(codes) - got:
                    raise FetchError(f"{sid}: svaret mangler koder for {v}: {sorted(set(codes) - got)[:5]}")
            key = _sha(json.dumps({"url": r.url, "json": body}, sort_keys=True).encode())
            (tmp / f"data-{k:03d}.json").write_bytes(raw)
            prov = {"schema": "ssb-prov/1", "source_id": sid, "provider": "ssb-pxwebapi-v2",
                    "request": {"method": "POST", "url": client.base_url.rstrip("/") + f"/tables/{table}/data",
                                "params": params, "json": body, "selection_intent": {
                                    v: s.get("valueCodes", ["*"]) for v, s in src["selection"].items()},
                                "chunk": {"index": k, "of": len(chunks)}},
                    "request_key": "sha256:" + key,
                    "response": {"status": r.status_code, "content_type": r.headers.get("Content-Type", ""),
                                 "bytes": len(raw), "sha256": _sha(raw), "path": f"data-{k:03d}.json"},
                    "table": {"id": table, "label": label, "updated": meta.get("updated")},
                    "license": {"name": "CC BY 4.0", "attribution": "Kilde: Statistisk sentralbyrå"},
                    "retrieved_at": now()}
            (tmp / f"data-{k:03d}.prov.json").write_text(json.dumps(prov, ensure_ascii=False, indent=1), encoding="utf-8")
            all_rows += rows
        dims = list(selection)
        keys = [tuple(r[d] for d in dims) for r in all_rows]
        if len(set(keys)) != len(keys):
            raise FetchError(f"{sid}: delene overlapper (dupliserte nøkler)")
        buf = io.StringIO()
        cols = [c for d in dims for c in (d, f"{d}_label")] + ["value", "status"]
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for row in all_rows:
            w.writerow({**row, "value": "" if row["value"] is None else row["value"],
                        "status": row["status"] or ""})
        (tmp / f"{sid}.csv").write_text(buf.getvalue(), encoding="utf-8")
        (tmp / "snapshot.json").write_text(json.dumps({"source": src, "chunks": len(chunks), "rows": len(all_rows),
                                                       "retrieved_at": now(), "complete": True},
                                                      ensure_ascii=False, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # the previous snapshot stays as it was
        raise
    old = out_root / f".{sid}.old-{os.getpid()}"
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return Result(table, len(all_rows), target / f"{sid}.csv", client.requests_made)


def fetch_spec(spec_path: Path, out_root: Path, base_url: str | None = None, client: Client | None = None) -> list[Result]:
    """Fetch every source of the spec; an error names the spec file and the source."""
    from ..config import yaml_problem

    try:
        spec = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise FetchError(yaml_problem(str(spec_path), exc)) from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("sources", []), list):
        raise FetchError(f"{spec_path}: ventet et YAML-objekt med en liste «sources»")
    client = client or Client(base_url=base_url or spec.get("base_url") or os.environ.get("SSB_PXWEB_BASE", DEFAULT_BASE))
    out_root.mkdir(parents=True, exist_ok=True)
    results = []
    for n, src in enumerate(spec.get("sources", []), start=1):
        sid = src.get("id") if isinstance(src, dict) else None
        where = f"{spec_path}: kilden «{sid or n}»"
        missing = [k for k in ("id", "table", "selection") if not isinstance(src, dict) or not src.get(k)]
        if missing or not isinstance(src["selection"], dict):
            raise FetchError(f"{where}: mangler {', '.join(missing) or 'selection'}; "
                             "hver kilde trenger id, table og selection (et objekt)")
        try:
            results.append(fetch_source(client, src, out_root))
        except FetchError as exc:
            msg = str(exc)
            raise FetchError(f"{where}: {msg.removeprefix(f'{sid}: ')}") from exc
    return results

"""Browser and validator checks of the web edition (axe-core in Chromium, Nu Html Checker).

Outside CI these skip with the command to install what is missing; with CI=true they must run.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _need(ok: bool, what: str):
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} mangler i CI")
    pytest.skip(f"{what} mangler; installer med: sudo apt-get install -y chromium default-jre-headless && make test")


@pytest.fixture(scope="module")
def browser_report(built_report):
    _need(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    _need(shutil.which("node") is not None and (REPO / "node_modules" / "playwright-core").is_dir(),
          "Node.js med playwright-core (npm ci)")
    root, res = built_report
    r = subprocess.run(["node", str(REPO / "tests" / "browser" / "check.mjs"), str(res.out_dir)],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, CHROMIUM=CHROMIUM))
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def test_axe_wcag21_aa_has_no_violations(browser_report):
    bad = {p["page"]: p["violations"] for p in browser_report["pages"] if p["violations"]}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
    assert len(browser_report["pages"]) >= 5


def test_no_request_to_other_hosts(browser_report):
    bad = {p["page"]: p["external"] for p in browser_report["pages"] if p["external"]}
    assert not bad, bad


def test_readable_at_320px_without_horizontal_scrolling(browser_report):
    bad = {p["page"]: p["overflow320"] for p in browser_report["pages"] if p["overflow320"] > 0}
    assert not bad, bad


def test_downloads_work(browser_report):
    downloads = [d for p in browser_report["pages"] for d in p["downloads"]]
    assert any(d["href"].endswith(".pdf") for d in downloads)
    assert any(d["href"].endswith(".csv") for d in downloads)
    assert all(d["status"] == 200 for d in downloads), [d for d in downloads if d["status"] != 200]


def test_nu_html_checker_reports_no_errors(built_report):
    _need(shutil.which("java") is not None, "Java (default-jre-headless)")
    _need(VNU.is_file(), "vnu-jar (npm ci)")
    root, res = built_report
    r = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json",
                        str(res.out_dir)], capture_output=True, text=True, timeout=600)
    messages = json.loads(r.stderr or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    assert r.returncode == 0 and not errors, json.dumps(errors[:10], ensure_ascii=False, indent=1)


def test_nu_html_checker_would_catch_an_error(tmp_path):
    """Guard: the validator really runs (a broken page is reported)."""
    _need(shutil.which("java") is not None and VNU.is_file(), "Java og vnu-jar")
    (tmp_path / "feil.html").write_text('<!DOCTYPE html><html lang="nb"><head><title>x</title></head>'
                                        '<body><h1>a</h1><p id="d"></p><p id="d"></p></body></html>')
    r = subprocess.run(["java", "-jar", str(VNU), "--errors-only", str(tmp_path / "feil.html")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Duplicate ID" in r.stderr

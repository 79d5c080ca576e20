"""``statuskommune preview``: an author saves a chapter and the served page changes.

The server runs as a real subprocess (``python -m statuskommune preview``) on a free port, in a
copy of the built report (so the notebook cache is warm). The timeouts are generous: these are
correctness tests; ``make bench`` measures the latency.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHAPTER = Path("chapters") / "03-velferd.qmd"
PAGE = "03-velferd.html"
TIMEOUT = 300.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, cond, timeout: float = TIMEOUT, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = cond()
        except requests.RequestException:
            got = None
        if got:
            return got
        time.sleep(0.2)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log and log.is_file() else ""
    pytest.fail(f"Tidsavbrudd etter {timeout:.0f} s: {what}\n--- preview-loggen ---\n{tail}")


class Server:
    def __init__(self, root: Path, port: int, proc: subprocess.Popen, log: Path):
        self.root, self.url, self.proc, self.log = root, f"http://127.0.0.1:{port}", proc, log

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}/{path}", timeout=30)

    def status(self) -> dict:
        return self.get("__preview/status").json()

    def wait(self, what, cond, timeout=TIMEOUT):
        assert self.proc.poll() is None, self.log.read_text()[-3000:]
        return _wait(what, cond, timeout, self.log)

    def write_chapter(self, text: str) -> None:
        (self.root / CHAPTER).write_text(text, encoding="utf-8")


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def server(built_report, tmp_path_factory):
    src, res = built_report
    root = tmp_path_factory.mktemp("preview") / "statuskommune"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("preview", ".tmp-*", "*.lock", "__pycache__"))
    pdf = root / "_book" / res.edition / res.pdf.name
    pdf_hash = _sha(pdf)
    port = _free_port()
    log = root.parent / "preview.log"
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(root), PYTHONUNBUFFERED="1")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "statuskommune", "preview", "--port", str(port)],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    s = Server(root, port, proc, log)
    original = (root / CHAPTER).read_text(encoding="utf-8")
    try:
        s.wait("første bygging av forhåndsvisningen", lambda: s.status()["ok"] and s.get(PAGE).status_code == 200)
        yield s
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        (root / CHAPTER).write_text(original, encoding="utf-8")
    # The preview builds into _build/<ed>/preview and never replaces the published edition.
    assert _sha(pdf) == pdf_hash, "forhåndsvisningen endret den publiserte PDF-en"
    assert (root / "_build" / res.edition / "preview" / "index.html").is_file()
    assert "Forhåndsvisningen er stoppet." in log.read_text(encoding="utf-8")


def _events(url: str, got: queue.Queue, stop: threading.Event) -> None:
    """Collect the data lines of the page's reload channel (server-sent events)."""
    with requests.get(f"{url}/__preview/events", stream=True, timeout=(10, 60)) as r:
        for line in r.iter_lines(decode_unicode=True):
            if stop.is_set():
                return
            if line and line.startswith("data:"):
                got.put(int(line[5:].strip()))


def test_prose_edit_changes_the_served_page_and_reloads_it(server):
    marker = "Forhåndsvisningsmarkør-7Q3K legges til av testen."
    page = server.get(PAGE).text
    assert marker not in page
    assert 'id="sk-preview-reload"' in page and "/__preview/events" in page  # the page listens for reloads
    v0 = server.status()["version"]

    got: queue.Queue = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_events, args=(server.url, got, stop), daemon=True).start()
    assert got.get(timeout=30) == v0  # the channel first says which version is served

    text = (server.root / CHAPTER).read_text(encoding="utf-8")
    server.write_chapter(text + f"\n{marker}\n")
    server.wait("den endrede teksten på siden", lambda: marker in server.get(PAGE).text)
    # the browser is told to reload: a newer version arrives on the event channel
    assert got.get(timeout=30) > v0
    stop.set()
    page = server.get(PAGE).text
    assert 'id="sk-preview-feil"' not in page
    assert server.status()["ok"] is True
    assert server.status()["changes"] == [CHAPTER.as_posix()]


def test_broken_chapter_shows_the_error_and_keeps_the_last_good_page(server):
    good = "Siste gode versjon-5XW8 av kapitlet."
    base = (server.root / CHAPTER).read_text(encoding="utf-8")
    server.write_chapter(base + f"\n{good}\n")
    server.wait("den gode versjonen", lambda: good in server.get(PAGE).text)
    v = server.status()["version"]

    server.write_chapter(base + f"\n{good}\n\n{{{{< fig finnes-ikke-i-noen-notatbok >}}}}\n")
    st = server.wait("en mislykket bygging", lambda: (s := server.status())["version"] > v and s["error"] and s)
    assert st["ok"] is False
    assert "03-velferd.qmd" in st["error"] and "finnes-ikke-i-noen-notatbok" in st["error"]

    r = server.get(PAGE)
    assert r.status_code == 200
    assert good in r.text                            # the last good version is still served …
    assert 'id="sk-preview-feil"' in r.text          # … with the error on top of it
    assert "finnes-ikke-i-noen-notatbok" in r.text and "03-velferd.qmd" in r.text
    assert 'id="sk-preview-feil"' in server.get("index.html").text  # on every page

    fixed = "Rettet versjon-9PLM av kapitlet."
    server.write_chapter(base + f"\n{fixed}\n")
    server.wait("den rettede versjonen", lambda: fixed in server.get(PAGE).text)
    page = server.get(PAGE).text
    assert 'id="sk-preview-feil"' not in page and good not in page
    assert server.status()["error"] is None


def test_the_server_serves_only_the_preview_folder(server):
    assert server.get("../../pyproject.toml").status_code == 404
    assert server.get("%2e%2e/%2e%2e/pyproject.toml").status_code == 404
    assert server.get("finnes-ikke.html").status_code == 404
    css = [p for p in (server.root / "_build").rglob("preview/assets/*.css")]
    assert css, "fant ingen stilark i forhåndsvisningen"
    r = server.get("assets/" + css[0].name)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


def _need(ok: bool, what: str) -> None:
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} mangler i CI")
    pytest.skip(f"{what} mangler; installer med: sudo apt-get install -y chromium && npm ci")


@pytest.mark.browser
def test_an_open_page_reloads_itself_in_chromium(server):
    """In a real browser: the open page reloads by itself after a save and shows the new text."""
    _need(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    _need(shutil.which("node") is not None and (REPO / "node_modules" / "playwright-core").is_dir(),
          "Node.js med playwright-core (npm ci)")
    marker = "Nettlesermarkør-H4TZ fra testen."
    node = subprocess.Popen(["node", str(REPO / "tests" / "browser" / "preview.mjs"), f"{server.url}/{PAGE}",
                             marker, str(int(TIMEOUT * 1000))], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, CHROMIUM=CHROMIUM))
    try:
        first = node.stdout.readline().strip()
        assert first == "ready", f"{first}\n{node.stderr.read()[-2000:] if node.poll() is not None else ''}"
        base = (server.root / CHAPTER).read_text(encoding="utf-8")
        server.write_chapter(base + f"\n{marker}\n")
        out, err = node.communicate(timeout=TIMEOUT + 60)
    finally:
        if node.poll() is None:
            node.kill()
    assert node.returncode == 0, f"siden ble ikke lastet inn på nytt med den nye teksten:\n{out}\n{err[-2000:]}"
    assert json.loads(out.strip().splitlines()[-1])["reloads"] >= 1

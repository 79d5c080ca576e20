"""``make bench``: build times on this machine, in one run, with medians of repeated runs.

Cases (each in a fresh temporary copy of the project's inputs):
  (a) cold build          – no cache, no figures, no published output
  (b) no-op rebuild       – nothing changed since the last build
  (c) prose edit          – one chapter's text changed
  (d) dataset change      – one dataset's description changed (values untouched)
  (e) naive baseline      – every notebook executed sequentially with plain Papermill, then
                            staged and rendered; no cache, no parallelism
  (f) live preview        – ``statuskommune preview`` running: time from saving a prose edit to
                            the served page showing it (median of several edits)
Prints the table and writes it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import fmt
from .paths import find_root

IGNORE = shutil.ignore_patterns(".venv", "_book", "_build", "figures", "node_modules", ".git", "__pycache__",
                                ".pytest_cache", "*.egg-info", "docs")

NAIVE = r"""
import sys, time, tempfile
from pathlib import Path
import papermill as pm
from statuskommune import config
from statuskommune.build import render_to
from statuskommune.execute import parameters
from statuskommune.stage import stage
root = Path(sys.argv[1]); ed = config.load(root, None); (root / "_build").mkdir(exist_ok=True)
for ch in ed.chapters:
    nb = ed.notebook_for(ch)
    if nb is None:
        continue
    out = ed.output_dir(ch.stem); out.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(nb), str(root / "_build" / f"naive-{nb.name}"), parameters=parameters(ed, ch.stem, out),
                        kernel_name="python3", cwd=str(nb.parent), progress_bar=False)
st = stage(ed, root / "_build" / "naive-stage")
render_to(st, ed, ["html", "pdf"], "builtin", Path(tempfile.mkdtemp(dir=root / "_build")))
"""


def _copy(root: Path, dest: Path) -> Path:
    shutil.copytree(root, dest, ignore=IGNORE)
    (dest / "figures").mkdir(exist_ok=True)
    return dest


def _clean(p: Path) -> None:
    for d in ("_build", "_book"):
        shutil.rmtree(p / d, ignore_errors=True)
    shutil.rmtree(p / "figures", ignore_errors=True)
    (p / "figures").mkdir()


def _run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(cwd))
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} feilet:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return dt, r.stdout + r.stderr


def _preview_latency(p: Path, edits: int, chapter: Path) -> list[float]:
    """Seconds from saving a prose edit to the preview server serving the changed page."""
    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    page = f"{url}/{chapter.stem}.html"
    log = p / "_build" / "bench-preview.log"
    log.parent.mkdir(exist_ok=True)
    env = dict(os.environ, STATUSKOMMUNE_ROOT=str(p), PYTHONUNBUFFERED="1")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "statuskommune", "preview", "--port", str(port)],
                                cwd=p, env=env, stdout=out, stderr=subprocess.STDOUT)

    def until(cond, timeout: float, what: str) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                break
            try:
                if cond():
                    return time.perf_counter()
            except requests.RequestException:
                pass
            time.sleep(0.02)
        proc.kill()
        raise SystemExit(f"forhåndsvisningen: {what} kom ikke innen {timeout:.0f} s:\n{log.read_text()[-2000:]}")

    times = []
    try:
        until(lambda: requests.get(f"{url}/__preview/status", timeout=5).json()["ok"], 600, "første bygging")
        time.sleep(1.0)  # let the watchers settle
        for i in range(edits):
            marker = f"Målemarkør {i} for forhåndsvisningen."
            text = chapter.read_text(encoding="utf-8") + f"\n{marker}\n"
            t0 = time.perf_counter()
            chapter.write_text(text, encoding="utf-8")
            t1 = until(lambda: marker in requests.get(page, timeout=10).text, 120, "den endrede siden")
            times.append(t1 - t0)
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return times


def _executed(out: str) -> list[str]:
    return sorted(set(re.findall(r"^\[([\w-]+)\] ferdig", out, flags=re.M)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--preview-edits", type=int, default=7, help="tekstendringer målt i forhåndsvisningen")
    a = ap.parse_args(argv)
    root = find_root()
    load_start = os.getloadavg()[0]
    build = [sys.executable, "-m", "statuskommune", "build", "--quiet"]
    times: dict[str, list[float]] = {k: [] for k in "abcdef"}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="sk-bench-") as tmp:
        p = _copy(root, Path(tmp) / "statuskommune")
        chapter = p / "chapters" / "03-velferd.qmd"
        desc = p / "data" / "2025" / "velferd" / "kompetanse.resource.yaml"
        for i in range(a.repeat):
            _clean(p)
            dt, out = _run(build, p)
            times["a"].append(dt)
            notes["a"] = "kjørt: " + ", ".join(_executed(out))
            dt, out = _run(build, p)
            times["b"].append(dt)
            notes["b"] = "kjørt: " + (", ".join(_executed(out)) or "ingen")
            chapter.write_text(chapter.read_text(encoding="utf-8") + f"\nEn ekstra setning for måling {i}.\n", encoding="utf-8")
            dt, out = _run(build, p)
            times["c"].append(dt)
            notes["c"] = "kjørt: " + (", ".join(_executed(out)) or "ingen")
            desc.write_text(desc.read_text(encoding="utf-8") + f"# endret for måling {i}\n", encoding="utf-8")
            dt, out = _run(build, p)
            times["d"].append(dt)
            notes["d"] = "kjørt: " + (", ".join(_executed(out)) or "ingen")
        times["f"] = _preview_latency(p, a.preview_edits, chapter)
        notes["f"] = f"median av {len(times['f'])} lagringer; bygger bare HTML til _build/<utgave>/preview"
        for i in range(a.repeat):
            _clean(p)
            dt, _ = _run([sys.executable, "-c", NAIVE, str(p)], p)
            times["e"].append(dt)
    med = {k: statistics.median(v) for k, v in times.items()}
    labels = {"a": "(a) kald bygging", "b": "(b) ingen endring", "c": "(c) endret tekst i ett kapittel",
              "d": "(d) endret ett datasett", "e": "(e) naiv: papermill sekvensielt + gjengivelse",
              "f": "(f) forhåndsvisning: lagret tekstendring → oppdatert side"}
    t = lambda x: fmt.tall(x, 2)  # noqa: E731
    rows = [f"| {labels[k]} | {t(med[k])} | {' / '.join(t(x) for x in times[k])} | "
            f"{t(med[k] / med['a'])} | {t(med[k] / med['e'])} | {notes.get(k, '')} |" for k in "abcdef"]
    checks = [
        ("Ingen endring ≤ 2 s", med["b"] <= 2.0, f"{t(med['b'])} s"),
        ("Ingen endring ≤ 5 % av kald", med["b"] <= 0.05 * med["a"], fmt.prosent(100 * med["b"] / med["a"])),
        ("Tekstendring ≤ 25 % av kald, ingen notatbok kjørt", med["c"] <= 0.25 * med["a"] and notes["c"].endswith("ingen"),
         f"{fmt.prosent(100 * med['c'] / med['a'])}, {notes['c']}"),
        ("Datasettendring kjører bare kapitlet som leser det", notes["d"] == "kjørt: 03-velferd", notes["d"]),
        ("Kald ≤ 0,6 × naiv", med["a"] <= 0.6 * med["e"], f"{t(med['a'] / med['e'])} ×"),
        ("Forhåndsvisning: tekstendring synlig ≤ 2 s etter lagring", med["f"] <= 2.0, f"{t(med['f'])} s"),
    ]
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    text = "\n".join([
        "# Byggetider", "",
        f"Målt med `make bench` {time.strftime('%Y-%m-%d %H:%M')} på {os.cpu_count()} kjerner ({cpu}), "
        f"Python {platform.python_version()}, belastning (load average, 1 min) {fmt.tall(load_start, 1)} ved start og "
        f"{fmt.tall(os.getloadavg()[0], 1)} ved slutt. Median av {a.repeat} kjøringer; hver kjøring er en ny prosess "
        "(`python -m statuskommune build --quiet`) i en fersk kopi av prosjektet. (f) måles med "
        "`statuskommune preview` i gang: tiden fra en tekstendring lagres til serveren leverer den nye siden "
        f"(median av {a.preview_edits} lagringer; nettleserens omlasting kommer i tillegg). Maskinen er delt og "
        "støyete; se på forholdstallene mer enn på sekundene.", "",
        "| Tilfelle | Median (s) | Kjøringer (s) | ÷ (a) | ÷ (e) | Merknad |", "|:--|--:|:--|--:|--:|:--|",
        *rows, "", "## Mål", "", "| Mål | Oppfylt | Målt |", "|:--|:--|:--|",
        *[f"| {n} | {'ja' if ok else 'NEI'} | {v} |" for n, ok, v in checks], ""])
    print(text)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        # Sections measured by other means (the Quarto renderer, measured by hand) are kept.
        old = a.out.read_text(encoding="utf-8") if a.out.is_file() else ""
        keep = old.find("\n## Quarto-rendereren")
        a.out.write_text(text + (old[keep:] if keep != -1 else ""), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Mutation testing of the core modules with cosmic-ray (``make mutation``; not part of ``make test``).

For each module, in a throw-away copy of the project (cosmic-ray rewrites the module on disk, so the
working tree is never touched, even if a run is killed):

1. ``cosmic-ray init`` lists every mutant (all of cosmic-ray's operators);
2. with ``--sample N``, a fixed-seed random sample of N mutants is kept and the rest are marked
   skipped (a full run of stage.py alone takes hours on two shared cores);
3. ``cosmic-ray baseline`` checks that the module's tests pass unmutated;
4. ``cosmic-ray exec`` runs the module's tests against each mutant (``pytest -x``, timeout);
5. the result is written to ``<out>/<module>.json`` with the diff of every surviving mutant, so the
   survivors can be judged (equivalent or a missing test) in docs/mutation.md.

Usage::

    python tests/mutation/run.py [--sample 60] [--seed 14] [--out _build/mutation] [module ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# module name -> (path of the module, the tests that guard it)
MODULES = {
    "fmt": ("src/statuskommune/fmt.py", ["tests/test_fmt.py"]),
    "jsonstat": ("src/statuskommune/fetch/jsonstat.py", ["tests/test_jsonstat.py", "tests/test_fetch.py"]),
    "validate": ("src/statuskommune/validate.py", ["tests/test_validate.py"]),
    "chapter": ("src/statuskommune/chapter.py", ["tests/test_chapter.py"]),
    "stage": ("src/statuskommune/stage.py", ["tests/test_stage.py"]),
    "cache": ("src/statuskommune/cache.py", ["tests/test_cache.py"]),
}

IGNORE = shutil.ignore_patterns(".venv", "_book", "_build", "figures", "node_modules", ".git", "__pycache__",
                                ".pytest_cache", "*.egg-info", "mutants", ".lockvenv")


def _config(module: str, tests: list[str], timeout: float) -> str:
    cmd = " ".join([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m",
                    "'not e2e and not browser and not network'", *tests])
    return (f'[cosmic-ray]\nmodule-path = "{module}"\ntimeout = {timeout}\nexcluded-modules = []\n'
            f'test-command = "{cmd}"\n\n[cosmic-ray.distributor]\nname = "local"\n')


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's type annotations are (a mutant there changes nothing at run time when the
    module has ``from __future__ import annotations``: annotations are never evaluated)."""
    import ast

    tree = ast.parse(source)
    lazy = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and
               any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not lazy:
        return []
    spans = []
    for node in ast.walk(tree):
        anns = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            anns.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            anns.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            anns.append(node.annotation)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in anns]
    return spans


def _sample(session: Path, module: Path, n: int | None, seed: int) -> tuple[int, int, int]:
    """Skip mutants inside annotations (equivalent), then keep a random sample of ``n`` of the rest.
    Returns (all mutants, mutants in annotations, mutants to run)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans = _annotation_spans(module.read_text(encoding="utf-8"))
    with use_db(str(session), WorkDB.Mode.open) as db:
        items = list(db.pending_work_items)
        total = len(items)
        in_ann = [i.job_id for i in items
                  if any(a <= tuple(i.mutations[0].start_pos) and tuple(i.mutations[0].end_pos) <= b for a, b in spans)]
        if in_ann:
            db.set_multiple_results(in_ann, WorkResult(output="annotation (not evaluated)",
                                                       worker_outcome=WorkerOutcome.SKIPPED))
        items = [i for i in items if i.job_id not in set(in_ann)]
        if n is None or n >= len(items):
            return total, len(in_ann), len(items)
        keep = {i.job_id for i in random.Random(seed).sample(items, n)}
        skip = [i.job_id for i in items if i.job_id not in keep]
        db.set_multiple_results(skip, WorkResult(output="not in the sample",
                                                 worker_outcome=WorkerOutcome.SKIPPED))
        return total, len(in_ann), n


def _results(session: Path) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    killed = survived = incompetent = timeouts = 0
    survivors = []
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, res in db.completed_work_items:
            if res.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            if res.worker_outcome != WorkerOutcome.NORMAL or res.test_outcome == TestOutcome.INCOMPETENT:
                incompetent += 1  # the mutant did not even import/run: counted apart
            elif res.test_outcome == TestOutcome.KILLED:
                killed += 1
                timeouts += res.output == "timeout"
            else:
                survived += 1
                m = item.mutations[0]
                survivors.append({"job": item.job_id, "operator": m.operator_name, "line": m.start_pos[0],
                                  "occurrence": m.occurrence, "diff": res.diff})
    survivors.sort(key=lambda s: (s["line"], s["operator"]))
    return {"killed": killed, "survived": survived, "incompetent": incompetent, "timeouts": timeouts,
            "survivors": survivors}


def run_module(name: str, sample: int | None, seed: int, timeout: float, out: Path) -> dict:
    module, tests = MODULES[name]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mutation-{name}-") as tmp:
        work = Path(tmp) / "statuskommune"
        shutil.copytree(REPO, work, ignore=IGNORE)
        (work / "figures").mkdir(exist_ok=True)
        env = dict(os.environ, PYTHONPATH=str(work / "src"), PYTHONDONTWRITEBYTECODE="1",
                   STATUSKOMMUNE_NO_DISPLAY="1")
        env.pop("STATUSKOMMUNE_ROOT", None)
        # the copy, not the editable install, must be what the tests import
        where = subprocess.run([sys.executable, "-c", "import statuskommune; print(statuskommune.__file__)"],
                               cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
        if not where.startswith(str(work)):
            raise SystemExit(f"{name}: the tests would import {where}, not the mutated copy")
        cfg, session = work / "cosmic-ray.toml", work / "session.sqlite"
        cfg.write_text(_config(module, tests, timeout), encoding="utf-8")
        cr = [sys.executable, "-m", "cosmic_ray.cli"]
        subprocess.run([*cr, "init", str(cfg), str(session)], cwd=work, env=env, check=True)
        total, equivalent, chosen = _sample(session, work / module, sample, seed)
        base = subprocess.run([*cr, "baseline", str(cfg)], cwd=work, env=env, capture_output=True, text=True)
        if base.returncode != 0:
            raise SystemExit(f"{name}: the tests fail without any mutation:\n{base.stdout}\n{base.stderr}")
        subprocess.run([*cr, "exec", str(cfg), str(session)], cwd=work, env=env, check=True)
        res = _results(session)
    import cosmic_ray  # noqa: F401
    from importlib.metadata import version

    res.update(module=module, tests=tests, mutants_total=total, mutants_in_annotations=equivalent, mutants_run=chosen, seed=seed,
               tool=f"cosmic-ray {version('cosmic-ray')}", date=time.strftime("%Y-%m-%d"),
               seconds=round(time.monotonic() - t0))
    scored = res["killed"] + res["survived"]
    res["score"] = round(100 * res["killed"] / scored, 1) if scored else None
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    return res


def _copy() -> tuple[tempfile.TemporaryDirectory, Path, dict]:
    tmp = tempfile.TemporaryDirectory(prefix="mutation-recheck-")
    work = Path(tmp.name) / "statuskommune"
    shutil.copytree(REPO, work, ignore=IGNORE)
    (work / "figures").mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(work / "src"), PYTHONDONTWRITEBYTECODE="1", STATUSKOMMUNE_NO_DISPLAY="1")
    env.pop("STATUSKOMMUNE_ROOT", None)
    return tmp, work, env


def recheck(name: str, out: Path, timeout: float) -> dict:
    """Run today's tests against the survivors of the last run (after tests were added): each
    survivor is applied again (``cosmic-ray apply``) to a fresh copy, the module's tests run, and the
    module is restored."""
    import shlex

    res = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    module, tests = MODULES[name]
    tmp, work, env = _copy()
    with tmp:
        cmd = shlex.split(_config(module, tests, timeout).split('test-command = "')[1].split('"\n')[0])
        original = (work / module).read_bytes()
        for s in res["survivors"]:
            subprocess.run([sys.executable, "-m", "cosmic_ray.cli", "apply", module, s["operator"],
                            str(s["occurrence"])], cwd=work, env=env, check=True)
            try:
                r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
                s["recheck"] = "killed" if r.returncode else "survived"
            except subprocess.TimeoutExpired:
                s["recheck"] = "killed"
            finally:
                (work / module).write_bytes(original)
    left = sum(s["recheck"] == "survived" for s in res["survivors"])
    res["recheck"] = {"date": time.strftime("%Y-%m-%d"), "killed_now": len(res["survivors"]) - left,
                      "still_surviving": left}
    (out / f"{name}.json").write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=list(MODULES), help=f"any of {', '.join(MODULES)}")
    ap.add_argument("--sample", type=int, default=None, help="mutants per module (default: all)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    ap.add_argument("--out", type=Path, default=REPO / "_build" / "mutation")
    ap.add_argument("--recheck", action="store_true",
                    help="run today's tests against the survivors recorded in --out (no new sample)")
    args = ap.parse_args(argv)
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        ap.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    if args.recheck:
        for name in args.modules:
            r = recheck(name, args.out, args.timeout)
            print(f"{name:9} {r['recheck']['killed_now']} av {len(r['survivors'])} overlevende drepes nå; "
                  f"{r['recheck']['still_surviving']} overlever fortsatt", flush=True)
            for s in r["survivors"]:
                if s["recheck"] == "survived":
                    print(f"  linje {s['line']}: {s['operator']}")
        return 0
    rows = []
    for name in args.modules:
        r = run_module(name, args.sample, args.seed, args.timeout, args.out)
        rows.append(r)
        print(f"{name:9} {r['killed']:4} drept, {r['survived']:3} overlevde, {r['incompetent']:3} ugyldige "
              f"({r['mutants_run']} av {r['mutants_total']} mutanter, {r['seconds']} s): "
              f"{str(r['score']).replace('.', ',')}\u00a0% (før vurdering av ekvivalente)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

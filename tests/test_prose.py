"""Chapter prose: numbers that come from data are inserted, never typed; prose is our own words."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from statuskommune import config

REPO = Path(__file__).resolve().parents[1]
# A number in running text; not part of a range (2015–2024, 20–66 år) and not an ordinal (9. trinn).
NUMBER = re.compile(r"(?<![\w,.\-−–])−?\d{1,3}(?:[ \u00a0]\d{3})*(?:,\d+)?(?![\w,–]|\.\d|\.\s+[a-zæøå])")
SHORTCODE = re.compile(r"\{\{<.*?>\}\}")
REFS = re.compile(r"@[Ff]ig-[\w-]+|@[Ss]ec-[\w-]+|\{#[^}]*\}|\{\.[^}]*\}")


def _numbers_in_prose(text: str) -> list[str]:
    body = REFS.sub(" ", SHORTCODE.sub(" ", text))
    body = re.sub(r"(?m)^#+ .*$", " ", body)  # headings
    out = []
    for m in NUMBER.finditer(body):
        tok = m.group(0).replace(" ", "\u00a0")
        plain = tok.replace("\u00a0", "")
        if plain.isdigit() and 1900 <= int(plain) <= 2100:
            continue  # a year
        if re.match(r"[ \u00a0]år\b", body[m.end():]):
            continue  # an age («67 år eller eldre») names a group, not a computed value
        out.append(tok)
    return out


def hand_typed(chapter_text: str, numbers: dict[str, dict]) -> list[tuple[str, str]]:
    """(typed number, key) pairs where prose contains a number a notebook computes."""
    computed = {}
    for key, rec in numbers.items():
        if rec.get("verdi") is None:
            continue  # words and years registered as text
        txt = re.sub(r" (prosent|prosentpoeng)$", "", rec["tekst"])
        computed.setdefault(txt, key)
    return [(t, computed[t]) for t in _numbers_in_prose(chapter_text) if t in computed]


def test_detector_finds_a_typed_number():
    nums = {"ndr": {"verdi": 0.1, "tekst": "0,1"}, "andel": {"verdi": 58, "tekst": "58 prosent"},
            "aar": {"verdi": None, "tekst": "2024"}}
    assert hand_typed("Resultatet var 0,1 prosent i 2024.", nums) == [("0,1", "ndr")]
    assert hand_typed("Hele 58 prosent hadde underskudd.", nums) == [("58", "andel")]
    assert hand_typed("Resultatet var {{< var ndr >}} prosent i 2024, se figur 2.58.", nums) == []
    assert hand_typed("Elever på 58. trinn og i alderen 20–58 år.", nums) == []
    assert hand_typed("Andelen som er 58 år eller eldre, er 58 prosent.", nums) == [("58", "andel")]


@pytest.mark.e2e
def test_no_chapter_types_a_number_that_a_notebook_computes(built_report):
    root, _ = built_report
    problems = []
    for edition in config.editions(root):
        ed = config.load(root, edition)
        per_chapter = {}
        for ch in ed.chapters:
            m = root / "figures" / ed.edition / ch.stem / "manifest.json"
            if m.is_file():
                per_chapter[ch.stem] = json.loads(m.read_text())["numbers"]
        every = {k: v for nums in per_chapter.values() for k, v in nums.items()}
        for ch in ed.chapter_files:
            # A chapter is checked against its own notebook's numbers; a chapter without a notebook
            # (the summary) quotes other chapters, so it is checked against all of them.
            numbers = per_chapter.get(ch.stem, every)
            for typed, key in hand_typed(ch.read_text(encoding="utf-8"), numbers):
                problems.append(f"{ch.relative_to(root)}: «{typed}» er skrevet inn for hånd; bruk {{{{< var {key} >}}}}")
    assert not problems, "\n".join(problems)


def test_prose_is_our_own_words():
    tool = REPO.parent / "shared" / "tools" / "originality.py"
    if not tool.is_file():
        pytest.skip(f"originalitetsverktøyet finnes ikke her ({tool})")
    r = subprocess.run([sys.executable, str(tool), "chapters", "notebooks", "index.qmd"], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "0 copied run(s)" in r.stdout

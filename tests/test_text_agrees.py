"""Text that agrees with its figures (issue 13 §2).

- No alt text has a number typed by hand: digits in alt texts come from computed values.
- No sentence that describes a figure names a year older than the latest year of the figure's
  data, unless it compares with the latest year or says it is about an earlier year
  («fra 2015», «siden 2019», «mot 86 prosent i 2014»).
"""

from __future__ import annotations

import ast
import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[1]
YEAR = re.compile(r"(?<![\d,.])(19[5-9]\d|20[0-4]\d)(?![\d,])")
COMPARE = re.compile(r"(?:\bfra|\bsiden|\bmellom|\better|\bfør|\benn|\bmot|\btil|\bsammenlignet med|"
                     r"\bi forhold til|\bog|\bunder|\bi perioden|\btidligere|\bi årene)\s+(?:i\s+|året\s+)?$", re.I)


# an age or age band («67–79 år», «80 år og over») names a group, not a value from the data
AGE = re.compile(r"\b\d{1,3}(?:\s?[–-]\s?\d{1,3})?\s(?:år)\b")


# --- alt texts: no hand-typed numbers ---------------------------------------------------------

def _literal_parts(node: ast.AST):
    """The string literals an expression is built from (not format specs, not call arguments)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                yield v.value
    elif isinstance(node, ast.BinOp):
        yield from _literal_parts(node.left)
        yield from _literal_parts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_parts(node.body)
        yield from _literal_parts(node.orelse)


def hand_typed_numbers(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "alt":
                    out += [s for s in _literal_parts(kw.value) if re.search(r"\d", AGE.sub("", s))]
    return out


def test_rule_finds_typed_numbers_and_accepts_computed_ones():
    assert hand_typed_numbers('f.tegn(x, alt="I 2024 var det 59 prosent.")')
    assert hand_typed_numbers('f.tegn(x, alt=f"I {aar} var det 59 prosent.")')
    assert hand_typed_numbers('f.tegn(x, alt="Søylediagram " + "fra 2015")')
    assert not hand_typed_numbers('f.tegn(x, alt=f"I {aar} var det {fmt.tall(v, 1)} prosent.")')
    assert not hand_typed_numbers('f.tegn(x, alt=f"Andelen var {v:.1f}.")')  # a format spec is no number
    assert not hand_typed_numbers('f.tegn(x, alt=tekst)')
    assert not hand_typed_numbers('f.tegn(x, alt=f"Andelen 67–79 år og 80 år og over steg til {v}.")')
    assert hand_typed_numbers('f.tegn(x, alt="Andelen 80 år og over var 4,6 prosent.")')


@pytest.mark.parametrize("nb", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_alt_texts_have_no_hand_typed_numbers(nb):
    bad = []
    for i, cell in enumerate(nbformat.read(str(nb), as_version=4).cells, start=1):
        if cell.cell_type == "code":
            bad += [f"celle {i}: «{s.strip()}»" for s in hand_typed_numbers(cell.source)]
    assert not bad, f"{nb.name}: alt-tekst med tall skrevet for hånd (bruk beregnede verdier):\n" + "\n".join(bad)


# --- the latest year --------------------------------------------------------------------------

def latest_years(csv_path: Path, kolonner: dict) -> tuple[int, set[int]] | None:
    """(latest year of the figure, latest year of each series in it). A series is a combination
    of the figure's text columns; «i 2023» is current for a series that ends in 2023."""
    # the figure's CSV names its columns by their titles (kolonner: field -> title)
    cols = [title for c, title in kolonner.items() if c in ("aar", "år") or title.lower() == "år"]
    if not cols:
        return None
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    ycol = cols[0]

    def is_num(v):
        return re.fullmatch(r"-?\d+(\.\d+)?", v or "") is not None or v in ("", "..", ".", ":")

    text_cols = [c for c in (rows[0].keys() if rows else []) if c != ycol and not all(is_num(r[c]) for r in rows)]
    per: dict[tuple, int] = {}
    for r in rows:
        if re.fullmatch(r"\d{4}(\.0)?", r[ycol] or ""):
            k = tuple(r[c] for c in text_cols)
            per[k] = max(per.get(k, 0), int(float(r[ycol])))
    if not per:
        return None
    return max(per.values()), set(per.values())


def stale_years(sentence: str, latest: int, series_latest: set[int] = frozenset()) -> list[int]:
    """Years before ``latest`` named in ``sentence`` without comparing them with ``latest``.
    A year that is the latest of one of the figure's series is current for that series."""
    if str(latest) in sentence:
        return []
    out = []
    for m in YEAR.finditer(sentence):
        y = int(m.group(1))
        if y >= latest or y in series_latest:
            continue
        before = sentence[:m.start()]
        after = sentence[m.end():m.end() + 2]
        clause = re.split(r"[;:]", before)[-1]
        if COMPARE.search(before) or after.startswith(("–", "-")) or before.endswith(("–", "-")):
            continue
        # «fra 66 prosent i 2021 til 57 prosent i 2025»: the start of a comparison
        if re.search(r"\bfra\b", clause) and re.match(r"[^.;:]*\b(til|mot)\b", sentence[m.end():]):
            continue
        # «…, mot 37 prosent i 2021», «høyere enn de 64,7 prosentene i 2019»: a comparison
        if re.search(r"\b(mot|enn|sammenlignet med)\b(\s+\S+){0,5}\s+$", clause):
            continue
        # «en topp i 2017», «toppen i 2021», «lavest i 2020»: explicitly about that year
        if re.search(r"\b(topp(?:en)?|bunn(?:en)?|høyest|lavest|rekord\w*)\s+i\s+$", before, re.I):
            continue
        out.append(y)
    return out


def test_stale_year_rule():
    assert stale_years("I 2024 hadde 59 prosent høy tillit.", 2025) == [2024]
    assert stale_years("I 2025 hadde 57 prosent høy tillit, mot 59 prosent i 2024.", 2025) == []
    assert stale_years("Andelen har falt fra 2015 til i dag.", 2025) == []
    assert stale_years("I perioden 2015–2024 falt tallet.", 2025) == []
    assert stale_years("Dekar omdisponert i 2022 var færre enn før.", 2024) == [2022]
    assert stale_years("Andelen falt fra 68 prosent i 2020 til 59 prosent i 2023.", 2024) == [2023]
    assert stale_years("Antallet økte til en topp i 2017 og har gått ned.", 2021) == []
    assert stale_years("Bare 35 prosent tror det, mot 37 prosent i 2021.", 2023) == []
    assert stale_years("I 2023 stemte 62,4 prosent ved kommunestyrevalget.", 2025, {2023, 2025}) == []
    assert stale_years("I 2023 stemte 62,4 prosent ved kommunestyrevalget.", 2025, {2025}) == [2023]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])", " ".join(text.split())) if s]


def test_prose_and_alt_texts_name_the_latest_year(built_report):
    root, res = built_report
    staged = json.loads((root / "_build" / res.edition / "stage" / "stage.json").read_text(encoding="utf-8"))
    latest, series = {}, {}
    for f in staged["figures"]:
        y = latest_years(root / "_book" / res.edition / "data" / f["csv"], f["kolonner"])
        if y:
            latest[f["id"]], series[f["id"]] = y
    problems = []
    for f in staged["figures"]:
        if f["id"] in latest:
            for s in _sentences(f["alt"]):
                for y in stale_years(s, latest[f["id"]], series[f["id"]]):
                    problems.append(f"alt-tekst, figur {f['number']} (data til {latest[f['id']]}): {y} i «{s}»")
    for page in sorted((root / "_book" / res.edition).glob("0*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for span in soup.select("span.historisk"):  # the author marks a sentence about an earlier year
            span.replace_with(YEAR.sub("(år)", span.get_text()))
        for p in soup.find("main").find_all("p"):
            if p.find_parent("figure") or p.find_parent("details"):
                continue
            for s in _sentences(p.get_text(" ")):
                refs = re.findall(r"[Ff]igur\s(\d+\.\d+)", s) or [
                    n for n in re.findall(r"[Ff]igur\s(\d+\.\d+)", p.get_text(" "))]
                ids = [f["id"] for f in staged["figures"] if f["number"] in refs and f["id"] in latest]
                if not ids:
                    continue
                last = min(latest[i] for i in ids)
                for y in stale_years(s, last, set().union(*(series[i] for i in ids))):
                    problems.append(f"{page.name} (figur {', '.join(refs)}, data til {last}): {y} i «{s}»")
    assert not problems, "\n".join(problems)

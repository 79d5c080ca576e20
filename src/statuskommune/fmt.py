"""Norwegian (bokmål) number and date formatting for everything a reader sees.

Uses CLDR data through babel, never the operating system's locale (CI images have only C/POSIX).
House rules (Språkrådet; DFØ):
- decimal comma, non-breaking space (U+00A0) as thousands separator, also in 4-digit numbers;
- the minus sign U+2212, never an ASCII hyphen;
- ``12,3 %`` with a non-breaking space in figures and tables, ``12,3 prosent`` in running text;
- ranges with an en dash and no spaces: ``2015–2024``;
- rounding half away from zero, as in SSB's tables (babel would round half to even).
Machine-readable downloads (CSV) keep plain numbers; format only for presentation.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

NBSP = "\u00a0"
MINUS = "\u2212"
EN_DASH = "\u2013"
LOCALE = "nb_NO"


def _round(x: float, decimals: int) -> Decimal:
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return d + 0 if d != 0 else abs(d)  # no "−0,0"


def tall(x: float | int, desimaler: int = 0) -> str:
    """Format a number: ``-1234.5`` -> ``'−1 234,5'`` (with U+00A0 and U+2212)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ".."  # SSB: figure not available
    return _tall(float(x), int(desimaler))


@functools.lru_cache(maxsize=8192)
def _tall(x: float, desimaler: int) -> str:
    """``tall`` for a float; remembered, since matplotlib formats the same tick values at every
    draw (babel needs ~15 µs a number, a remembered one 0,2 µs)."""
    pattern = "#,##0" + ("." + "0" * desimaler if desimaler else "")
    s = format_decimal(_round(x, desimaler), format=pattern, locale=LOCALE)
    # babel emits ASCII '-' and may emit U+202F; the house rule is U+2212 and U+00A0.
    return s.replace("-", MINUS).replace("\u202f", NBSP)


def prosent(x: float, desimaler: int = 1, tekst: bool = False) -> str:
    """``12.34`` -> ``'12,3 %'`` (figures, tables) or ``'12,3 prosent'`` (``tekst=True``)."""
    return tall(x, desimaler) + (" prosent" if tekst else NBSP + "%")


def prosentpoeng(x: float, desimaler: int = 1, fortegn: bool = False) -> str:
    """``-2.0`` -> ``'−2,0 prosentpoeng'``; ``fortegn=True`` adds '+' to positive values."""
    s = tall(x, desimaler)
    if fortegn and _round(x, desimaler) > 0:
        s = "+" + s
    return s + " prosentpoeng"


def periode(fra: int, til: int) -> str:
    """``(2015, 2024)`` -> ``'2015–2024'``."""
    return f"{fra}{EN_DASH}{til}"


def dato(d: dt.date | str, form: str = "long") -> str:
    """``2025-03-07`` -> ``'7. mars 2025'`` (long) or ``'07.03.2025'`` (short)."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return format_date(d, format=form, locale=LOCALE)


def typografi(tekst: str) -> str:
    """Reader-facing labels: ``1-5 år`` -> ``1–5 år``, ``2017-2019`` -> ``2017–2019`` (en dash), ``CO2`` -> ``CO₂``."""

    def dash(m: "re.Match") -> str:
        a, b = m.group(1), m.group(2)
        if len(a) == len(b) or max(len(a), len(b)) <= 3:  # 1-5, 0-22, 2017-2019; not 2019-10 (a date)
            return f"{a}{EN_DASH}{b}"
        return m.group(0)

    return _tusen(kjemi(re.sub(r"(?<![\d-])(\d{1,4})\s?-\s?(\d{1,4})(?![\d-])", dash, str(tekst))))


def _tusen(d: str) -> str:
    """A non-breaking space inside numbers: ``3 000`` -> ``3\u00a0000``."""
    while True:
        ny = _TUSEN_RE.sub(lambda m: m.group(1) + NBSP + m.group(2), d)
        if ny == d:
            return d
        d = ny


KJEMI = {"CO2": "CO\u2082", "CH4": "CH\u2084", "N2O": "N\u2082O", "SO2": "SO\u2082", "NO2": "NO\u2082",
         "NH3": "NH\u2083", "SF6": "SF\u2086"}
_KJEMI_RE = re.compile(r"(?<![\w/.])(" + "|".join(KJEMI) + r")(?![\w/])")
_TUSEN_RE = re.compile(r"(?<![\d,.])(\d{1,3})[ \u202f](\d{3})(?=(?:[ \u202f\u00a0]\d{3})*(?![\d]))")
_SKJERMET_RE = re.compile(r"(\]\([^)]*\)|<[^>\s]+>|https?://\S+|\{[^}]*\}|`[^`]*`)")


def kjemi(tekst: str) -> str:
    """Chemical formulas with subscripts: ``CO2`` -> ``CO₂`` (not inside words, paths or URLs)."""
    return _KJEMI_RE.sub(lambda m: KJEMI[m.group(1)], tekst)


def lopende_tekst(linje: str) -> str:
    """House typography for a line of running text (markdown): chemical formulas with subscripts
    and a non-breaking space inside numbers («3 000» never breaks). Link targets, URLs, attributes
    and code are left exactly as written."""
    deler = _SKJERMET_RE.split(linje)
    for i in range(0, len(deler), 2):
        deler[i] = _tusen(kjemi(deler[i]))
    return "".join(deler)


def liste(ord: list[str]) -> str:
    """``['a', 'b', 'c']`` -> ``'a, b og c'``."""
    ord = list(ord)
    if len(ord) <= 1:
        return "".join(ord)
    return ", ".join(ord[:-1]) + " og " + ord[-1]


def akseformat(desimaler: int = 0, prosenttegn: bool = False):
    """A matplotlib tick formatter in the house style."""
    from matplotlib.ticker import FuncFormatter

    def f(v: float, pos: int | None = None) -> str:
        s = tall(v, desimaler)
        return s + NBSP + "%" if prosenttegn else s

    return FuncFormatter(f)


def aarsliste(aar) -> str:
    """Years as reader text, consecutive years joined as ranges:
    ``[2013, 2014, 2015, 2020]`` -> ``'2013–2015 og 2020'``. Empty input gives ``''``."""
    ys = sorted({int(a) for a in aar})
    deler: list[str] = []
    i = 0
    while i < len(ys):
        j = i
        while j + 1 < len(ys) and ys[j + 1] == ys[j] + 1:
            j += 1
        deler.append(str(ys[i]) if i == j else periode(ys[i], ys[j]))
        i = j + 1
    return liste(deler)


def manglende_aar(aar, fra: int | None = None, til: int | None = None) -> list[int]:
    """The years between ``fra`` and ``til`` (default: first and last of ``aar``) that ``aar`` lacks,
    so a caption's «… mangler» is computed from the data, never typed."""
    ys = {int(a) for a in aar}
    if not ys:
        return []
    lo = min(ys) if fra is None else int(fra)
    hi = max(ys) if til is None else int(til)
    return [y for y in range(lo, hi + 1) if y not in ys]

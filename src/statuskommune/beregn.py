"""Small, tested calculations that notebooks use (so no notebook holds reusable logic)."""

from __future__ import annotations

import pandas as pd


def kjedeindeks(data: pd.DataFrame, aar: str, vekst: str, basisaar: int) -> pd.DataFrame:
    """Chain annual growth rates (percent) into an index with ``basisaar`` = 100.

    The growth in year t moves the index from t−1 to t, so the base year's own growth is not
    used. Years before the base are chained backwards. Returns columns ``aar`` and ``indeks``.
    A missing growth rate breaks the chain: later (or earlier) years become missing, never guessed.
    """
    d = data[[aar, vekst]].sort_values(aar).reset_index(drop=True)
    years = d[aar].tolist()
    if basisaar not in years:
        raise ValueError(f"basisåret {basisaar} finnes ikke i dataene ({years[0]}–{years[-1]})")
    g = dict(zip(years, d[vekst].tolist()))
    idx = {basisaar: 100.0}
    for y in [y for y in years if y > basisaar]:
        prev = idx.get(y - 1)
        idx[y] = None if prev is None or pd.isna(g.get(y)) else prev * (1 + g[y] / 100)
    for y in sorted([y for y in years if y < basisaar], reverse=True):
        nxt = idx.get(y + 1)
        idx[y] = None if nxt is None or pd.isna(g.get(y + 1)) else nxt / (1 + g[y + 1] / 100)
    return pd.DataFrame({aar: years, "indeks": [idx[y] for y in years]})


def endring(data: pd.DataFrame, aar: str, verdi: str, fra: int, til: int) -> float:
    """Difference til − fra (in the unit of ``verdi``, e.g. percentage points)."""
    s = data.set_index(aar)[verdi]
    return float(s.loc[til] - s.loc[fra])


def prosentvis_endring(data: pd.DataFrame, aar: str, verdi: str, fra: int, til: int) -> float:
    s = data.set_index(aar)[verdi]
    return float((s.loc[til] / s.loc[fra] - 1) * 100)


def velg(data: pd.DataFrame, **lik) -> pd.DataFrame:
    """Rows where every column equals the given value: ``velg(df, maal="netto", aar=2024)``."""
    mask = pd.Series(True, index=data.index)
    for col, val in lik.items():
        mask &= data[col] == val
    return data[mask].copy()


def verdi(data: pd.DataFrame, **lik) -> float:
    """The single value in column ``verdi`` of the row matching ``lik`` (error if not exactly one)."""
    rows = velg(data, **lik)
    if len(rows) != 1:
        raise KeyError(f"ventet én rad for {lik}, fant {len(rows)}")
    v = rows["verdi"].iloc[0]
    return float(v) if pd.notna(v) else float("nan")

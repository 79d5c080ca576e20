"""Make data/2025/rammer/kostnadsindeks.csv: the samlet kostnadsindeks (DKI) per kommune in the
inntektssystemet for 2025 (KDD, Grønt hefte 2025, tabell A-k), from the public JSON snapshot
``dki-2025.json`` (vegard1104/kommunebarometer @ 3aa9c7d2027ece72606bea711ba937e0de416cea,
``data/dki-2025.json``). The build never reads the snapshot; run by hand::

    python scripts/import_dki.py /path/to/dki-2025.json

Only kommuner whose value is a single number (the samlet index) are kept. Entries given as an
object of sector indices (one kommune in the snapshot) are dropped, not recombined, because
combining them would make a derived value. Then run ``statuskommune data hash``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("bruk: python scripts/import_dki.py dki-2025.json")
    d = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    rows, dropped = [], []
    for kode, v in sorted(d["kommuner"].items()):
        if isinstance(v, (int, float)):
            rows.append((kode, v))
        else:
            dropped.append(kode)
    out = ROOT / "data" / "2025" / "rammer" / "kostnadsindeks.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["kommunenummer", "kostnadsindeks"])
        w.writerows(rows)
    print(f"{len(rows)} kommuner skrevet til {out}; utelatt (ikke ett samlet tall): {', '.join(dropped) or 'ingen'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

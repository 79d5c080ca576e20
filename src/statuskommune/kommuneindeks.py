"""The index of kommune editions: ``_book/<edition>/kommuner/index.html``.

A map with every kommune that has an edition as a link, and the same kommuner as a list grouped
by fylke. Everything works without JavaScript (the list is plain links, the map's kommuner are
SVG links, and the browser's own search finds a name); a small script adds a filter field.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from . import config, kommuner

FILTER_JS = """
(function () {
  var felt = document.getElementById('finn-kommune');
  var boks = document.getElementById('finn');
  if (!felt || !boks) return;
  boks.hidden = false;
  var status = document.getElementById('finn-status');
  felt.addEventListener('input', function () {
    var q = felt.value.trim().toLowerCase(), n = 0;
    document.querySelectorAll('.kommuneliste li').forEach(function (li) {
      var vis = !q || li.textContent.toLowerCase().indexOf(q) !== -1;
      li.hidden = !vis; if (vis) n++;
    });
    document.querySelectorAll('.kommuneliste section').forEach(function (s) {
      s.hidden = !s.querySelector('li:not([hidden])');
    });
    status.textContent = q ? n + ' kommuner passer' : '';
  });
})();
"""


def _write_map(root: Path, base: Path) -> bool:
    """Draw the overview map into ``base/kart.svg``; False when the geometry is missing."""
    from . import kart
    from .chapter import save_svg

    kom = root / "data" / "felles" / "kart" / "kommuner-2024.csv"
    fyl = root / "data" / "felles" / "kart" / "fylker-2024.csv"
    if not kom.is_file():
        return False
    fig = kart.oversikt(kart.les_geometri(kom), fylker=kart.les_geometri(fyl) if fyl.is_file() else None)
    tmp = base / ".kart.svg.tmp"
    save_svg(fig, tmp, salt="kommuner/kart")
    import matplotlib.pyplot as plt
    plt.close(fig)
    os.replace(tmp, base / "kart.svg")
    return True


def page(root: Path, national: config.Edition, komm: list[kommuner.Kommune], kart: bool = True) -> str:
    title = f"Status Kommune {national.edition} for hver kommune"
    groups: dict[tuple[str, str], list[kommuner.Kommune]] = {}
    for k in komm:
        groups.setdefault((k.fylkesnummer, k.fylkesnavn), []).append(k)
    lists = []
    for (fnr, fnavn), ks in sorted(groups.items()):
        items = "\n".join(
            f'<li><a href="{k.nr}/index.html">{html.escape(k.kortnavn)}</a> <span class="nr">{k.nr}</span></li>'
            for k in sorted(ks, key=lambda k: k.kortnavn))
        lists.append(f'<section aria-labelledby="f{fnr}"><h3 id="f{fnr}">{html.escape(fnavn)}</h3>\n'
                     f"<ul>\n{items}\n</ul></section>")
    map_html = ('<figure class="kommunekart"><img src="kart.svg" alt="Kart over Norge med grensene for alle '
                'kommunene og fylkene." width="320"><figcaption>Kommunene og fylkene fra 1. januar 2024. '
                "Kilde: © Kartverket.</figcaption></figure>") if kart else ""
    n = len(komm)
    intro = (f"<p>Hver av de {n} kommunene har sin egen utgave av Status Kommune {national.edition}: "
             "kommunen sammenlignet med fylket og hele landet, med figurer, tabeller og tall til nedlasting, "
             "som nettside og PDF.</p>") if n else \
        "<p>Ingen kommuneutgaver er publisert ennå.</p>"
    return f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="../assets/statuskommune.css">
</head>
<body>
<a class="hopp" href="#innhold">Hopp til innholdet</a>
<header class="topp">
<p class="nettsted"><a href="../index.html">{html.escape(national.title)}</a></p>
</header>
<div class="ramme">
<main id="innhold">
<h1>{html.escape(title)}</h1>
{intro}
<div id="finn" class="finn" hidden>
<label for="finn-kommune">Finn kommune</label>
<input id="finn-kommune" type="search" autocomplete="off">
<p id="finn-status" role="status"></p>
</div>
{map_html}
<h2>Kommunene etter fylke</h2>
<div class="kommuneliste">
{chr(10).join(lists)}
</div>
</main>
</div>
<footer class="bunn">
<p>{html.escape(national.title)} er utgitt av {html.escape(national.publisher)}.</p>
<ul><li><a href="../index.html">Den nasjonale rapporten</a></li></ul>
</footer>
<script>{FILTER_JS}</script>
</body>
</html>
"""


def write(root: Path, national: config.Edition, komm: list[kommuner.Kommune]) -> Path:
    """Write the index atomically (a reader never sees half a page)."""
    from .render import html as html_r

    base = root / "_book" / national.edition / "kommuner"
    base.mkdir(parents=True, exist_ok=True)
    if not (base.parent / "assets" / "statuskommune.css").is_file():
        html_r.copy_assets(base.parent)  # the national edition is not built yet: same style sheet
    target = base / "index.html"
    has_map = _write_map(root, base)
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=base)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(page(root, national, komm, kart=has_map))
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target

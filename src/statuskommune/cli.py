"""Command line: ``statuskommune build | execute | render | preview | check | coverage | fetch | data``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import StatusKommuneError

CONTEXT = {"help_option_names": ["-h", "--help"]}


def _root() -> Path:
    from .paths import find_root

    try:
        return find_root()
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc


def _to(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


edition_opt = click.option("--edition", "-e", default=None, help="Utgave (år), f.eks. 2025. Standard: default-edition i _quarto.yml.")


def _run(fn):
    try:
        return fn()
    except StatusKommuneError as exc:
        click.echo(click.style("Feil: ", fg="red", bold=True) + str(exc), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Avbrutt. Forrige publiserte utgave er urørt; neste bygging fortsetter der denne slapp.", err=True)
        sys.exit(130)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__)
def main() -> None:
    """Bygg Status Kommune: kapittelnotatbøker (Papermill) → HTML og PDF (pandoc + typst, eller Quarto)."""


@main.command()
@edition_opt
@click.option("--to", "to", default="html,pdf", show_default=True, help="Formater: html, pdf eller html,pdf.")
@click.option("--renderer", type=click.Choice(["auto", "builtin", "quarto"]), default="auto", show_default=True)
@click.option("--force", is_flag=True, help="Kjør alle notatbøker og gjengi alt på nytt, uten cache.")
@click.option("--quiet", "-q", is_flag=True, help="Enkle linjer i stedet for levende fremdrift (for CI-logger).")
@click.option("--kommune", "-k", default=None,
              help="Bygg kommuneutgaven for en kommune (nummer eller navn, f.eks. 4601 eller Bergen), "
                   "flere adskilt med komma, eller «all» for alle 357.")
@click.option("--scheduler", default=None, metavar="tcp://VERT:8786",
              help="Flere kommuner: bruk denne Dask-planleggeren og dens arbeidere (standard: "
                   "$STATUSKOMMUNE_SCHEDULER, ellers en lokal klynge; «local» tvinger lokal klynge).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Flere kommuner: antall arbeidere i den lokale Dask-klyngen (standard: antall kjerner).")
def build(edition, to, renderer, force, quiet, kommune, scheduler, workers) -> None:
    """Valider data, kjør kapitlene og lag HTML og PDF i _book/<utgave>/.

    Med --kommune lages kommuneutgaven i _book/<utgave>/kommuner/<nr>/.

    Example: statuskommune build --edition 2025 --to html,pdf
    Example: statuskommune build --edition 2025 --kommune 4601
    Example: statuskommune build --edition 2025 --kommune all --scheduler tcp://10.0.0.5:8786
    """
    from . import fmt, progress
    from .build import build as do_build

    if kommune is not None:
        from .kommunebygg import cli_build
        _run(lambda: cli_build(_root(), edition, kommune, _to(to), renderer, force, quiet, scheduler, workers))
        return

    def go():
        import time
        t0 = time.monotonic()
        res = do_build(_root(), edition, to=_to(to), renderer=renderer, force=force, quiet=quiet)
        click.echo(progress.summary(res.outcomes))
        for w in res.warnings:
            click.echo(click.style("Merk: ", fg="yellow") + w)
        if not res.rendered:
            click.echo("Ingenting er endret siden forrige bygging; utdataene er uendret.")
        click.echo(f"Ferdig på {fmt.tall(time.monotonic() - t0, 1)} s (gjengitt med {res.renderer}). Utdata:")
        if res.html:
            click.echo(f"  HTML: {res.html}")
        if res.pdf:
            click.echo(f"  PDF:  {res.pdf}")
    _run(go)


@main.command()
@edition_opt
@click.option("--force", is_flag=True, help="Kjør selv om ingenting er endret.")
@click.option("--quiet", "-q", is_flag=True)
@click.argument("chapters", nargs=-1)
def execute(edition, force, quiet, chapters) -> None:
    """Kjør kapittelnotatbøkene (bare de som har endrede inndata).

    Example: statuskommune execute 02-lokaldemokrati
    """
    from . import config, progress
    from .execute import execute as do_execute
    from .validate import validate

    def go():
        root = _root()
        ed = config.load(root, edition)
        validate(root, ed.vintage, cache_dir=root / "_build" / "cache")
        prog = progress.make(quiet)
        with prog:
            outcomes = do_execute(ed, force=force, only=list(chapters) or None, progress=prog)
        click.echo(progress.summary(outcomes))
    _run(go)


@main.command()
@edition_opt
@click.option("--to", "to", default="html,pdf", show_default=True)
@click.option("--renderer", type=click.Choice(["auto", "builtin", "quarto"]), default="auto", show_default=True)
def render(edition, to, renderer) -> None:
    """Sett sammen og gjengi rapporten fra de sist kjørte notatbøkene (uten å kjøre dem).

    Example: statuskommune render --to html
    """
    from . import config, publish
    from .build import _check_outputs, choose_renderer, render_to
    from .stage import stage

    def go():
        root = _root()
        ed = config.load(root, edition)
        chosen = choose_renderer(renderer)
        staged = stage(ed, ed.build_dir / "stage")
        target = ed.book_dir
        tmp = publish.staging_dir(target)
        try:
            render_to(staged, ed, _to(to), chosen, tmp)
            _check_outputs(tmp, ed, _to(to))
            publish.keep(target, tmp, ed.keep_published)
            publish.publish(tmp, target)
        except BaseException:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        click.echo(f"Gjengitt med {chosen} til {target}")
    _run(go)


@main.command()
@edition_opt
@click.option("--port", "-p", type=int, default=4300, show_default=True, help="Port på localhost (0: en ledig port).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--renderer", type=click.Choice(["builtin", "quarto"]), default="builtin", show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Åpne siden i nettleseren.")
def preview(edition, port, host, renderer, open_browser) -> None:
    """Vis HTML-utgaven på localhost og bygg den på nytt når du lagrer.

    Følger med på chapters/, notebooks/, data/ og _quarto*.yml, bygger inkrementelt til
    _build/<utgave>/preview/ (ikke _book/) og laster siden i nettleseren på nytt. Feiler en
    bygging, vises feilen øverst på siden sammen med forrige vellykkede versjon.

    Example: statuskommune preview --edition 2025 --open
    """
    from .preview import serve

    def go():
        try:
            serve(_root(), edition, host=host, port=port, renderer=renderer, open_browser=open_browser)
        except KeyboardInterrupt:
            pass
        click.echo("Forhåndsvisningen er stoppet.")
    _run(go)


@main.command()
@edition_opt
@click.option("--all-vintages", is_flag=True, help="Valider alle dataårganger.")
def check(edition, all_vintages) -> None:
    """Valider dataene (typer, nøkler, gyldige verdier, koder, sjekksummer, beskrivelser).

    Example: statuskommune check --edition 2025
    """
    from . import config, datasets
    from .validate import validate

    def go():
        root = _root()
        vintages = datasets.vintages(root) if all_vintages else [config.load(root, edition).vintage]
        for v in vintages:
            found = validate(root, v)  # no cache: always a full validation
            click.echo(f"Dataårgang {v}: {len(found)} datasett er gyldige.")
    _run(go)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt_", type=click.Choice(["text", "csv", "html"]), default="text", show_default=True)
@click.option("--quiet", "-q", is_flag=True)
def diff(old, new, fmt_, quiet) -> None:
    """Vis hva som er endret mellom to utgaver: reviderte verdier, nye og fjernede serier,
    figurer og tall i teksten.

    Example: statuskommune diff 2024 2025 --format csv > endringer.csv
    """
    from . import config
    from . import diff as diff_mod
    from .execute import execute as do_execute
    from .progress import PlainProgress
    from .validate import validate

    def go():
        root = _root()
        for e in (old, new):  # the figures and numbers of both editions must be current
            ed = config.load(root, e)
            validate(root, ed.vintage, cache_dir=root / "_build" / "cache")
            outcomes = do_execute(ed, progress=PlainProgress(stream=sys.stderr) if not quiet else None)
            failed = [o for o in outcomes if o.state == "failed"]
            if failed:
                raise StatusKommuneError(f"Utgave {e}: {', '.join(o.stem for o in failed)} feilet; "
                                         "kan ikke sammenligne figurene.")
        d = diff_mod.diff(root, old, new)
        out = {"text": diff_mod.as_text, "csv": diff_mod.as_csv, "html": diff_mod.as_html}[fmt_](d)
        click.echo(out, nl=False)
    _run(go)


@main.command()
@edition_opt
@click.option("--format", "fmt_", type=click.Choice(["text", "csv"]), default="text", show_default=True)
def coverage(edition, fmt_) -> None:
    """Vis dekningen av forrige utgaves figurer: gjengitt, delvis eller ikke gjengitt.

    Example: statuskommune coverage --format csv > dekning.csv
    """
    from . import config
    from . import coverage as cov_mod
    from .execute import execute as do_execute
    from .progress import PlainProgress
    from .stage import stage
    from .validate import validate

    def go():
        import csv as csvmod
        root = _root()
        ed = config.load(root, edition)
        validate(root, ed.vintage, cache_dir=root / "_build" / "cache")
        do_execute(ed, progress=PlainProgress(stream=sys.stderr))
        staged = stage(ed, ed.build_dir / "stage")
        cov = cov_mod.compute(ed, staged.figures)
        if cov is None:
            raise StatusKommuneError(f"Utgave {ed.edition} har ingen referanseliste (statuskommune.figure-list).")
        if fmt_ == "csv":
            w = csvmod.writer(sys.stdout)
            w.writerow(["figur", "kapittel", "tittel", "status", "var_figur", "merknad", "kilde"])
            for r in cov.rows:
                w.writerow([r.figur, r.kapittel, r.tittel, r.status, " ".join(n for n, _, _ in r.ours), r.merknad, r.kilde])
            return
        for r in cov.rows:
            ours = ", ".join(n for n, _, _ in r.ours)
            click.echo(f"{r.figur:>5}  {cov_mod.STATUS_TEXT[r.status]:<13} {ours:<10} {r.tittel[:60]}")
            if r.merknad:
                click.echo(f"{'':>20}{r.merknad[:110]}")
        c = cov.counts()
        click.echo(f"\n{cov.total} figurer: {c['gjengitt']} gjengitt, {c['delvis']} delvis, {c['ikke']} ikke gjengitt.")
        for ch, cc in sorted(cov.per_chapter().items()):
            click.echo(f"  Kapittel {ch}: {cc['gjengitt']} gjengitt, {cc['delvis']} delvis, {cc['ikke']} ikke")
        click.echo(f"Figurer i denne utgaven: {len(staged.figures)}")
    _run(go)


@main.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Mappe for øyeblikksbildene (standard: data/raw/ssb).")
@click.option("--base-url", default=None, help="API-adresse (standard: https://data.ssb.no/api/pxwebapi/v2).")
def fetch(spec, out, base_url) -> None:
    """Hent tabeller fra SSBs PxWebApi v2 etter en spesifikasjon (trenger nett).

    Example: statuskommune fetch data/fetch/ssb.yaml
    """
    from .fetch import ssb

    def go():
        root = _root()
        results = ssb.fetch_spec(spec, out or root / "data" / "raw" / "ssb", base_url=base_url)
        for r in results:
            click.echo(f"{r.table}: {r.rows} rader → {r.csv}")
    _run(go)


@main.group()
def data() -> None:
    """Verktøy for datasett."""


@data.command("hash")
@edition_opt
def data_hash(edition) -> None:
    """Skriv ny sha256 inn i beskrivelsene etter en bevisst endring av data.

    Example: statuskommune data hash
    """
    from . import config
    from .validate import rehash

    def go():
        root = _root()
        changed = rehash(root, config.load(root, edition).vintage if edition else None)
        for p in changed:
            click.echo(f"oppdatert {p.relative_to(root)}")
        click.echo(f"{len(changed)} beskrivelser oppdatert.")
    _run(go)


@main.command("new-edition")
@click.argument("year", type=int)
@click.option("--from", "base", default=None, help="Utgaven som kopieres (standard: default-edition).")
def new_edition_cmd(year, base) -> None:
    """Lag profilen og datamappen for en ny utgave.

    Example: statuskommune new-edition 2026
    """
    from .edition import new_edition

    def go():
        for p in new_edition(_root(), year, base):
            click.echo(f"laget {p.relative_to(_root())}")
        click.echo(f"Legg dataene i data/{year}/ og bygg med: statuskommune build --edition {year}")
    _run(go)


@main.group()
def notebooks() -> None:
    """Verktøy for kapittelnotatbøkene."""


@notebooks.command("sync")
@edition_opt
def notebooks_sync(edition) -> None:
    """Fjern utdata fra kildenotatbøkene og lagre nøkkeltallene nbval sjekker.

    Example: statuskommune build && statuskommune notebooks sync
    """
    from . import config, kommuner
    from .notebooks import sync

    def go():
        root = _root()
        ed = config.load(root, edition)
        for nb in sorted((root / "notebooks").glob("*.ipynb")):
            executed = ed.build_dir / "notebooks" / nb.name
            if nb.name == kommuner.NOTEBOOK.name:  # stored numbers: the kommune of its parameters cell
                executed = kommuner.load(root, edition, kommuner.default_parameter(nb)).build_dir / "notebooks" / nb.name
            changed = sync(nb, executed if executed.is_file() else None)
            click.echo(f"{nb.relative_to(root)}: {'oppdatert' if changed else 'uendret'}")
    _run(go)


@main.command("import-kommune")
@click.option("--fra", "fra", type=click.Path(path_type=Path), required=True,
              help="Mappen med rådataene per kommune (utenfor prosjektet; se README, «Din kommunes utgave»).")
def import_kommune(fra) -> None:
    """Lag kommunedatasettene (CSV + beskrivelse) fra rådataene; bygget kjører ikke dette.

    Example: statuskommune import-kommune --fra /sti/til/rådata/kommune
    """
    from .kommuneimport import importer

    def go():
        root = _root()
        kilde = fra
        click.echo(f"Leser {kilde} (sysdata.rda tar noen minutter) ...")
        for p in importer(root, kilde):
            click.echo(f"skrev {p.relative_to(root)}")
    _run(go)


if __name__ == "__main__":
    main()

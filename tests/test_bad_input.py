"""Bad input, counted (issue 12 §5): every kind of bad input the project is tested against.

Each case starts from a copy of a SYNTHETIC project (tests/synthetic.py) whose edition has been
built once, spoils one input, runs the command a user would run, and checks what the user gets:

- a non-zero exit code (the one the case names);
- a message that names the place (file and line, chapter, cell, parameter or source);
- no Python traceback;
- ``_book/`` byte-identical to before (every file hashed), with no leftovers beside it.

docs/bad-input.md holds the same list as a table, generated from ``CASES``:
``python tests/test_bad_input.py`` rewrites it, and ``test_doc_table_matches_the_cases`` fails
when the two drift apart.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synthetic import make_project, notebook, write_dataset  # noqa: E402

DOC = HERE.parent / "docs" / "bad-input.md"
A_CSV = "data/2025/syntetisk/a.csv"
A_DESC = "data/2025/syntetisk/a.resource.yaml"
CH_B = "chapters/02-b.qmd"
BUILD = ("build", "--to", "html", "--quiet")


class Ctx:
    """What a case's ``apply`` gets: the project copy and, on demand, a local HTTP server."""

    def __init__(self, root: Path, request):
        self.root, self._request = root, request

    @property
    def server(self):
        return self._request.getfixturevalue("httpserver")

    def edit(self, rel: str, fn: Callable[[str], str]) -> None:
        p = self.root / rel
        p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text, encoding="utf-8")

    def rehash(self) -> None:
        from statuskommune import validate

        validate.rehash(self.root, "2025")


@dataclass(frozen=True)
class Case:
    id: str
    area: str                     # data, kapittel, notatbok, oppsett, parameter, avbrudd, henting
    kind: str                     # the kind of bad input, in a few words
    example: str                  # what the test does to the project
    shows: str                    # the message (or its telling part), verbatim in the output
    apply: Callable[[Ctx], None]
    cmd: tuple[str, ...] = BUILD
    exit: int = 1
    also: tuple[str, ...] = ()    # further text the output must hold (the place, the cause)
    run: Callable | None = None   # replaces the plain subprocess run (interrupted build)
    after: Callable | None = None  # extra check on the project afterwards
    marks: tuple = field(default=())


# --- data -------------------------------------------------------------------------------------

def _csv(text: str, rehash: bool = True):
    def apply(c: Ctx):
        c.write(A_CSV, text)
        if rehash:
            c.rehash()
    return apply


def _latin1(c: Ctx):
    (c.root / A_CSV).write_bytes("aar,verdi\n2022,1.5\n".encode() + "# Tr\u00f8ndelag\n".encode("latin-1"))
    c.rehash()


def _desc(fn):
    def apply(c: Ctx):
        d = yaml.safe_load((c.root / A_DESC).read_text(encoding="utf-8"))
        fn(d)
        c.write(A_DESC, yaml.safe_dump(d, allow_unicode=True))
    return apply


def _foreign_key(c: Ctx):
    write_dataset(c.root, "felles/koder/fylker", ["kode", "navn"], [["03", "Oslo"], ["46", "Vestland"]],
                  [{"name": "kode", "type": "string"}, {"name": "navn", "type": "string"}], ["kode"])
    write_dataset(c.root, "2025/syntetisk/fylke", ["fylke", "verdi"], [["03", 1.0], ["12", 2.0]],
                  [{"name": "fylke", "type": "string"}, {"name": "verdi", "type": "number"}], ["fylke"],
                  extra_schema={"foreignKeys": [{"fields": ["fylke"],
                                                 "reference": {"resource": "felles/koder/fylker", "fields": ["kode"]}}]})


# --- chapters and notebooks --------------------------------------------------------------------

def _append_b(text: str):
    return lambda c: c.edit(CH_B, lambda s: s + "\n" + text + "\n")   # the new line is line 7 of 02-b


def _failing_notebook(c: Ctx):
    notebook(c.root / "notebooks/02-b.ipynb", "02-b", "syntetisk/b", "serie-b", "b_siste", fail=True)


# --- configuration -----------------------------------------------------------------------------

def _quarto(fn):
    return lambda c: c.edit("_quarto.yml", fn)


# --- interrupted build -------------------------------------------------------------------------

def _run_interrupted(root: Path, env: dict) -> tuple[int, str]:
    """Start a build that must execute a notebook, and press Ctrl-C while it does."""
    proc = subprocess.Popen([sys.executable, "-m", "statuskommune", *BUILD], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((root / "figures/2025").glob(".01-a.tmp-*")):
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before it executed anything:\n" + proc.communicate()[0].decode()
    os.killpg(proc.pid, signal.SIGINT)
    out = proc.communicate(timeout=120)[0].decode()
    return proc.returncode, out


# --- fetch -------------------------------------------------------------------------------------

SPEC = "data/fetch/test.yaml"
SNAPSHOT = "data/raw/ssb/befolkning-test/befolkning-test.csv"
OLD_SNAPSHOT = "forrige gode øyeblikksbilde (SYNTETISK)\n"
FETCH = ("fetch", SPEC, "--out", "data/raw/ssb")


def _fetch_setup(c: Ctx, values=("range(2022,2023)",), data=None, retry_after_500=False):
    from werkzeug import Response

    from test_fetch import SRC, serve_basics

    srv = c.server
    serve_basics(srv)
    url = "/api/pxwebapi/v2/tables/07459/data"
    if retry_after_500:  # «Retry-After: 0» so the client's retries cost no time
        srv.expect_request(url, method="POST").respond_with_response(Response("", status=500, headers={"Retry-After": "0"}))
    elif data is not None:
        srv.expect_request(url, method="POST").respond_with_json(data)
    src = dict(SRC, selection=dict(SRC["selection"], Tid={"valueCodes": list(values)}))
    (c.root / "data/fetch").mkdir(parents=True, exist_ok=True)
    c.write(SPEC, yaml.safe_dump({"base_url": srv.url_for("/api/pxwebapi/v2"), "sources": [src]}))
    snap = c.root / SNAPSHOT
    snap.parent.mkdir(parents=True, exist_ok=True)
    snap.write_text(OLD_SNAPSHOT, encoding="utf-8")


def _bad_jsonstat(c: Ctx):
    from test_fetch import data_body

    bad = data_body(["0301"], ["2022"])
    bad["value"] = [1, 2, 3]  # the size says one cell
    _fetch_setup(c, data=bad)


def _snapshot_kept(root: Path):
    assert (root / SNAPSHOT).read_text(encoding="utf-8") == OLD_SNAPSHOT, "a failed fetch replaced the snapshot"
    assert not list((root / "data/raw/ssb").glob(".befolkning-test.*")), "a failed fetch left a temporary folder"


CASES = [
    # data (validated before anything runs)
    Case("data-wrong-type", "data", "Verdi av feil type i en CSV", "`2023,abc` i en tallkolonne",
         "data/2025/syntetisk/a.csv, rad 3, kolonne «verdi»: verdien «abc» har feil type (ventet tall)",
         _csv("aar,verdi\n2022,1.5\n2023,abc\n")),
    Case("data-missing-column", "data", "Påkrevd kolonne mangler", "CSV uten kolonnen `verdi`",
         "data/2025/syntetisk/a.csv, kolonne «verdi»: kolonnen mangler i filen", _csv("aar\n2022\n2023\n")),
    Case("data-malformed-row", "data", "Rad med for mange celler", "`2023,2.5,9`",
         "data/2025/syntetisk/a.csv, rad 3: raden har flere celler enn overskriften",
         _csv("aar,verdi\n2022,1.5\n2023,2.5,9\n")),
    Case("data-duplicate-key", "data", "Primærnøkkel som ikke er unik", "året 2022 to ganger",
         "data/2025/syntetisk/a.csv, rad 3: nøkkelen er ikke unik", _csv("aar,verdi\n2022,1.5\n2022,2.5\n")),
    Case("data-out-of-range", "data", "Verdi utenfor gyldig område", "`verdi` = 250 (maks 100)",
         "data/2025/syntetisk/a.csv, rad 3, kolonne «verdi»: verdien «250» bryter en regel",
         _csv("aar,verdi\n2022,1.5\n2023,250\n"), also=('"maximum" is "100"',)),
    Case("data-wrong-encoding", "data", "CSV som ikke er UTF-8", "en linje i Latin-1",
         "data/2025/syntetisk/a.csv: filen er ikke gyldig UTF-8", _latin1),
    Case("data-hash-mismatch", "data", "Data endret uten ny sjekksum", "CSV redigert etter beskrivelsen (kjørt med `check`)",
         "data/2025/syntetisk/a.csv: sjekksummen stemmer ikke (filen er endret etter at beskrivelsen ble skrevet)",
         _csv("aar,verdi\n2022,1.5\n2023,2.6\n2024,-0.5\n", rehash=False), cmd=("check",)),
    Case("data-invalid-yaml", "data", "Ugyldig YAML i en `*.resource.yaml`", "`title: [ikke lukket`",
         "data/2025/syntetisk/a.resource.yaml, linje 3: ugyldig YAML",
         lambda c: c.write(A_DESC, "name: a\ntitle: [ikke lukket\nschema: {}\n")),
    Case("data-blank-provenance", "data", "Tom opphavsnøkkel", "`provenance.publisher: ''`",
         "data/2025/syntetisk/a.resource.yaml: provenance.publisher mangler",
         _desc(lambda d: d["provenance"].__setitem__("publisher", ""))),
    Case("data-missing-descriptor", "data", "CSV uten beskrivelse", "ny `c.csv` uten `c.resource.yaml`",
         "data/2025/syntetisk/c.csv: mangler beskrivelse",
         lambda c: c.write("data/2025/syntetisk/c.csv", "aar,verdi\n2022,1\n")),
    Case("data-descriptor-without-file", "data", "Beskrivelse uten CSV", "`a.csv` slettet",
         "data/2025/syntetisk/a.resource.yaml: beskriver a.csv, som ikke finnes",
         lambda c: (c.root / A_CSV).unlink()),
    Case("data-unknown-foreign-key", "data", "Ukjent kode (fremmednøkkel)", "fylkeskode `12` finnes ikke i kodelisten",
         "data/2025/syntetisk/fylke.csv, rad 3: ukjent kode", _foreign_key, also=('values "12" not found',)),
    # notebooks
    Case("notebook-raises", "notatbok", "Notatbok som feiler", "`raise ValueError(...)` i en celle",
         "Kapittel 02-b feilet i celle 5: ValueError: syntetisk feil for testen", _failing_notebook,
         also=("_build/2025/notebooks/02-b.ipynb",)),
    Case("notebook-deleted", "notatbok", "Notatbok slettet mens kapitlet bruker figurene", "`notebooks/01-a.ipynb` slettet",
         "chapters/01-a.qmd, linje 7: figuren «serie-a» kan ikke lages fordi kapitlet ikke har noen notatbok",
         lambda c: (c.root / "notebooks/01-a.ipynb").unlink(), also=("notebooks/01-a.ipynb finnes ikke",)),
    Case("notebook-not-json", "notatbok", "Notatbok som ikke er gyldig JSON", "`{ikke json` i `02-b.ipynb`",
         "Kapittel 02-b kunne ikke kjøres (notebooks/02-b.ipynb): NotJSONError",
         lambda c: c.write("notebooks/02-b.ipynb", "{ikke json")),
    # chapters
    Case("chapter-unknown-var", "kapittel", "Ukjent `{{< var >}}`", "`{{< var finnes_ikke >}}`",
         "chapters/02-b.qmd, linje 7: {{< var finnes_ikke >}}: ingen notatbok har beregnet «finnes_ikke»",
         _append_b("Og {{< var finnes_ikke >}}.")),
    Case("chapter-unknown-fig", "kapittel", "Ukjent `{{< fig >}}`", "`{{< fig mangler >}}`",
         "chapters/02-b.qmd, linje 7: figuren «mangler» finnes ikke", _append_b("{{< fig mangler >}}")),
    Case("chapter-figure-twice", "kapittel", "Figur brukt to ganger", "`{{< fig serie-a >}}` også i kapittel B",
         "chapters/02-b.qmd, linje 7: figuren «serie-a» er allerede brukt i chapters/01-a.qmd",
         _append_b("{{< fig serie-a >}}")),
    Case("chapter-unknown-crossref", "kapittel", "Kryssreferanse til noe som ikke finnes", "`Se @fig-borte.`",
         "chapters/02-b.qmd, linje 7: kryssreferansen @fig-borte peker ikke på noe", _append_b("Se @fig-borte.")),
    Case("chapter-unknown-shortcode", "kapittel", "Ukjent kortkode", "`{{< foo bar >}}`",
         "chapters/02-b.qmd, linje 7: ukjent kortkode «{{< foo bar >}}»", _append_b("{{< foo bar >}}")),
    Case("chapter-no-heading", "kapittel", "Kapittel uten overskrift på nivå 1", "kapitlet begynner med `## Bare nivå 2`",
         "chapters/02-b.qmd: mangler overskrift på nivå 1", lambda c: c.write(CH_B, "## Bare nivå 2\n")),
    Case("chapter-duplicate-id", "kapittel", "Avsnitts-id brukt to ganger", "`## Igjen {#sec-a}` i kapittel B",
         "chapters/02-b.qmd, linje 7: id «sec-a» er brukt to ganger (også i chapters/01-a.qmd)",
         _append_b("## Igjen {#sec-a}")),
    Case("chapter-file-missing", "kapittel", "Kapittelfil i `_quarto.yml` som ikke finnes", "`chapters/03-c.qmd` i listen",
         "kapittelfiler i bokoppsettet finnes ikke: chapters/03-c.qmd",
         _quarto(lambda s: s.replace("chapters/02-b.qmd]", "chapters/02-b.qmd, chapters/03-c.qmd]"))),
    # configuration
    Case("config-invalid-yaml", "oppsett", "Ugyldig YAML i `_quarto.yml`", "en liste som ikke lukkes",
         "_quarto.yml, linje 6: ugyldig YAML", _quarto(lambda s: s.replace("chapters/02-b.qmd]", "chapters/02-b.qmd"))),
    Case("config-profile-invalid-yaml", "oppsett", "Ugyldig YAML i profilen `_quarto-2025.yml`", "et objekt som ikke lukkes",
         "_quarto-2025.yml, linje 2: ugyldig YAML",
         lambda c: c.write("_quarto-2025.yml", 'statuskommune: {edition: 2025, vintage: "2025"\n')),
    Case("config-no-default-edition", "oppsett", "Standardutgave mangler", "`default-edition` fjernet, bygget uten `--edition`",
         "_quarto.yml: statuskommune.default-edition mangler", _quarto(lambda s: s.replace("default-edition: 2025, ", ""))),
    Case("config-missing-vintage", "oppsett", "Profil som peker på en dataårgang som ikke finnes", '`vintage: "2019"`',
         "Utgave 2025 bruker dataårgang 2019, men data/2019/ finnes ikke",
         lambda c: c.write("_quarto-2025.yml", 'statuskommune: {edition: 2025, vintage: "2019"}\n')),
    # parameters
    Case("param-unknown-edition", "parameter", "Ukjent utgave", "`build --edition 2031`",
         "Ukjent utgave «2031»: profilen _quarto-2031.yml finnes ikke", lambda c: None,
         cmd=("build", "--edition", "2031", "--quiet")),
    Case("param-unknown-format", "parameter", "Ukjent `--to`-format", "`build --to docx`",
         "--to docx: ukjent format", lambda c: None, cmd=("build", "--to", "docx", "--quiet")),
    Case("param-unknown-renderer", "parameter", "Ukjent `--renderer`", "`build --renderer foo`",
         "Invalid value for '--renderer'", lambda c: None, cmd=("build", "--renderer", "foo"), exit=2,
         also=("'foo' is not one of",)),
    Case("param-diff-unknown-edition", "parameter", "`diff` med en ukjent utgave", "`diff 2019 2025`",
         "Ukjent utgave «2019»", lambda c: None, cmd=("diff", "2019", "2025", "--quiet")),
    Case("param-execute-unknown-chapter", "parameter", "`execute` med et ukjent kapittel", "`execute 03-finnes-ikke`",
         "ukjent kapittel «03-finnes-ikke»", lambda c: None, cmd=("execute", "03-finnes-ikke", "--quiet"),
         also=("01-a", "02-b")),
    # interrupted runs
    Case("interrupted-build", "avbrudd", "Bygging avbrutt med Ctrl-C (SIGINT)", "SIGINT mens en notatbok kjører",
         "Avbrutt. Forrige publiserte utgave er urørt", _csv("aar,verdi\n2022,9.5\n2023,8.5\n2024,7.5\n"),
         exit=130, run=_run_interrupted),
    # fetch failures
    Case("fetch-server-error", "henting", "Serverfeil ved henting (HTTP 500)", "API-et svarer 500 på hvert forsøk",
         "data/fetch/test.yaml: kilden «befolkning-test»: POST http://",
         lambda c: _fetch_setup(c, retry_after_500=True), cmd=FETCH,
         also=("/tables/07459/data: HTTP 500",),
         after=_snapshot_kept),
    Case("fetch-invalid-jsonstat", "henting", "Ugyldig JSON-stat fra API-et", "`value` har tre celler, `size` sier én",
         "data/fetch/test.yaml: kilden «befolkning-test»: svaret for del 1 er ikke gyldig JSON-stat 2",
         _bad_jsonstat, cmd=FETCH, after=_snapshot_kept),
    Case("fetch-unknown-code", "henting", "Utvalg med en kode tabellen ikke har", "`Tid: 1999`",
         "data/fetch/test.yaml: kilden «befolkning-test»: Tid: koden «1999» finnes ikke i tabellen",
         lambda c: _fetch_setup(c, values=("1999",)), cmd=FETCH, after=_snapshot_kept),
    Case("fetch-invalid-spec", "henting", "Ugyldig YAML i hentespesifikasjonen", "`sources: [ikke lukket`",
         "data/fetch/test.yaml, linje 2: ugyldig YAML",
         lambda c: ((c.root / "data/fetch").mkdir(parents=True, exist_ok=True),
                    c.write(SPEC, "sources: [ikke lukket\n")), cmd=FETCH),
]


# --- harness -----------------------------------------------------------------------------------

def _env(root: Path) -> dict:
    return dict(os.environ, STATUSKOMMUNE_ROOT=str(root), STATUSKOMMUNE_NO_DISPLAY="1")


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "statuskommune", *args], cwd=root, env=_env(root),
                          capture_output=True, text=True, timeout=300)


def _snapshot(book: Path) -> dict[str, str]:
    """Every file under ``_book/`` (with hidden ones and leftovers), by path: its sha256."""
    return {p.relative_to(book).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(book.rglob("*"))}


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Path:
    """The SYNTHETIC project with its HTML edition built once (copied for each case)."""
    root = make_project(tmp_path_factory.mktemp("bad-input") / "mal")
    r = _cli(root, *BUILD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (root / "_book/2025/index.html").is_file()
    return root


@pytest.fixture
def copy(built_template, tmp_path) -> Path:
    return shutil.copytree(built_template, tmp_path / "prosjekt", symlinks=True)


def test_an_unspoilt_copy_builds(copy):
    """The control: without bad input the same command succeeds and publishes nothing new."""
    before = _snapshot(copy / "_book")
    r = _cli(copy, *BUILD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Ingenting er endret" in r.stdout
    assert _snapshot(copy / "_book") == before


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_bad_input(case: Case, copy, request):
    book = copy / "_book"
    before = _snapshot(book)
    assert "2025/index.html" in before
    case.apply(Ctx(copy, request))
    if case.run:
        code, out = case.run(copy, _env(copy))
    else:
        r = _cli(copy, *case.cmd)
        code, out = r.returncode, r.stdout + r.stderr
    assert code == case.exit, f"exit {code}, expected {case.exit}:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    assert case.shows in out, out[-3000:]
    for text in case.also:
        assert text in out, (text, out[-3000:])
    assert _snapshot(book) == before, "_book/ changed"
    if case.after:
        case.after(copy)


# --- the table in docs/ ------------------------------------------------------------------------

AREAS = {"data": "Data", "kapittel": "Kapitler", "notatbok": "Notatbøker", "oppsett": "Oppsett",
         "parameter": "Parametere", "avbrudd": "Avbrutte kjøringer", "henting": "Henting (fetch)"}
BEGIN, END = "<!-- begin: generated from tests/test_bad_input.py -->", "<!-- end: generated -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{tick}{pad}{_cell(text)}{pad}{tick}"


def doc_table() -> str:
    rows = ["| Område | Slags feil | Eksempel | Hva brukeren ser (forkortet) | Kommando | Test-id |",
            "|---|---|---|---|---|---|"]
    for c in CASES:
        cmd = "Ctrl-C under `build`" if c.run else _code("statuskommune " + " ".join(c.cmd))
        seen = " … ".join((c.shows, *c.also))
        rows.append(f"| {AREAS[c.area]} | {_cell(c.kind)} | {_cell(c.example)} | {_code(seen)} "
                    f"| {cmd}, exit {c.exit} | `{c.id}` |")
    return "\n".join(rows)


def _doc_section(text: str) -> str:
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def test_doc_table_matches_the_cases():
    """docs/bad-input.md lists exactly these cases (regenerate with ``python tests/test_bad_input.py``)."""
    text = DOC.read_text(encoding="utf-8")
    ids = re.findall(r"\| `([a-z0-9-]+)` \|$", _doc_section(text), flags=re.M)
    assert sorted(ids) == sorted(c.id for c in CASES), "regenerate: python tests/test_bad_input.py"
    assert _doc_section(text) == doc_table(), "regenerate: python tests/test_bad_input.py"
    assert f"{len(CASES)} slags" in text


def test_at_least_twenty_kinds_in_every_area():
    assert len(CASES) >= 20 and len({c.id for c in CASES}) == len(CASES)
    assert {c.area for c in CASES} == set(AREAS)


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    head = re.sub(r"\d+ slags", f"{len(CASES)} slags", head)
    DOC.write_text(head + BEGIN + "\n" + doc_table() + "\n" + END + tail, encoding="utf-8")
    print(f"{DOC}: {len(CASES)} tilfeller")

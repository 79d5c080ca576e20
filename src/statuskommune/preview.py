"""Live preview for authors: ``statuskommune preview`` (``make preview``).

Builds the HTML edition with the ordinary build (``build.build(..., to=["html"])``, so the
notebook cache and the render fingerprint apply) into its own folder,
``_build/<edition>/preview/``. The published ``_book/<edition>/`` (with its PDF) is never touched.

- ``watchfiles`` watches chapters/, notebooks/, data/ and the configuration at the top of the
  project (``_quarto*.yml``, ``index.qmd``); every batch of changes starts one rebuild. Changes
  that arrive during a rebuild start one more rebuild after it.
- A small Starlette app served by uvicorn serves the folder. Every HTML page gets a script that
  listens to ``/__preview/events`` (server-sent events) and reloads the page when a rebuild has
  finished, successfully or not.
- A failed rebuild keeps the last good pages; each page then shows the error at its top.
- ``/__preview/status`` gives ``{"version", "building", "ok", "error"}`` as JSON (tests, bench).
"""

from __future__ import annotations

import asyncio
import html
import mimetypes
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import fmt
from .errors import StatusKommuneError

WATCH_DIRS = ("chapters", "notebooks", "data")
ROOT_FILES = re.compile(r"^(_quarto.*\.ya?ml|index\.qmd)$")
IGNORE_DIRS = {".ipynb_checkpoints"}
EVENTS = "/__preview/events"
STATUS = "/__preview/status"
PING_SECONDS = 15.0

RELOAD_SCRIPT = """<script id="sk-preview-reload">(function () {
  var shown = %d;
  var es = new EventSource("%s");
  es.onmessage = function (e) { if (Number(e.data) !== shown) { es.close(); location.reload(); } };
})();</script>"""

BANNER = """<div id="sk-preview-feil" role="alert" lang="nb" style="position:sticky;top:0;z-index:1000;
margin:0;padding:1rem 1.25rem;background:#fff0f0;color:#5c0000;border-bottom:3px solid #b00020;
font:16px/1.4 system-ui,sans-serif"><strong>Forhåndsvisningen kunne ikke bygges.</strong> %s
<pre style="white-space:pre-wrap;margin:.5rem 0 0;font-size:14px">%s</pre></div>"""

PAGE = """<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>%s</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main style="font:18px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>%s</h1><p>%s</p></main></body></html>"""


@dataclass
class State:
    version: int = 0              # bumped after every finished rebuild (good or failed)
    building: bool = False
    error: str | None = None      # message of the last rebuild, if it failed
    error_site: int | None = None  # the served folder (inode) when it failed
    changes: list[str] = field(default_factory=list)
    seconds: float | None = None  # duration of the last rebuild


def _rel(root: Path, p: str) -> str:
    try:
        return Path(p).relative_to(root).as_posix()
    except ValueError:
        return p


def error_text(exc: BaseException) -> str:
    """The message an author sees: our own errors as they are, anything else with its traceback."""
    if isinstance(exc, StatusKommuneError):
        return str(exc)
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).strip()


def inject(page: str, version: int, error: str | None) -> str:
    """Add the reload script (and the error banner) to one HTML page."""
    script = RELOAD_SCRIPT % (version, EVENTS)
    i = page.lower().rfind("</body>")
    page = page[:i] + script + page[i:] if i >= 0 else page + script
    if error:
        banner = BANNER % ("Siden viser forrige vellykkede versjon. Rett feilen og lagre igjen.",
                           html.escape(error))
        m = re.search(r"<body[^>]*>", page, flags=re.I)
        page = page[:m.end()] + banner + page[m.end():] if m else banner + page
    return page


class Preview:
    """One edition's preview: the rebuild loop, the watchers and the web app."""

    def __init__(self, root: Path, edition: str | None = None, renderer: str = "builtin",
                 stream=None):
        from . import config

        self.root = root.resolve()
        self.ed = config.load(self.root, edition)  # a bad --edition fails here, before serving
        self.edition = self.ed.edition
        self.renderer = renderer
        self.site = self.root / "_build" / self.edition / "preview"
        self.state = State()
        self.port: int | None = None
        self.stream = stream or sys.stdout
        self._pending: set[str] = set()
        self._dirty: asyncio.Event | None = None
        self._changed: asyncio.Condition | None = None
        self._stop: asyncio.Event | None = None

    # -- building ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def build_once(self) -> None:
        """One incremental HTML build into the preview folder (raises on failure)."""
        from .build import build
        from .progress import PlainProgress

        build(self.root, self.edition, to=["html"], renderer=self.renderer, quiet=True,
              progress=PlainProgress(stream=self.stream), out=self.site)

    def rebuild(self, changes: list[str]) -> None:
        """Build, and record the outcome in the state (never raises)."""
        t0 = time.monotonic()
        try:
            self.build_once()
            self.state.error = None
        except Exception as exc:  # noqa: BLE001 - every failure is shown on the page
            self.state.error, self.state.error_site = error_text(exc), self._site_id()
        self.state.seconds = time.monotonic() - t0
        self.state.changes = changes
        took = fmt.tall(self.state.seconds, 1)
        if self.state.error:
            self.say(f"Bygging feilet etter {took} s; forrige versjon vises fortsatt:\n{self.state.error}")
        else:
            self.say(f"Oppdatert på {took} s.")

    def _site_id(self) -> int | None:
        try:
            return self.site.stat().st_ino
        except FileNotFoundError:
            return None

    def current_error(self) -> str | None:
        """The error to show with the served pages. A successful build swaps in a new folder
        (a new inode) a moment before it clears the error; from then on the error no longer
        describes what is served."""
        err = self.state.error
        return err if err and self._site_id() == self.state.error_site else None

    # -- watching ---------------------------------------------------------------------------
    def watch_paths(self) -> list[Path]:
        return [self.root / d for d in WATCH_DIRS if (self.root / d).is_dir()]

    def _dir_filter(self):
        from watchfiles import DefaultFilter

        base = DefaultFilter()

        def keep(change, path: str) -> bool:
            p = Path(path)
            return base(change, path) and not (IGNORE_DIRS & set(p.parts)) and not p.name.startswith(".~")
        return keep

    @staticmethod
    def _root_filter(change, path: str) -> bool:
        return bool(ROOT_FILES.match(Path(path).name))

    async def _watch(self, paths, recursive: bool, watch_filter) -> None:
        from watchfiles import awatch

        try:
            async for changes in awatch(*paths, watch_filter=watch_filter, recursive=recursive,
                                        stop_event=self._stop, step=30):
                self._pending |= {_rel(self.root, p) for _, p in changes}
                self._dirty.set()
        except Exception as exc:  # noqa: BLE001 - say so instead of silently no longer watching
            self.state.error = f"Overvåkingen av {', '.join(str(p) for p in paths)} stoppet: {exc}"
            self.state.error_site = self._site_id()
            self.say(self.state.error)
            async with self._changed:
                self.state.version += 1
                self._changed.notify_all()

    async def _builder(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            changes, self._pending = sorted(self._pending), set()
            if changes:
                self.say("Endret: " + ", ".join(changes[:5]) + (" …" if len(changes) > 5 else ""))
            self.state.building = True
            await asyncio.to_thread(self.rebuild, changes)
            self.state.building = False
            async with self._changed:
                self.state.version += 1
                self._changed.notify_all()

    # -- serving ----------------------------------------------------------------------------
    def _file(self, rel: str) -> Path | None:
        site = self.site.resolve()
        p = (site / rel.lstrip("/")).resolve()
        try:
            p.relative_to(site)
        except ValueError:
            return None
        if p.is_dir():
            p = p / "index.html"
        return p if p.is_file() else None

    def status(self) -> dict:
        err = self.current_error()
        return {"version": self.state.version, "building": self.state.building,
                "ok": err is None and (self.site / "index.html").is_file(),
                "error": err, "seconds": self.state.seconds, "changes": self.state.changes}

    def app(self):
        from starlette.applications import Starlette
        from starlette.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
        from starlette.routing import Route

        no_store = {"Cache-Control": "no-store"}

        async def status(request):
            return JSONResponse(self.status(), headers=no_store)

        async def events(request):
            async def stream():
                sent = None
                while not self._stop.is_set():
                    async with self._changed:  # check and wait under the lock: no missed build
                        if sent == self.state.version:
                            try:
                                await asyncio.wait_for(self._changed.wait(), PING_SECONDS)
                            except TimeoutError:
                                pass
                    if sent != self.state.version:
                        sent = self.state.version
                        yield f"data: {sent}\n\n"
                    else:
                        yield ": ping\n\n"
            return StreamingResponse(stream(), media_type="text/event-stream",
                                     headers={**no_store, "X-Accel-Buffering": "no"})

        async def page(request):
            rel = request.path_params.get("path", "")
            p = self._file(rel)
            v, err = self.state.version, self.current_error()
            if p is None:
                if not (self.site / "index.html").is_file():
                    # no good build yet: say what is going on, and reload when a build finishes
                    if err:
                        body = PAGE % ("Forhåndsvisning", "Forhåndsvisning", "Ingen vellykket bygging ennå.")
                    else:
                        body = PAGE % ("Bygger …", "Bygger forhåndsvisningen …",
                                       "Siden lastes inn på nytt når byggingen er ferdig.")
                    return HTMLResponse(inject(body, v, err), headers=no_store)
                body = PAGE % ("Fant ikke siden", "Fant ikke siden", html.escape(rel))
                return HTMLResponse(inject(body, v, err), status_code=404, headers=no_store)
            if p.suffix == ".html":
                try:
                    text = p.read_text(encoding="utf-8")
                except FileNotFoundError:  # the folder was swapped while we read: try again
                    p = self._file(rel)
                    text = p.read_text(encoding="utf-8") if p else ""
                return HTMLResponse(inject(text, v, err), headers=no_store)
            mt = mimetypes.guess_type(p.name)[0]
            return FileResponse(p, media_type=mt, headers=no_store)

        return Starlette(routes=[Route(STATUS, status), Route(EVENTS, events),
                                 Route("/", page), Route("/{path:path}", page)])

    # -- running ----------------------------------------------------------------------------
    async def run(self, host: str, port: int, ready: threading.Event | None = None) -> None:
        import uvicorn

        self._dirty, self._changed, self._stop = asyncio.Event(), asyncio.Condition(), asyncio.Event()
        self._dirty.set()  # the first build
        self._pending = set()
        config = uvicorn.Config(self.app(), host=host, port=port, log_level="warning",
                                timeout_graceful_shutdown=1, lifespan="off")
        server = uvicorn.Server(config)
        tasks = [asyncio.create_task(self._builder()),
                 asyncio.create_task(self._watch(self.watch_paths(), True, self._dir_filter())),
                 asyncio.create_task(self._watch([self.root], False, self._root_filter))]

        async def announce():
            while not server.started:
                await asyncio.sleep(0.05)
            self.port = server.servers[0].sockets[0].getsockname()[1] if port == 0 else port
            self.say(f"Forhåndsvisning av utgave {self.edition}: http://{host}:{self.port}/  (Ctrl+C avslutter)")
            self.say("Følger med på " + ", ".join(p.name + "/" for p in self.watch_paths())
                     + " og _quarto*.yml; bygger til " + _rel(self.root, str(self.site)) + "/")
            if ready:
                ready.set()
        tasks.append(asyncio.create_task(announce()))
        try:
            await server.serve()
        finally:
            self._stop.set()
            async with self._changed:
                self._changed.notify_all()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def serve(root: Path, edition: str | None = None, *, host: str = "127.0.0.1", port: int = 4300,
          renderer: str = "builtin", open_browser: bool = False) -> None:
    """Run the preview until Ctrl+C."""
    pv = Preview(root, edition, renderer)
    ready = threading.Event()
    if open_browser:
        import webbrowser

        def opener():
            if ready.wait(30):
                webbrowser.open(f"http://{host}:{pv.port}/")
        threading.Thread(target=opener, daemon=True).start()
    asyncio.run(pv.run(host, port, ready))

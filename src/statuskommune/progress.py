"""Progress of chapter execution: a live table (rich) or plain lines for CI logs (--quiet)."""

from __future__ import annotations

import sys

from . import fmt

STATE_TEXT = {"queued": "i kø", "running": "kjører", "cached": "fra cache", "done": "ferdig", "failed": "FEILET"}


def _secs(s: float) -> str:
    return fmt.tall(s, 1) + " s"


class PlainProgress:
    """One line per state change; nothing else. For CI logs and pipes."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.last: dict[str, str] = {}
        self.rows: dict[str, tuple[str, float, str]] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, stem: str, state: str, seconds: float, reason: str = "") -> None:
        self.rows[stem] = (state, seconds, reason)
        if self.last.get(stem) == state:
            return
        self.last[stem] = state
        extra = f" ({reason})" if reason and state in ("queued", "cached") else ""
        took = f" på {_secs(seconds)}" if state in ("done", "failed") else ""
        first = (reason or "").splitlines()[0] if state == "failed" and reason else ""
        print(f"[{stem}] {STATE_TEXT.get(state, state)}{took}{extra}{(': ' + first) if first else ''}",
              file=self.stream, flush=True)


class LiveProgress(PlainProgress):
    """A live-updating table with chapter, state and time (rich)."""

    def __init__(self):
        super().__init__()
        from rich.console import Console
        from rich.live import Live

        self.console = Console(stderr=False)
        self.live = Live(self._table(), console=self.console, refresh_per_second=8, transient=False)

    def _table(self):
        from rich.table import Table

        t = Table(title="Kapitler", title_justify="left", show_edge=False)
        t.add_column("Kapittel")
        t.add_column("Status")
        t.add_column("Tid", justify="right")
        t.add_column("Hvorfor")
        colours = {"done": "green", "cached": "cyan", "failed": "bold red", "running": "yellow", "queued": "dim"}
        for stem, (state, secs, reason) in self.rows.items():
            t.add_row(stem, f"[{colours.get(state, '')}]{STATE_TEXT.get(state, state)}[/]",
                      _secs(secs) if state in ("running", "done", "failed") else "",
                      (reason or "").splitlines()[0][:70] if reason else "")
        return t

    def __enter__(self):
        self.live.__enter__()
        return self

    def __exit__(self, *exc):
        self.live.update(self._table())
        return self.live.__exit__(*exc)

    def update(self, stem: str, state: str, seconds: float, reason: str = "") -> None:
        self.rows[stem] = (state, seconds, reason)
        self.live.update(self._table())


def make(quiet: bool):
    if quiet or not sys.stdout.isatty():
        return PlainProgress()
    return LiveProgress()


def summary(outcomes) -> str:
    lines = ["Oppsummering:"]
    for o in outcomes:
        took = f" {_secs(o.seconds)}" if o.state in ("done", "failed") else ""
        lines.append(f"  {o.stem:<28} {STATE_TEXT.get(o.state, o.state)}{took}")
    return "\n".join(lines)


class Null:
    """No progress output (a kommune edition inside a run over many kommuner reports one line)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, stem: str, state: str, seconds: float, reason: str = "") -> None:
        pass

"""Exceptions whose messages are written for the person running the build.

Every message names the thing that is wrong (file, row, column, chapter, cell or tool)
and, where there is one, what to do about it.
"""

from __future__ import annotations


class StatusKommuneError(Exception):
    """Base class: a failure the user can act on; the CLI prints it without a traceback."""


class ConfigError(StatusKommuneError):
    """The project configuration (_quarto.yml, a profile) is missing or wrong."""


class UnknownEditionError(ConfigError):
    pass


class DataValidationError(StatusKommuneError):
    """One or more datasets failed validation. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = f"Datavalidering feilet ({len(problems)} feil):"
        super().__init__("\n".join([head, *("  - " + p for p in problems)]))


class DatasetNotFound(StatusKommuneError):
    pass


class DatasetNotInVintage(DatasetNotFound):
    """The dataset exists in another data vintage but not in the one being built."""


class ChapterExecutionError(StatusKommuneError):
    def __init__(self, chapter: str, cell: int | None, ename: str, evalue: str, notebook: str):
        self.chapter, self.cell, self.ename, self.evalue, self.notebook = (
            chapter, cell, ename, evalue, notebook)
        where = f"celle {cell}" if cell is not None else "ukjent celle"
        super().__init__(
            f"Kapittel {chapter} feilet i {where}: {ename}: {evalue}\n"
            f"  Den kjørte notatboken med full traceback ligger i {notebook}")


class ToolMissingError(StatusKommuneError):
    pass


class StagingError(StatusKommuneError):
    """A chapter refers to a figure or number that no notebook produced, or similar."""


class RenderError(StatusKommuneError):
    pass


class FetchError(StatusKommuneError):
    pass

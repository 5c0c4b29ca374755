"""All of briefbook's errors: one base class, one subclass per kind of failure."""

from __future__ import annotations

from dataclasses import dataclass


class BriefbookError(Exception):
    """Base class: every error briefbook raises on purpose is one of these.

    The CLI prints ``str(error)`` (a sentence a reader can act on) and exits non-zero; it never
    shows a traceback for a ``BriefbookError``.
    """


@dataclass(frozen=True)
class Problem:
    """One broken rule in the data: where it is, what was found and which rule it breaks."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [place]
        if self.column:
            parts.append(self.column)
        detail = self.rule if self.value is None else f"{self.value!r} {self.rule}"
        return ": ".join([*parts, detail])


class DataValidationError(BriefbookError):
    """Raised when the data package breaks one or more rules; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"The data package has {len(problems)} problem(s):\n{lines}")


class SourceError(BriefbookError):
    """Raised when a source text cannot be added or searched (missing, empty, not UTF-8, taken)."""


class ParameterError(BriefbookError, ValueError):
    """Raised when a brief parameter has a value that is not allowed."""

    def __init__(self, name: str, value: object, allowed: str, brief: str | None = None):
        self.name, self.value, self.allowed, self.brief = name, value, allowed, brief
        where = f"Brief {brief!r}: parameter" if brief else "Parameter"
        super().__init__(f"{where} {name!r} was given {value!r}, but {allowed}.")


class ManifestError(BriefbookError):
    """Raised when the manifest is missing, malformed or names something that does not exist."""


@dataclass(frozen=True)
class BriefFailure:
    """Why one brief failed: the brief, the cell (1-based code cell, if known) and the error."""

    brief: str
    cell: int | None
    error: str
    executed_notebook: str | None = None

    def __str__(self) -> str:
        # No cell when the kernel never ran one, or the notebook ran and the rendering failed.
        where = f"cell {self.cell}: " if self.cell is not None else ""
        kept = (
            f" (executed notebook kept at {self.executed_notebook})"
            if self.executed_notebook
            else ""
        )
        return f"- {self.brief}: {where}{self.error}{kept}"


class BuildLockedError(BriefbookError):
    """Raised when another build already holds the briefs folder."""

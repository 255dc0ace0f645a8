"""One exception family for the package, so callers can catch ``CaseStudyError``."""

from __future__ import annotations

from dataclasses import dataclass


class CaseStudyError(Exception):
    """Base class of every error the package raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One broken rule in one place of one file.

    ``row`` counts lines of the file as a spreadsheet shows them (the header is row 1),
    so a user can go straight to the offending line.
    """

    file: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        # The rule stays on the object for code; a reader gets the words.
        return f"{where}: {self.message}"


class DataValidationError(CaseStudyError, ValueError):
    """A data file breaks its schema or the manifest; ``problems`` lists every break."""

    def __init__(self, problems: list[Problem] | Problem | str, *, file: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(file=file or "<data>", rule="invalid", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = "\n".join(str(p) for p in shown)
        if more > 0:
            text += f"\n... and {more} more problem(s)"
        super().__init__(text)


class ReportError(CaseStudyError):
    """A notebook failed to build into a report."""

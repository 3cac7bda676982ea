"""Errors a contributor can act on: file, line, field, what was expected, what was found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the dataset, located as precisely as we can."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class TradetalksError(Exception):
    """Base of every error this project raises on purpose."""


class LocateError(TradetalksError):
    """Evidence text was not found in the article, or found more than once."""


class DatasetError(TradetalksError):
    """The dataset (sources or tables) is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, path: str | Path, line: int | None, field: str | None, message: str) -> "DatasetError":
        return cls(Problem(str(path), line, field, message))


class Collector:
    """Gathers problems across a stage so that all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str | Path, line: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(str(path), line, field, message))

    def extend(self, error: DatasetError) -> None:
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DatasetError(self.problems)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """By file, then line (a file's own problems first); otherwise in the order found."""
    return sorted(problems, key=lambda p: (p.path, -1 if p.line is None else p.line))


def dotted(location: list | tuple) -> str:
    """A YAML location as a field path: ['quotes', 3, 'evidence'] -> 'quotes[3].evidence'."""
    out = ""
    for step in location:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out

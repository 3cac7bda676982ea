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
        super().__init__()

    def __str__(self) -> str:
        # Bounded: 300,000 problems must not make a 50 MB message.
        return "\n".join(report_lines(self.problems))

    @classmethod
    def one(cls, path: str | Path, line: int | None, field: str | None, message: str) -> DatasetError:
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


def check_version(version: object, where: str | Path) -> str:
    """`version` when it is SemVer X.Y.Z (it becomes a directory name and a URL); DatasetError otherwise."""
    import re

    from tradetalks.load import VERSION_PATTERN

    if not isinstance(version, str) or not re.fullmatch(VERSION_PATTERN, version):
        raise DatasetError.one(where, None, "version", f"expected a SemVer version X.Y.Z such as 1.2.0 (digits only, no path), found {str(version)[:60]!r}")
    return version


# How many problems are printed one per line; the rest are summarised by kind.
SHOW_PROBLEMS = 200


def problem_kind(problem: Problem) -> str:
    """What kind of problem this is, without its particulars (values, offsets, ids)."""
    import re

    text = problem.message.split(";")[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\S*\d\S*", "…", text)
    return re.sub(r"(…\s*)+", "… ", text).strip()[:100]


def report_lines(problems: list[Problem], limit: int = SHOW_PROBLEMS) -> list[str]:
    """The first `limit` problems, one per line, then the rest counted by kind, most frequent first."""
    from collections import Counter

    lines = [str(p) for p in problems[:limit]]
    rest = problems[limit:]
    if rest:
        kinds = Counter(problem_kind(p) for p in rest)
        lines.append(f"and {len(rest):,} more:")
        for kind, n in kinds.most_common(20):
            lines.append(f"  {n:,} × {kind}")
        if len(kinds) > 20:
            lines.append(f"  {sum(n for _, n in kinds.most_common()[20:]):,} × {len(kinds) - 20:,} other kinds")
    return lines
